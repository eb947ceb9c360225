/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/sha256.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int reg_sha256_init(struct reg_sha256 *h, struct berth_error **err)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return berth_error_set(err, ENOMEM, "sha256: cannot initialise OpenSSL digest");
	}
	h->ctx = c;
	return 0;
}

void reg_sha256_update(struct reg_sha256 *h, const void *buf, size_t len)
{
	EVP_DigestUpdate(h->ctx, buf, len);
}

void reg_sha256_final(struct reg_sha256 *h, char *out)
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_DigestFinal_ex(h->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	reg_sha256_release(h);
}

void reg_sha256_release(struct reg_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int reg_sha256_digest(const void *buf, size_t len, char *out, struct berth_error **err)
{
	struct reg_sha256 h;

	if (reg_sha256_init(&h, err) < 0)
		return berth_error_ret(err);
	reg_sha256_update(&h, buf, len);
	reg_sha256_final(&h, out);
	return 0;
}

bool reg_digest_valid(const char *s)
{
	return strncmp(s, "sha256:", 7) == 0 && strlen(s) == REG_DIGEST_LEN &&
	       strspn(s + 7, "0123456789abcdef") == 64;
}

int reg_digest_check(const char *s, struct berth_error **err)
{
	const char *colon = strchr(s, ':');

	if (reg_digest_valid(s))
		return 0;
	if (colon != NULL && strncmp(s, "sha256:", 7) != 0)
		return berth_error_set(err, EINVAL,
				       "digest '%.80s': algorithm '%.*s' not supported "
				       "(only sha256)",
				       s, (int)(colon - s) > 20 ? 20 : (int)(colon - s), s);
	return berth_error_set(err, EINVAL, "digest '%.80s': expected sha256:<64 hex digits>", s);
}
