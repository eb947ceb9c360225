/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_BLOBS_H
#define BERTH_IMAGE_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/store.h"
#include "util/digest.h"
#include "util/error.h"

/*
 * Content-addressed blobs under blobs/sha256/<hex>.  A blob is hashed while
 * it is written and becomes visible only after its digest and size were
 * checked, under its final name, by rename: a reader never sees a partial or
 * unverified blob.
 */

struct berth_blob_writer;

/*
 * Start writing a blob.  @expected_digest (checked; NULL when unknown, e.g.
 * an import) and @expected_size (-1 when unknown) are verified as bytes
 * arrive: a write past the expected size fails at once.  The writer holds a
 * store lease (see berth_store_lease()) until commit or abort.
 */
int berth_blob_writer_open(struct berth_store *s, const char *expected_digest,
			   int64_t expected_size, struct berth_blob_writer **out,
			   struct berth_error **err);

/* Append @len bytes.  After a failure the writer only accepts abort. */
int berth_blob_writer_write(struct berth_blob_writer *w, const void *buf, size_t len,
			    struct berth_error **err);

/*
 * Verify, fsync, rename into place, fsync the directory; frees @w whatever
 * happens.  @digest_out (may be NULL) receives the digest.  On a mismatch
 * (EINVAL) nothing becomes visible: `blob sha256:<want>: digest mismatch (got
 * sha256:<got>)`, `blob sha256:<want>: size mismatch (got N bytes, expected M)`.
 */
int berth_blob_writer_commit(struct berth_blob_writer *w, char digest_out[BERTH_DIGEST_BUF],
			     struct berth_error **err);

/* Drop a writer and its temp file (NULL-safe). */
void berth_blob_writer_abort(struct berth_blob_writer *w);

/* The writer as a sink (lib/registry downloads into it).  @w stays the caller's. */
struct berth_sink berth_blob_sink(struct berth_blob_writer *w);

/* Store @len bytes as a blob in one call (manifests, configs). */
int berth_blob_put(struct berth_store *s, const void *buf, size_t len, const char *expected_digest,
		   char digest_out[BERTH_DIGEST_BUF], struct berth_error **err);

/* Open a blob read-only; returns the fd (the caller closes) or -ENOENT `blob sha256:…: not found`.
 */
int berth_blob_open(struct berth_store *s, const char *digest, struct berth_error **err);

/* True when the blob is present (false for an invalid digest). */
bool berth_blob_exists(struct berth_store *s, const char *digest);

/* Size of a blob in bytes. */
int berth_blob_size(struct berth_store *s, const char *digest, int64_t *size,
		    struct berth_error **err);

/*
 * Read a whole blob of at most @max bytes (EFBIG otherwise) and check its
 * digest on the way (EIO when the file does not match its name, which only
 * outside tampering can cause).  NUL-terminated; the caller frees *out.
 */
int berth_blob_read(struct berth_store *s, const char *digest, size_t max, char **out, size_t *len,
		    struct berth_error **err);

/* Remove a blob (ENOENT when absent); the directory is fsynced. */
int berth_blob_remove(struct berth_store *s, const char *digest, struct berth_error **err);

#endif
