/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The extraction loop: decompressed stream -> libarchive (format parsing only)
 * -> entries created by extract-entry.c / whiteout.c under the target fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/extract-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define READ_CHUNK (256 * 1024)

int extract_clean_name(const char *layer, const char *what, const char *name, char **out,
		       struct berth_error **err)
{
	cleanup_free char *copy = strdup(name);
	cleanup_free char *res = calloc(1, strlen(name) + 1);
	char *save = NULL, *comp;
	size_t len = 0;

	if (copy == NULL || res == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (name[0] == '/')
		return berth_error_set(err, EPERM, "layer %s: %s'%s': absolute path refused", layer,
				       what, name);
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0)
			return berth_error_set(err, EPERM,
					       "layer %s: %s'%s': '..' component refused", layer,
					       what, name);
		if (len > 0)
			res[len++] = '/';
		memcpy(res + len, comp, strlen(comp));
		len += strlen(comp);
	}
	*out = steal_ptr(&res);
	return 0;
}

static int walk_error(struct extract *x, int dirfd, const char *comp, const char *entry,
		      struct berth_error **err)
{
	int saved = errno;
	struct stat st;

	if (saved != ENOTDIR && saved != ELOOP) {
		errno = saved;
		return berth_error_errno(err, "layer %s: entry '%s': open '%s'", x->layer, entry,
					 comp);
	}
	if (fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return berth_error_set(
		    err, ELOOP,
		    "layer %s: entry '%s': component '%s' is a symlink; refusing "
		    "to write through it",
		    x->layer, entry, comp);
	return berth_error_set(err, ENOTDIR,
			       "layer %s: entry '%s': component '%s' is not a directory", x->layer,
			       entry, comp);
}

static int implicit_dir(struct extract *x, int fd, const char *comp, const char *path, size_t off,
			const char *entry, struct berth_error **err)
{
	cleanup_free char *sub = strndup(path, off + strlen(comp));

	if (mkdirat(fd, comp, 0755) < 0)
		return errno == EEXIST ? 0
				       : berth_error_errno(err, "layer %s: entry '%s': mkdir '%s'",
							   x->layer, entry, comp);
	if (sub == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return extract_implicit_dir(x, fd, comp, sub, err);
}

int extract_walk(struct extract *x, const char *path, bool create, const char *entry,
		 struct berth_error **err)
{
	cleanup_free char *copy = strdup(path);
	cleanup_close int fd = -1;
	char *save = NULL, *comp;
	int next;

	if (copy == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	fd = openat(x->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "layer %s: open target", x->layer);
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (implicit_dir(x, fd, comp, path, (size_t)(comp - copy), entry, err) < 0)
				return berth_error_ret(err);
			next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0)
			return walk_error(x, fd, comp, entry, err);
		close(fd);
		fd = next;
	}
	return steal_fd(&fd);
}

int extract_parent(struct extract *x, const char *path, const char **base, struct berth_error **err)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = strndup(path, slash ? (size_t)(slash - path) : 0);
	int fd;

