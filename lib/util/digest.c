/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "util/crypto-dl.h"
#include "util/digest.h"
#include "util/sha256.h"

/*
 * Buffers up to this size are hashed by the portable SHA-256: it costs less
 * than loading and initialising libcrypto (about 1 ms), and a `run` hashes
 * only its image's small config and manifest.  Larger ones go to OpenSSL.
 */
#define SMALL_BUF (64 * 1024)

static const char hexdig[] = "0123456789abcdef";

int berth_sha256_init(struct berth_sha256 *h, struct berth_error **err)
{
	EVP_MD_CTX *ctx;

	h->ctx = NULL;
	if (berth_crypto_load(err) < 0)
		return berth_error_prefix(err, "sha256");
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return berth_error_set(err, ENOMEM, "sha256: out of memory");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return berth_error_set(err, EIO, "sha256: initialisation failed");
	}
	h->ctx = ctx;
	return 0;
}

int berth_sha256_update(struct berth_sha256 *h, const void *buf, size_t len,
			struct berth_error **err)
{
	if (h->ctx == NULL)
		return berth_error_set(err, EINVAL, "sha256: context not initialised");
	if (len > 0 && EVP_DigestUpdate(h->ctx, buf, len) != 1)
		return berth_error_set(err, EIO, "sha256: update failed");
	return 0;
}

int berth_sha256_final(struct berth_sha256 *h, char out[BERTH_DIGEST_BUF], struct berth_error **err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok;

	if (h->ctx == NULL)
		return berth_error_set(err, EINVAL, "sha256: context not initialised");
	ok = EVP_DigestFinal_ex(h->ctx, md, &n);
	berth_sha256_release(h);
	if (ok != 1 || n != 32)
		return berth_error_set(err, EIO, "sha256: finalisation failed");
	memcpy(out, BERTH_DIGEST_PREFIX, strlen(BERTH_DIGEST_PREFIX));
	berth_hex_encode(md, n, out + strlen(BERTH_DIGEST_PREFIX));
	return 0;
}

void berth_sha256_release(struct berth_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

static void small_digest(const void *buf, size_t len, char out[BERTH_DIGEST_BUF])
{
	struct berth_sha256_lite c;
	unsigned char md[32];

	berth_sha256_lite_init(&c);
	berth_sha256_lite_update(&c, buf, len);
	berth_sha256_lite_final(&c, md);
	memcpy(out, BERTH_DIGEST_PREFIX, strlen(BERTH_DIGEST_PREFIX));
	berth_hex_encode(md, sizeof(md), out + strlen(BERTH_DIGEST_PREFIX));
}

int berth_sha256_buf(const void *buf, size_t len, char out[BERTH_DIGEST_BUF],
		     struct berth_error **err)
{
	struct berth_sha256 h;
	int ret;

	if (len <= SMALL_BUF) {
		small_digest(buf, len, out);
		return 0;
	}
	ret = berth_sha256_init(&h, err);
	if (ret < 0)
		return ret;
	ret = berth_sha256_update(&h, buf, len, err);
	if (ret < 0) {
		berth_sha256_release(&h);
		return ret;
	}
	return berth_sha256_final(&h, out, err);
}

bool berth_is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; i < BERTH_SHA256_HEX_LEN; i++) {
		if (s[i] == '\0' || strchr(hexdig, s[i]) == NULL)
			return false;
	}
	return s[i] == '\0';
}

/* The algorithm grammar of the OCI spec: [a-z0-9]+([+._-][a-z0-9]+)* */
static bool valid_algorithm(const char *s, size_t n)
{
	bool need_alnum = true;

	for (size_t i = 0; i < n; i++) {
		bool alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');

		if (!alnum && (need_alnum || strchr("+._-", s[i]) == NULL))
			return false;
		need_alnum = !alnum;
	}
	return n > 0 && !need_alnum;
}

int berth_digest_check(const char *s, struct berth_error **err)
{
	const char *colon = strchr(s, ':');
	size_t alen;

	if (colon == NULL)
		return berth_error_set(err, EINVAL, "invalid digest \"%s\": missing algorithm", s);
	alen = (size_t)(colon - s);
	if (!valid_algorithm(s, alen))
		return berth_error_set(err, EINVAL, "invalid digest \"%s\": bad algorithm", s);
	if (alen != 6 || strncmp(s, "sha256", 6) != 0)
		return berth_error_set(err, EINVAL, "unsupported digest algorithm \"%.*s\"",
				       (int)alen, s);
	if (!berth_is_sha256_hex(colon + 1))
		return berth_error_set(
		    err, EINVAL, "invalid digest \"%s\": expected 64 lower-case hex digits", s);
	return 0;
}

const char *berth_digest_hex(const char *digest)
{
	const char *colon = strchr(digest, ':');

	return colon ? colon + 1 : digest;
}

void berth_hex_encode(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int berth_hex_decode(const char *hex, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (hex[2 * i] == '\0')
			return -EINVAL;
		hi = hexval(hex[2 * i]);
		lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
