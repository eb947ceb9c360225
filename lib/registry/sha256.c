/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int reg_sha256_init(struct reg_sha256 *h, struct berth_error **err)
{
	return berth_sha256_init(&h->h, err);
}

void reg_sha256_update(struct reg_sha256 *h, const void *buf, size_t len)
{
	/* EVP's update only fails on a broken context, which init rules out. */
	berth_sha256_update(&h->h, buf, len, NULL);
}

void reg_sha256_final(struct reg_sha256 *h, char *out)
{
	char d[BERTH_DIGEST_BUF] = "";

	berth_sha256_final(&h->h, d, NULL);
	memcpy(out, d, REG_DIGEST_LEN + 1);
}

void reg_sha256_release(struct reg_sha256 *h)
{
	berth_sha256_release(&h->h);
}

int reg_sha256_digest(const void *buf, size_t len, char *out, struct berth_error **err)
{
	char d[BERTH_DIGEST_BUF] = "";

	if (berth_sha256_buf(buf, len, d, err) < 0)
		return berth_error_ret(err);
	memcpy(out, d, REG_DIGEST_LEN + 1);
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
