/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "image/archive-stage.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/store-internal.h"
#include "storage/decompress.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Staging an untrusted archive: see archive-stage.h. */

/*
 * Normalise an entry name: drop "./" and empty components, refuse absolute
 * names and "..", which have no business in an image archive (a hostile one
 * uses them to reach outside the directory it is unpacked into).
 */
static int clean_name(const char *raw, char **out, struct berth_error **err)
{
	cleanup_free char *res = NULL;
	size_t len = 0;

	if (raw == NULL || *raw == '\0' || strlen(raw) > STAGE_MAX_NAME)
		return berth_error_set(err, EINVAL, "archive entry with an empty or too long name");
	if (raw[0] == '/')
		return berth_error_set(err, EINVAL, "archive entry \"%s\": absolute name", raw);
	res = calloc(1, strlen(raw) + 1);
	if (res == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (const char *c = raw; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.')
			return berth_error_set(err, EINVAL, "archive entry \"%s\": \"..\" in name",
					       raw);
		if (n > 0 && !(n == 1 && c[0] == '.')) {
			if (len > 0)
				res[len++] = '/';
			memcpy(res + len, c, n);
			len += n;
		}
		c += n + (c[n] == '/');
	}
	*out = steal_ptr(&res);
	return 0;
}

/*
 * A link target, resolved lexically inside the archive: ".." pops a
 * component (docker-archives link layer.tar to "../<id>.tar"), and one that
 * would climb above the archive root is refused.  Nothing is ever looked up
 * on disk, so a link cannot reach outside the archive.
 */
static int resolve_link(const char *path, char **out, struct berth_error **err)
{
	cleanup_free char *res = calloc(1, strlen(path) + 1);
	size_t len = 0;

	if (res == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (const char *c = path; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (len == 0)
				return berth_error_set(err, EINVAL,
						       "link target \"%s\" leaves the "
						       "archive",
						       path);
			while (len > 0 && res[len - 1] != '/')
				len--;
			len -= len > 0;
		} else if (n > 0 && !(n == 1 && c[0] == '.')) {
			if (len > 0)
				res[len++] = '/';
			memcpy(res + len, c, n);
			len += n;
		}
		res[len] = '\0';
		c += n + (c[n] == '/');
	}
	*out = steal_ptr(&res);
	return 0;
}

/* Hard links name archive paths, symlinks are relative to the entry's directory. */
static int link_target(const char *name, const char *target, bool hard, char **out,
		       struct berth_error **err)
{
	cleanup_free char *joined = NULL;
	const char *slash = strrchr(name, '/');

	if (target[0] == '/' || strlen(target) > STAGE_MAX_NAME)
		return berth_error_set(err, EINVAL, "link target \"%s\": absolute or too long",
				       target);
	if (hard || slash == NULL)
		return resolve_link(target, out, err);
	if (asprintf(&joined, "%.*s/%s", (int)(slash - name), name, target) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return resolve_link(joined, out, err);
}

static bool known(const struct stage *st, const char *name)
{
	for (size_t i = 0; i < st->n_files; i++)
		if (strcmp(st->files[i].name, name) == 0)
			return true;
	for (size_t i = 0; i < st->n_links; i++)
		if (strcmp(st->links[i].name, name) == 0)
			return true;
	return false;
}

static int add_link(struct stage *st, char *name, struct archive_entry *e, struct berth_error **err)
{
	const char *hard = archive_entry_hardlink(e);
	const char *sym = archive_entry_symlink(e);
	struct stage_link *v;
	char *target = NULL;

	if (link_target(name, hard ? hard : sym ? sym : "", hard != NULL, &target, err) < 0)
		return berth_error_prefix(err, "link \"%s\"", name);
	v = realloc(st->links, (st->n_links + 1) * sizeof(*v));
	if (v == NULL) {
		free(target);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	st->links = v;
	v[st->n_links++] = (struct stage_link){ .name = name, .target = target };
	return 0;
}

/* Copy the entry's data to an unlinked temp file, hashing it. */
static int copy_data(struct archive *a, int fd, struct stage_file *f, uint64_t *total,
		     struct berth_error **err)
{
	static char buf[1 << 16];
	struct berth_sha256 h;
	ssize_t n;
	int ret = berth_sha256_init(&h, err);

	while (ret == 0 && (n = archive_read_data(a, buf, sizeof(buf))) != 0) {
		if (n < 0)
			ret = berth_error_set(err, EINVAL, "read archive entry \"%s\": %s", f->name,
					      archive_error_string(a));
		else if ((*total += (uint64_t)n) > BERTH_LAYER_DEFAULT_MAX)
			ret = berth_error_set(err, EFBIG, "archive larger than %llu bytes",
					      (unsigned long long)BERTH_LAYER_DEFAULT_MAX);
		else if (berth_write_all(fd, buf, (size_t)n) < 0)
			ret = berth_error_errno(err, "write staged \"%s\"", f->name);
		else if ((ret = berth_sha256_update(&h, buf, (size_t)n, err)) == 0)
			f->size += n;
	}
	if (ret == 0)
		return berth_sha256_final(&h, f->digest, err);
	berth_sha256_release(&h);
	return ret;
}

static int add_file(struct berth_store *s, struct archive *a, struct stage *st, char *name,
		    uint64_t *total, struct berth_error **err)
{
	cleanup_free char *tmp = NULL;
	struct stage_file *v, *f;
	int fd, ret;

	if (st->n_files >= STAGE_MAX_FILES) {
		free(name);
		return berth_error_set(err, EFBIG, "archive has more than %d files",
				       STAGE_MAX_FILES);
	}
	v = realloc(st->files, (st->n_files + 1) * sizeof(*v));
	if (v == NULL) {
		free(name);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	st->files = v;
	f = &v[st->n_files++];
	*f = (struct stage_file){ .name = name, .fd = -1 };
	fd = store_tmp_create(s, "load", &tmp, err);
	if (fd < 0)
		return fd;
	f->fd = fd;
	unlinkat(s->tmpfd, tmp, 0);
	ret = copy_data(a, fd, f, total, err);
	return ret;
}

static int stage_entry(struct berth_store *s, struct archive *a, struct archive_entry *e,
		       struct stage *st, uint64_t *total, struct berth_error **err)
{
	mode_t type = archive_entry_filetype(e);
	bool link = archive_entry_hardlink(e) != NULL || type == AE_IFLNK;
	char *name = NULL;

	if (clean_name(archive_entry_pathname(e), &name, err) < 0)
		return -EINVAL;
	if (type == AE_IFDIR && !link) {
		free(name);
		return 0;
	}
	if (*name == '\0' || known(st, name)) {
		berth_error_set(err, EINVAL, "archive entry \"%s\": duplicate or empty name", name);
		free(name);
		return -EINVAL;
	}
	if (link)
		return add_link(st, name, e, err) < 0 ? (free(name), -(*err)->code) : 0;
	if (type != AE_IFREG) {
		berth_error_set(err, EINVAL, "archive entry \"%s\": not a file or directory", name);
		free(name);
		return -EINVAL;
	}
	return add_file(s, a, st, name, total, err);
}

int stage_read(struct berth_store *s, int fd, struct stage *st, struct berth_error **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e = NULL;
	uint64_t total = 0;
	int ret = 0, r;

	if (a == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK)
		ret = berth_error_set(err, EINVAL, "read archive: %s", archive_error_string(a));
	while (ret == 0 && (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			ret = berth_error_set(err, EINVAL, "read archive: %s",
					      archive_error_string(a));
		else
			ret = stage_entry(s, a, e, st, &total, err);
	}
	archive_read_free(a);
	return ret;
}

const struct stage_file *stage_find(const struct stage *st, const char *name)
{
	for (int depth = 0; depth < 16 && name != NULL; depth++) {
		const char *next = NULL;

		for (size_t i = 0; i < st->n_files; i++)
			if (strcmp(st->files[i].name, name) == 0)
				return &st->files[i];
		for (size_t i = 0; i < st->n_links && next == NULL; i++)
			if (strcmp(st->links[i].name, name) == 0)
				next = st->links[i].target;
		name = next;
	}
	return NULL;
}

int stage_slurp(const struct stage *st, const char *name, size_t max, char **out, size_t *len,
		struct berth_error **err)
{
	const struct stage_file *f = stage_find(st, name);
	cleanup_free char *buf = NULL;
	ssize_t n;

	if (f == NULL)
		return berth_error_set(err, ENOENT, "archive has no \"%s\"", name);
	if ((uint64_t)f->size > max)
		return berth_error_set(err, EFBIG, "\"%s\" in the archive is larger than %zu bytes",
				       name, max);
	buf = malloc((size_t)f->size + 1);
	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	n = pread(f->fd, buf, (size_t)f->size, 0);
	if (n != f->size)
		return berth_error_errno(err, "read staged \"%s\"", name);
	buf[n] = '\0';
	*len = (size_t)n;
	*out = steal_ptr(&buf);
	return 0;
}

void stage_release(struct stage *st)
{
	for (size_t i = 0; i < st->n_files; i++) {
		free(st->files[i].name);
		berth_closep(&st->files[i].fd);
	}
	for (size_t i = 0; i < st->n_links; i++) {
		free(st->links[i].name);
		free(st->links[i].target);
	}
	free(st->files);
	free(st->links);
	*st = (struct stage){ 0 };
}
