/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/tar-tree.h"
#include "image/archive-tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

#define MAX_DEPTH 256
#define BUF_SIZE (64 * 1024)

struct link {
	dev_t dev;
	ino_t ino;
	char *name;
};

struct walk {
	struct archive *a;
	const struct berth_tar_tree_opts *o;
	struct link *links; /* hard links seen (regular files with st_nlink > 1) */
	size_t n_links;
};

/* The image archives' tar writer (PAX, no padding of the last block) serves here too. */
int berth_tar_open(int fd, struct archive **out, struct berth_error **err)
{
	return tarw_open(fd, out, err);
}

int berth_tar_close(struct archive *a, bool ok, struct berth_error **err)
{
	return tarw_close(a, ok, err);
}

static int64_t owner(int64_t forced, int64_t id, int64_t add)
{
	int64_t v = (forced >= 0 ? forced : id) + add;

	return v >= 0 && v < UINT32_MAX ? v : 65534;
}

static bool whiteout_name(const char *name)
{
	const char *base = strrchr(name, '/');

	return strncmp(base ? base + 1 : name, ".wh.", 4) == 0;
}

static int header(struct walk *w, const char *name, const struct stat *st, const char *target,
		  const char *hardlink, struct berth_error **err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (e == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (w->o->skip_whiteout_names && whiteout_name(name)) {
		archive_entry_free(e);
		return berth_error_set(err, EINVAL,
				       "'%s': names starting with .wh. cannot be copied", name);
	}
	archive_entry_copy_stat(e, st);
	archive_entry_set_pathname(e, name);
	archive_entry_set_uid(e, owner(w->o->uid, st->st_uid, w->o->id_add));
	archive_entry_set_gid(e, owner(w->o->gid, st->st_gid, w->o->id_add));
	archive_entry_set_ino(e, 0);
	archive_entry_set_dev(e, 0);
	archive_entry_set_nlink(e, 1);
	if (target != NULL)
		archive_entry_set_symlink(e, target);
	if (hardlink != NULL) {
		archive_entry_set_hardlink(e, hardlink);
		archive_entry_set_size(e, 0);
	} else if (!S_ISREG(st->st_mode)) {
		archive_entry_set_size(e, 0);
	}
	r = archive_write_header(w->a, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN)
		return berth_error_set(err, EIO, "write tar entry '%s': %s", name,
				       archive_error_string(w->a));
	return 0;
}

/* Copy exactly st_size bytes (a file that shrinks is padded, one that grows cut). */
static int body(struct walk *w, int fd, const char *name, off_t size, struct berth_error **err)
{
	cleanup_free char *buf = malloc(BUF_SIZE);
	off_t left = size;

	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	while (left > 0) {
		size_t want = left < BUF_SIZE ? (size_t)left : BUF_SIZE;
		ssize_t n = read(fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_errno(err, "read '%s'", name);
		if (n == 0) {
			memset(buf, 0, want);
			n = (ssize_t)want;
		}
		if (archive_write_data(w->a, buf, (size_t)n) != n)
			return berth_error_set(err, EIO, "write tar data '%s': %s", name,
					       archive_error_string(w->a));
		left -= n;
	}
	return 0;
}

static const char *seen_link(struct walk *w, const struct stat *st, const char *name)
{
	struct link *l;

	if (st->st_nlink < 2)
		return NULL;
	for (size_t i = 0; i < w->n_links; i++)
		if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
			return w->links[i].name;
	l = realloc(w->links, (w->n_links + 1) * sizeof(*l));
	if (l == NULL)
		return NULL;
	w->links = l;
	l[w->n_links] = (struct link){ st->st_dev, st->st_ino, strdup(name) };
	if (l[w->n_links].name != NULL)
		w->n_links++;
	return NULL;
}

static int tree(struct walk *w, int dfd, const char *prefix, int depth, struct berth_error **err);

/* One entry @name of directory @dfd, archived as @path. */
static int entry(struct walk *w, int dfd, const char *name, const char *path, int depth,
		 struct berth_error **err)
{
	cleanup_close int fd = -1;
	struct stat st;
	const char *hl;
	char target[PATH_MAX];
	ssize_t n;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : berth_error_errno(err, "stat '%s'", path);
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return berth_error_errno(err, "readlink '%s'", path);
		target[n] = '\0';
		return header(w, path, &st, target, NULL, err);
	}
	if (S_ISDIR(st.st_mode)) {
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return berth_error_errno(err, "open '%s'", path);
		if (fstat(fd, &st) < 0 || header(w, path, &st, NULL, NULL, err) < 0)
			return *err ? berth_error_ret(err)
				    : berth_error_errno(err, "stat '%s'", path);
		return tree(w, fd, path, depth + 1, err);
	}
	if (!S_ISREG(st.st_mode))
		return header(w, path, &st, NULL, NULL, err);
	/* O_NONBLOCK: a file swapped for a fifo meanwhile must not hang us */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return berth_error_errno(err, "open '%s'", path);
	if (!S_ISREG(st.st_mode))
		return berth_error_set(err, EAGAIN, "'%s' changed while being copied", path);
	hl = seen_link(w, &st, path);
	if (header(w, path, &st, NULL, hl, err) < 0)
		return berth_error_ret(err);
	return hl ? 0 : body(w, fd, path, st.st_size, err);
}

static int tree(struct walk *w, int dfd, const char *prefix, int depth, struct berth_error **err)
{
	DIR *d;
	struct dirent *de;
	int dup_fd, ret = 0;

	if (depth > MAX_DEPTH)
		return berth_error_set(err, ELOOP, "'%s': directories nested too deep", prefix);
	dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0 || (d = fdopendir(dup_fd)) == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return berth_error_errno(err, "open directory '%s'", prefix);
	}
	while (ret == 0 && (errno = 0, de = readdir(d)) != NULL) {
		cleanup_free char *path = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&path, "%s%s%s", prefix, prefix[0] ? "/" : "", de->d_name) < 0) {
			path = NULL;
			ret = berth_error_set(err, ENOMEM, "out of memory");
			break;
		}
		ret = entry(w, dfd, de->d_name, path, depth, err);
	}
	if (ret == 0 && errno != 0)
		ret = berth_error_errno(err, "read directory '%s'", prefix);
	closedir(d);
	return ret;
}

