/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_SHA256_H
#define BERTH_UTIL_SHA256_H

/*
 * A small SHA-256 (FIPS 180-4).  berth-runc and berth-monitor use it for the
 * seccomp program cache, and util/digest.h for small in-memory digests (image
 * configs, manifests): loading libcrypto would cost more than the hashing
 * itself.  Big blobs go through OpenSSL (util/digest.h).  Blocks go through
 * the x86 SHA extensions when the CPU has them (util/sha256-x86.c: 10 KB in
 * ~8 us here, against ~40 us for the portable code); BERTH_SHA256_PORTABLE
 * in the environment, read at a process's first hash, forces the portable
 * code (its test uses it).
 */

#include <stddef.h>
#include <stdint.h>

struct berth_sha256_lite {
	uint32_t h[8];
	uint64_t len; /* bytes fed so far */
	unsigned char buf[64];
	size_t used;
};

void berth_sha256_lite_init(struct berth_sha256_lite *c);
void berth_sha256_lite_update(struct berth_sha256_lite *c, const void *data, size_t len);
void berth_sha256_lite_final(struct berth_sha256_lite *c, unsigned char out[32]);

/* One shot, as 64 lower-case hex digits and a NUL. */
void berth_sha256_lite_hex(const void *data, size_t len, char out[65]);

#endif
