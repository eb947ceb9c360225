/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "image/archive-tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/blobs.h"
#include "storage/decompress.h"
#include "util/cleanup.h"

/*
 * Entries carry mtime 0, root ownership and fixed modes, so saving the same
 * images twice gives the same bytes.
 */

static int fail(struct archive *a, const char *name, struct berth_error **err)
{
	return berth_error_set(err, EIO, "write archive entry \"%s\": %s", name,
			       archive_error_string(a));
}

int tarw_open(int fd, struct archive **out, struct berth_error **err)
{
	struct archive *a = archive_write_new();

	if (a == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		berth_error_set(err, EIO, "write archive: %s", archive_error_string(a));
		archive_write_free(a);
		return -EIO;
	}
	*out = a;
	return 0;
}

int tarw_close(struct archive *a, bool ok, struct berth_error **err)
{
	int ret = 0;

	if (a == NULL)
		return 0;
	if (ok && archive_write_close(a) != ARCHIVE_OK)
		ret = berth_error_set(err, EIO, "write archive: %s", archive_error_string(a));
	archive_write_free(a);
	return ret;
}

static int header(struct archive *a, const char *name, mode_t type, int64_t size,
		  struct berth_error **err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (e == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : fail(a, name, err);
}

int tarw_dir(struct archive *a, const char *name, struct berth_error **err)
{
	return header(a, name, AE_IFDIR, 0, err);
}

static int data(struct archive *a, const char *name, const void *buf, size_t len,
		struct berth_error **err)
{
	if (len > 0 && archive_write_data(a, buf, len) != (la_ssize_t)len)
		return fail(a, name, err);
	return 0;
}

int tarw_buf(struct archive *a, const char *name, const void *buf, size_t len,
	     struct berth_error **err)
{
	if (header(a, name, AE_IFREG, (int64_t)len, err) < 0)
		return -EIO;
	return data(a, name, buf, len, err);
}

int tarw_blob(struct berth_store *s, struct archive *a, const char *name, const char *digest,
	      struct berth_error **err)
{
	static char buf[1 << 16];
	cleanup_close int fd = -1;
	int64_t size = 0, done = 0;
	ssize_t n = 0;

	if (berth_blob_size(s, digest, &size, err) < 0 ||
	    (fd = berth_blob_open(s, digest, err)) < 0 || header(a, name, AE_IFREG, size, err) < 0)
		return -(*err)->code;
	while (done < size && (n = read(fd, buf, sizeof(buf))) > 0) {
		if (data(a, name, buf, (size_t)n, err) < 0)
			return -EIO;
		done += n;
	}
	if (n < 0 || done != size)
		return berth_error_set(err, EIO, "blob %s: changed while read", digest);
	return 0;
}

/* One pass over a layer: its DiffID and uncompressed size, streaming to @a when not NULL. */
static int pass(struct berth_store *s, struct archive *a, const struct berth_image_layer *l,
		const char *name, uint64_t *total, struct berth_error **err)
{
	static char buf[1 << 16];
	struct berth_layer_reader *r = NULL;
	cleanup_close int fd = berth_blob_open(s, l->digest, err);
	char diffid[BERTH_DIGEST_BUF];
	ssize_t n = 0;
	int ret;

	if (fd < 0)
		return fd;
	ret = berth_layer_reader_open(fd, l->media_type, l->digest, 0, &r, err);
	while (ret == 0 && (n = berth_layer_reader_read(r, buf, sizeof(buf), err)) > 0)
		if (a != NULL)
			ret = data(a, name, buf, (size_t)n, err);
	if (ret == 0 && n < 0)
		ret = (int)n;
	if (ret == 0)
		ret = berth_layer_reader_finish(r, diffid, NULL, err);
	if (ret == 0) {
		*total = berth_layer_reader_total(r);
		if (strcmp(diffid, l->diff_id) != 0)
			ret = berth_error_set(err, EIO, "layer %s: content is not diff ID %s",
					      l->digest, l->diff_id);
	}
	berth_layer_reader_free(r);
	return ret;
}

int tarw_layer(struct berth_store *s, struct archive *a, const char *name,
	       const struct berth_image_layer *l, struct berth_error **err)
{
	uint64_t size = 0, again = 0;

	/* A tar header needs the size first: measure, then stream (no temp copy). */
	if (pass(s, NULL, l, name, &size, err) < 0 ||
	    header(a, name, AE_IFREG, (int64_t)size, err) < 0 ||
	    pass(s, a, l, name, &again, err) < 0)
		return -(*err)->code;
	return 0;
}