	if (dir == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	*base = slash ? slash + 1 : path;
	if (x->parent_path != NULL && strcmp(x->parent_path, dir) == 0)
		return x->parent_fd;
	fd = extract_walk(x, dir, true, path, err);
	if (fd < 0)
		return fd;
	if (x->parent_fd >= 0)
		close(x->parent_fd);
	free(x->parent_path);
	x->parent_fd = fd;
	x->parent_path = steal_ptr(&dir);
	return fd;
}

void extract_forget_parent(struct extract *x)
{
	free(x->parent_path);
	x->parent_path = NULL;
}

int extract_seen(struct extract *x, const char *path, struct berth_error **err)
{
	char **grown;

	if (x->opts->whiteouts != BERTH_WHITEOUT_DELETE)
		return 0;
	if (x->nseen == x->seen_cap) {
		x->seen_cap = x->seen_cap ? 2 * x->seen_cap : 64;
		grown = realloc(x->seen, x->seen_cap * sizeof(*grown));
		if (grown == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		x->seen = grown;
	}
	x->seen[x->nseen] = strdup(path);
	if (x->seen[x->nseen] == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	x->nseen++;
	return 0;
}

static la_ssize_t read_cb(struct archive *a, void *ctx, const void **buf)
{
	struct extract *x = ctx;
	ssize_t n;

	n = berth_layer_reader_read(x->reader, x->buf, READ_CHUNK, &x->read_err);
	if (n < 0) {
		archive_set_error(a, (int)-n, "%s", x->read_err->msg);
		return -1;
	}
	*buf = x->buf;
	return n;
}

int extract_archive_fail(struct extract *x, const char *what, struct berth_error **err)
{
	int code = archive_errno(x->ar) > 0 ? archive_errno(x->ar) : EPROTO;

	if (x->read_err != NULL) {
		*err = steal_ptr(&x->read_err);
		return berth_error_ret(err);
	}
	return berth_error_set(err, code, "layer %s: %s: %s", x->layer, what,
			       archive_error_string(x->ar) ? archive_error_string(x->ar)
							   : "invalid tar data");
}

static int one_entry(struct extract *x, struct archive_entry *e, struct berth_error **err)
{
	cleanup_free char *path = NULL;
	const char *name = archive_entry_pathname(e);
	const char *base;

	if (name == NULL)
		name = archive_entry_pathname_utf8(e);
	if (name == NULL)
		return berth_error_set(err, EPROTO, "layer %s: entry without a name", x->layer);
	if (extract_clean_name(x->layer, "entry ", name, &path, err) < 0)
		return berth_error_ret(err);
	if (path[0] == '\0')
		return 0; /* "./": the target itself; its attributes belong to the snapshot */
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (strncmp(base, ".wh.", 4) == 0)
		return extract_whiteout(x, path, err);
	if (extract_entry(x, path, e, err) < 0)
		return berth_error_ret(err);
	return extract_seen(x, path, err);
}

static int entries(struct extract *x, struct berth_error **err)
{
	struct archive_entry *e;
	int ret;

	for (;;) {
		ret = archive_read_next_header(x->ar, &e);
		if (ret == ARCHIVE_EOF)
			return 0;
		if (ret < ARCHIVE_WARN)
			return extract_archive_fail(x, "read tar header", err);
		if (one_entry(x, e, err) < 0)
			return berth_error_ret(err);
	}
}

/* Directory times last: creating entries inside a directory changes its mtime. */
static int apply_dir_times(struct extract *x, struct berth_error **err)
{
	for (size_t i = x->ndirs; i-- > 0;) {
		cleanup_close int pfd =
		    extract_walk(x, x->dirs[i].path, false, x->dirs[i].path, err);
		cleanup_close int fd = -1;

		if (pfd < 0) /* removed again by a later entry or whiteout */
			return pfd == -ENOENT ? (berth_error_clear(err), 0) : pfd;
		fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || futimens(fd, x->dirs[i].times) < 0)
			return berth_error_errno(err, "layer %s: times of '%s'", x->layer,
						 x->dirs[i].path);
	}
	return 0;
}

static void extract_release(struct extract *x)
{
	archive_read_free(x->ar);
	berth_layer_reader_free(x->reader);
	berth_error_free(x->read_err);
	free(x->buf);
	free(x->parent_path);
	if (x->parent_fd >= 0)
		close(x->parent_fd);
	for (size_t i = 0; i < x->ndirs; i++)
		free(x->dirs[i].path);
	free(x->dirs);
	for (size_t i = 0; i < x->nseen; i++)
		free(x->seen[i]);
	free(x->seen);
}

static int run(struct extract *x, char *diffid, struct berth_error **err)
{
	x->buf = malloc(READ_CHUNK);
	x->ar = archive_read_new();
	if (x->buf == NULL || x->ar == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	archive_read_support_format_tar(x->ar);
	archive_read_support_format_gnutar(x->ar);
	if (archive_read_open2(x->ar, x, NULL, read_cb, NULL, NULL) != ARCHIVE_OK)
		return extract_archive_fail(x, "open tar stream", err);
	if (entries(x, err) < 0 || apply_dir_times(x, err) < 0)
		return berth_error_ret(err);
	/* The DiffID covers the whole stream, including padding after the tar end. */
	return berth_layer_reader_finish(x->reader, diffid, NULL, err);
}

int berth_layer_extract(int dirfd, int blob_fd, const char *media_type, const char *name,
			const struct berth_extract_opts *opts, char *diffid,
			struct berth_error **err)
{
	struct extract x = { .root = dirfd, .opts = opts, .layer = name, .parent_fd = -1 };
	int ret;

	ret = berth_layer_reader_open(blob_fd, media_type, name, opts->max_total, &x.reader, err);
	if (ret == 0) {
		/* Only the DiffID is reported: hashing the compressed bytes again is wasted. */
		berth_layer_reader_no_blob_digest(x.reader);
		ret = run(&x, diffid, err);
	}
	extract_release(&x);
	return ret;
}

bool berth_storage_devices_allowed(void)
{
	cleanup_free char *map = NULL;
	struct berth_error *err = NULL;
	unsigned long inside, outside, count;
	bool init_ns;

	if (geteuid() != 0)
		return false;
	if (berth_read_file_at(AT_FDCWD, "/proc/self/uid_map", 4096, &map, NULL, &err) < 0) {
		berth_error_free(err);
		return false;
	}
	init_ns = sscanf(map, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 &&
		  outside == 0 && count == 4294967295UL;
	return init_ns;
}