/* Reopen an O_PATH fd for reading: the same inode, no path walked again. */
static int reopen(int fd, int flags)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return open(p, flags | O_CLOEXEC);
}

int berth_tar_tree(struct archive *a, int fd, const struct berth_tar_tree_opts *o,
		   struct berth_error **err)
{
	struct walk w = { .a = a, .o = o };
	cleanup_close int rfd = -1;
	bool contents = o->arcname[0] == '\0' || strcmp(o->arcname, ".") == 0;
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int ret;

	if (fstat(fd, &st) < 0)
		return berth_error_errno(err, "stat '%s'", o->arcname);
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlinkat(fd, "", target, sizeof(target) - 1)) < 0)
			return berth_error_errno(err, "readlink '%s'", o->arcname);
		target[n] = '\0';
		return header(&w, o->arcname, &st, target, NULL, err);
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return header(&w, o->arcname, &st, NULL, NULL, err);
	rfd = reopen(fd, S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK);
	if (rfd < 0)
		return berth_error_errno(err, "open '%s'", o->arcname);
	if (S_ISREG(st.st_mode))
		return header(&w, o->arcname, &st, NULL, NULL, err) < 0
			   ? berth_error_ret(err)
			   : body(&w, rfd, o->arcname, st.st_size, err);
	if (!contents && header(&w, o->arcname, &st, NULL, NULL, err) < 0)
		return berth_error_ret(err);
	ret = tree(&w, rfd, contents ? "" : o->arcname, 0, err);
	for (size_t i = 0; i < w.n_links; i++)
		free(w.links[i].name);
	free(w.links);
	return ret;
}

static int copy_data(struct archive *in, struct archive *out, const char *name,
		     struct berth_error **err)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK)
		if (archive_write_data(out, buf, len) != (la_ssize_t)len)
			return berth_error_set(err, EIO, "write tar data '%s': %s", name,
					       archive_error_string(out));
	if (r != ARCHIVE_EOF)
		return berth_error_set(err, EIO, "read tar '%s': %s", name,
				       archive_error_string(in));
	return 0;
}

static int rewrite_entries(struct archive *in, struct archive *out,
			   const struct berth_tar_tree_opts *o, struct berth_error **err)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (name == NULL)
			return berth_error_set(err, EINVAL, "tar entry without a name");
		if (o->skip_whiteout_names && whiteout_name(name))
			return berth_error_set(
			    err, EINVAL, "'%s': names starting with .wh. cannot be copied", name);
		archive_entry_set_uid(e, owner(o->uid, archive_entry_uid(e), o->id_add));
		archive_entry_set_gid(e, owner(o->gid, archive_entry_gid(e), o->id_add));
		if (archive_write_header(out, e) < ARCHIVE_WARN)
			return berth_error_set(err, EIO, "write tar entry '%s': %s", name,
					       archive_error_string(out));
		if (archive_entry_size(e) > 0 && copy_data(in, out, name, err) < 0)
			return berth_error_ret(err);
	}
	if (r != ARCHIVE_EOF)
		return berth_error_set(err, EINVAL, "read tar: %s", archive_error_string(in));
	return 0;
}

int berth_tar_rewrite(int in, struct archive *out, const struct berth_tar_tree_opts *o,
		      struct berth_error **err)
{
	struct archive *a = archive_read_new();
	int ret;

	if (a == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_fd(a, in, BUF_SIZE) != ARCHIVE_OK) {
		ret = berth_error_set(err, EINVAL, "read tar: %s", archive_error_string(a));
		archive_read_free(a);
		return ret;
	}
	ret = rewrite_entries(a, out, o, err);
	archive_read_free(a);
	return ret;
}
