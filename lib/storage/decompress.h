/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_STORAGE_DECOMPRESS_H
#define BERTH_STORAGE_DECOMPRESS_H

#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/*
 * A streaming reader over a committed layer blob: plain tar, tar+gzip or
 * tar+zstd, decompressed on the fly.  While reading it hashes the compressed
 * bytes (the blob digest) and the uncompressed stream (the DiffID) with
 * SHA-256, and refuses to produce more than @max_total uncompressed bytes, so
 * a decompression bomb stops at the cap instead of filling the disk.
 *
 * gzip is inflated with ISA-L's igzip (several times faster than zlib here,
 * see docs/storage.md); zlib is the fallback when igzip cannot start.
 */

enum berth_layer_compression {
	BERTH_LAYER_TAR,
	BERTH_LAYER_GZIP,
	BERTH_LAYER_ZSTD,
};

/*
 * Map an OCI or Docker layer media type to its compression; NULL or "" means
 * "sniff the magic bytes".  Unknown media types fail with EINVAL.
 */
int berth_storage_compression_of(const char *media_type, int *compression,
				 struct berth_error **err);

struct berth_layer_reader;

/*
 * Read from @fd (not taken over; the caller keeps it open until free) from its
 * current offset.  @name names the layer in every error message.
 * @max_total: cap on the uncompressed size (0 = BERTH_LAYER_DEFAULT_MAX).
 */
#define BERTH_LAYER_DEFAULT_MAX (64ULL << 30)
int berth_layer_reader_open(int fd, const char *media_type, const char *name, uint64_t max_total,
			    struct berth_layer_reader **out, struct berth_error **err);

/* Up to @len uncompressed bytes into @buf; 0 at the end of the stream. */
ssize_t berth_layer_reader_read(struct berth_layer_reader *r, void *buf, size_t len,
				struct berth_error **err);

/*
 * Read (and hash) whatever is left, check that the compressed stream ended
 * cleanly, and write "sha256:<hex>" digests of the uncompressed stream
 * (@diffid) and, when not NULL, of the compressed bytes (@blob_digest).
 * Both buffers hold at least 72 bytes.
 */
int berth_layer_reader_finish(struct berth_layer_reader *r, char *diffid, char *blob_digest,
			      struct berth_error **err);

/*
 * Do not hash the compressed bytes (the caller verified the blob already, as
 * the blob store does on commit): finish() then refuses a @blob_digest.
 */
void berth_layer_reader_no_blob_digest(struct berth_layer_reader *r);

/* Uncompressed bytes produced so far. */
uint64_t berth_layer_reader_total(const struct berth_layer_reader *r);

/* Name of the gzip backend in use ("igzip" or "zlib"), for tests and info. */
const char *berth_layer_reader_backend(const struct berth_layer_reader *r);

/* Use zlib instead of igzip for readers opened from now on (tests, fallback checks). */
void berth_layer_force_zlib(int on);

/* NULL-safe. */
void berth_layer_reader_free(struct berth_layer_reader *r);

#endif
