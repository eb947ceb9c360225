/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/blobs.h"
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct berth_blob_writer {
	struct berth_store *store;
	struct berth_sha256 hash;
	char expected[BERTH_DIGEST_BUF]; /* "" when unknown */
	int64_t expected_size;
	int64_t written;
	int fd;
	char *tmpname;
	bool failed;
};

void berth_blob_writer_abort(struct berth_blob_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0) {
		unlinkat(w->store->tmpfd, w->tmpname, 0);
		close(w->fd);
	}
	berth_sha256_release(&w->hash);
	berth_store_unlease(w->store);
	free(w->tmpname);
	free(w);
}

int berth_blob_writer_open(struct berth_store *s, const char *expected_digest,
			   int64_t expected_size, struct berth_blob_writer **out,
			   struct berth_error **err)
{
	struct berth_blob_writer *w;

	if (expected_digest != NULL && berth_digest_check(expected_digest, err) < 0)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (berth_store_lease(s, err) < 0) {
		free(w);
		return berth_error_ret(err);
	}
	w->store = s;
	w->expected_size = expected_size;
	snprintf(w->expected, sizeof(w->expected), "%s", expected_digest ? expected_digest : "");
	w->fd = store_tmp_create(s, "blob", &w->tmpname, err);
	if (w->fd < 0 || berth_sha256_init(&w->hash, err) < 0) {
		berth_blob_writer_abort(w);
		return berth_error_ret(err);
	}
	*out = w;
	return 0;
}

static const char *blob_name(const struct berth_blob_writer *w)
{
	return w->expected[0] ? w->expected : "(unknown digest)";
}

int berth_blob_writer_write(struct berth_blob_writer *w, const void *buf, size_t len,
			    struct berth_error **err)
{
	int ret;

	if (w->failed)
		return berth_error_set(err, EIO, "blob %s: writer failed earlier", blob_name(w));
	if (w->expected_size >= 0 && (int64_t)len > w->expected_size - w->written) {
		w->failed = true;
		return berth_error_set(err, EINVAL,
				       "blob %s: more data than the expected %lld bytes",
				       blob_name(w), (long long)w->expected_size);
	}
	ret = berth_write_all(w->fd, buf, len);
	if (ret < 0) {
		w->failed = true;
		errno = -ret;
		return berth_error_errno(err, "blob %s: write '%s/tmp/%s'", blob_name(w),
					 w->store->root, w->tmpname);
	}
	w->written += (int64_t)len;
	ret = berth_sha256_update(&w->hash, buf, len, err);
	if (ret < 0)
		w->failed = true;
	return ret;
}

static int sink_write(void *ctx, const void *buf, size_t len, struct berth_error **err)
{
	return berth_blob_writer_write(ctx, buf, len, err);
}

struct berth_sink berth_blob_sink(struct berth_blob_writer *w)
{
	return (struct berth_sink){ .write = sink_write, .ctx = w };
}

static int verify(struct berth_blob_writer *w, char got[BERTH_DIGEST_BUF], struct berth_error **err)
{
	if (w->failed)
		return berth_error_set(err, EIO, "blob %s: writer failed earlier", blob_name(w));
	if (berth_sha256_final(&w->hash, got, err) < 0)
		return -(*err)->code;
	if (w->expected_size >= 0 && w->written != w->expected_size)
		return berth_error_set(err, EINVAL,
				       "blob %s: size mismatch (got %lld bytes, expected %lld)",
				       w->expected[0] ? w->expected : got, (long long)w->written,
				       (long long)w->expected_size);
	if (w->expected[0] && strcmp(w->expected, got) != 0)
		return berth_error_set(err, EINVAL, "blob %s: digest mismatch (got %s)",
				       w->expected, got);
	return 0;
}

int berth_blob_writer_commit(struct berth_blob_writer *w, char digest_out[BERTH_DIGEST_BUF],
			     struct berth_error **err)
{
	char got[BERTH_DIGEST_BUF];
	int ret;

	ret = verify(w, got, err);
	if (ret == 0)
		ret = store_tmp_publish(w->store, w->fd, w->tmpname, w->store->blobsfd,
					berth_digest_hex(got), err);
	if (ret == 0) {
		close(w->fd);
		w->fd = -1;
		if (digest_out != NULL)
			memcpy(digest_out, got, BERTH_DIGEST_BUF);
	}
	berth_blob_writer_abort(w);
	return ret;
}

int berth_blob_put(struct berth_store *s, const void *buf, size_t len, const char *expected_digest,
		   char digest_out[BERTH_DIGEST_BUF], struct berth_error **err)
{
	struct berth_blob_writer *w = NULL;
	int ret;

	ret = berth_blob_writer_open(s, expected_digest, expected_digest ? (int64_t)len : -1, &w,
				     err);
	if (ret < 0)
		return ret;
	ret = berth_blob_writer_write(w, buf, len, err);
	if (ret < 0) {
		berth_blob_writer_abort(w);
		return ret;
	}
	return berth_blob_writer_commit(w, digest_out, err);
}

int berth_blob_open(struct berth_store *s, const char *digest, struct berth_error **err)
{
	int fd;

	if (berth_digest_check(digest, err) < 0)
		return -EINVAL;
	fd = openat(s->blobsfd, berth_digest_hex(digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return berth_error_set(err, ENOENT, "blob %s: not found", digest);
	if (fd < 0)
		return berth_error_errno(err, "blob %s: open", digest);
	return fd;
}

bool berth_blob_exists(struct berth_store *s, const char *digest)
{
	struct berth_error *err = NULL;
	struct stat st;

	if (berth_digest_check(digest, &err) < 0) {
		berth_error_free(err);
		return false;
	}
	return fstatat(s->blobsfd, berth_digest_hex(digest), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

int berth_blob_size(struct berth_store *s, const char *digest, int64_t *size,
		    struct berth_error **err)
{
	cleanup_close int fd = berth_blob_open(s, digest, err);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return berth_error_errno(err, "blob %s: stat", digest);
	*size = st.st_size;
	return 0;
}

int berth_blob_read(struct berth_store *s, const char *digest, size_t max, char **out, size_t *len,
		    struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	char got[BERTH_DIGEST_BUF];
	size_t n = 0;

	if (berth_digest_check(digest, err) < 0)
		return -EINVAL;
	if (!berth_blob_exists(s, digest))
		return berth_error_set(err, ENOENT, "blob %s: not found", digest);
	if (berth_read_file_at(s->blobsfd, berth_digest_hex(digest), max, &buf, &n, err) < 0)
		return berth_error_prefix(err, "blob %s", digest);
	if (berth_sha256_buf(buf, n, got, err) < 0)
		return -(*err)->code;
	if (strcmp(got, digest) != 0)
		return berth_error_set(err, EIO, "blob %s: content does not match (got %s)", digest,
				       got);
	*out = steal_ptr(&buf);
	*len = n;
	return 0;
}

int berth_blob_remove(struct berth_store *s, const char *digest, struct berth_error **err)
{
	if (berth_digest_check(digest, err) < 0)
		return -EINVAL;
	if (unlinkat(s->blobsfd, berth_digest_hex(digest), 0) < 0) {
		if (errno == ENOENT)
			return berth_error_set(err, ENOENT, "blob %s: not found", digest);
		return berth_error_errno(err, "blob %s: remove", digest);
	}
	fsync(s->blobsfd);
	return 0;
}
