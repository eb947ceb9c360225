/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_REGISTRY_SHA256_H
#define BERTH_REGISTRY_SHA256_H

#include <stdbool.h>
#include <stddef.h>

#include "util/digest.h"
#include "util/error.h"

/*
 * The registry client's view of lib/util/digest.h: hashing that cannot fail
 * once started (the calls sit in libcurl write callbacks), and digest checks
 * whose messages name what the registry sent.
 */

#define REG_DIGEST_LEN (7 + 64) /* "sha256:" + hex */

struct reg_sha256 {
	struct berth_sha256 h;
};

int reg_sha256_init(struct reg_sha256 *h, struct berth_error **err);
void reg_sha256_update(struct reg_sha256 *h, const void *buf, size_t len);
/* Finish into "sha256:<hex>" (@out has REG_DIGEST_LEN + 1 bytes); frees the context. */
void reg_sha256_final(struct reg_sha256 *h, char *out);
void reg_sha256_release(struct reg_sha256 *h);

/* "sha256:<hex>" of @buf into @out (REG_DIGEST_LEN + 1 bytes). */
int reg_sha256_digest(const void *buf, size_t len, char *out, struct berth_error **err);

/* Whether @s is "sha256:" and 64 lower-case hex digits. */
bool reg_digest_valid(const char *s);

/* EINVAL naming @s unless it is a sha256 digest; other algorithms are refused by name. */
int reg_digest_check(const char *s, struct berth_error **err);

#endif
