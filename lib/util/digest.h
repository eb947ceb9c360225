/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_DIGEST_H
#define BERTH_UTIL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/*
 * Content digests.  berth addresses content by SHA-256 only, written as
 * "sha256:" followed by 64 lower-case hex digits (the OCI image spec's
 * registered form).  Other algorithms are refused by name, so a manifest
 * that uses sha512 fails with a message that says so rather than "invalid".
 *
 * Streams and big buffers go through OpenSSL's EVP interface, which uses the
 * CPU's SHA extensions (SHA-NI, ARMv8 SHA2) where present; libcrypto is
 * loaded on first use (util/crypto-dl.h).  Small buffers (berth_sha256_buf)
 * use the portable util/sha256.h, so a `run` never loads OpenSSL.
 */

#define BERTH_SHA256_HEX_LEN 64
#define BERTH_DIGEST_PREFIX "sha256:"
/* strlen("sha256:") + 64 */
#define BERTH_DIGEST_LEN 71
/* A buffer that holds a digest string and its NUL. */
#define BERTH_DIGEST_BUF 72

/* A streaming SHA-256: init, update any number of times, final once. */
struct berth_sha256 {
	void *ctx; /* EVP_MD_CTX, owned */
};

/* Start hashing; on failure @h needs no release. */
int berth_sha256_init(struct berth_sha256 *h, struct berth_error **err);
/* Feed @len bytes. */
int berth_sha256_update(struct berth_sha256 *h, const void *buf, size_t len,
			struct berth_error **err);
/*
 * Finish and write "sha256:<hex>" to @out.  The context is released either
 * way; @h may be re-initialised afterwards.
 */
int berth_sha256_final(struct berth_sha256 *h, char out[BERTH_DIGEST_BUF],
		       struct berth_error **err);
/* Release a context without finishing it (NULL-safe on a released one). */
void berth_sha256_release(struct berth_sha256 *h);

/* One-shot digest of a buffer. */
int berth_sha256_buf(const void *buf, size_t len, char out[BERTH_DIGEST_BUF],
		     struct berth_error **err);

/*
 * Check that @s is "sha256:" + 64 lower-case hex digits.  Errors (EINVAL):
 * `unsupported digest algorithm "sha512"`, `invalid digest "…": …`.
 */
int berth_digest_check(const char *s, struct berth_error **err);

/* The hex part of a checked digest (the text after "sha256:"). */
const char *berth_digest_hex(const char *digest);

/* True when @s is exactly 64 lower-case hex digits. */
bool berth_is_sha256_hex(const char *s);

/* Lower-case hex of @n bytes into @out (2n+1 bytes, NUL-terminated). */
void berth_hex_encode(const unsigned char *in, size_t n, char *out);

/*
 * Decode 2n hex digits (either case) into @n bytes.  Returns 0, or -EINVAL
 * when @hex is shorter or holds a non-hex character.
 */
int berth_hex_decode(const char *hex, unsigned char *out, size_t n);

#include "util/sink.h"

#endif
