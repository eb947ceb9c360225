/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vfs driver's copy: every snapshot holds the full tree, so a layer on a
 * parent starts as a copy of the parent's fs/.  Hardlinks stay hardlinks,
 * xattrs (file capabilities included), owners, modes and times are kept, and
 * data goes through copy_file_range (reflinks where the filesystem has them).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "storage/snapshot-internal.h"
#include "util/cleanup.h"

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *path; /* of the first copy, relative to the destination root */
};

struct copy {
	struct link_seen *links;
	size_t nlinks, cap;
	int dst_root;
	char path[4096]; /* the directory being copied, relative to the roots */
	size_t plen;
};

static int copy_xattrs(int src, int dst, const char *name, struct berth_error **err)
{
	char list[8192], value[65536];
	ssize_t len, vlen;

	len = flistxattr(src, list, sizeof(list));
	if (len < 0)
		return errno == ENOTSUP ? 0 : berth_error_errno(err, "list xattrs of '%s'", name);
	for (char *k = list; k < list + len; k += strlen(k) + 1) {
		vlen = fgetxattr(src, k, value, sizeof(value));
		if (vlen < 0 || fsetxattr(dst, k, value, vlen, 0) < 0)
			return berth_error_errno(err, "copy xattr '%s' of '%s'", k, name);
	}
	return 0;
}

/* Owner before mode (chown clears setuid), xattrs last (chown clears file caps). */
static int copy_meta(int src, int dst, const struct stat *st, const char *name,
		     struct berth_error **err)
{
	struct timespec t[2] = {st->st_atim, st->st_mtim};

	if (fchown(dst, st->st_uid, st->st_gid) < 0 || fchmod(dst, st->st_mode & 07777) < 0)
		return berth_error_errno(err, "set owner and mode of '%s'", name);
	if (copy_xattrs(src, dst, name, err) < 0)
		return berth_error_ret(err);
	if (futimens(dst, t) < 0)
		return berth_error_errno(err, "set times of '%s'", name);
	return 0;
}

static int copy_data(int src, int dst, off_t size, const char *name, struct berth_error **err)
{
	ssize_t n;

	for (off_t done = 0; done < size; done += n) {
		n = copy_file_range(src, NULL, dst, NULL, size - done, 0);
		if (n < 0 && errno == EINTR)
			n = 0;
		else if (n <= 0)
			return berth_error_errno(err, "copy '%s'", name);
	}
	return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st,
		     struct berth_error **err)
{
	cleanup_close int src = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int dst = -1;

	if (src < 0)
		return berth_error_errno(err, "open '%s'", name);
	dst = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dst < 0)
		return berth_error_errno(err, "create '%s'", name);
	if (copy_data(src, dst, st->st_size, name, err) < 0)
		return berth_error_ret(err);
	return copy_meta(src, dst, st, name, err);
}

/* Symlinks, devices, fifos: no fd to write through, so *at calls on the name. */
static int copy_node(int sdir, int ddir, const char *name, const struct stat *st,
		     struct berth_error **err)
{
	char target[4096];
	struct timespec t[2] = {st->st_atim, st->st_mtim};
	ssize_t n;

	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(sdir, name, target, sizeof(target) - 1);
		if (n < 0)
			return berth_error_errno(err, "readlink '%s'", name);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			return berth_error_errno(err, "symlink '%s'", name);
	} else if (mknodat(ddir, name, st->st_mode & S_IFMT, st->st_rdev) < 0) {
		return berth_error_errno(err, "mknod '%s'", name);
	}
	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0) ||
	    utimensat(ddir, name, t, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_errno(err, "set attributes of '%s'", name);
	return 0;
}

/* A second name of an inode already copied becomes a hardlink to the copy. */
static int copy_link(struct copy *c, int ddir, const char *name, const struct stat *st, bool *done,
		     struct berth_error **err)
{
	struct link_seen *grown;

	*done = false;
	for (size_t i = 0; i < c->nlinks; i++) {
		if (c->links[i].dev != st->st_dev || c->links[i].ino != st->st_ino)
			continue;
		if (linkat(c->dst_root, c->links[i].path, ddir, name, 0) < 0)
			return berth_error_errno(err, "hardlink '%s'", name);
		*done = true;
		return 0;
	}
	if (c->nlinks == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		grown = realloc(c->links, c->cap * sizeof(*grown));
		if (grown == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		c->links = grown;
	}
	c->links[c->nlinks] = (struct link_seen){st->st_dev, st->st_ino, NULL};
	if (asprintf(&c->links[c->nlinks].path, "%s%s", c->path, name) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	c->nlinks++;
	return 0;
}

static int copy_dir(struct copy *c, int src, int dst, struct berth_error **err);

static int copy_subdir(struct copy *c, int sdir, int ddir, const char *name, const struct stat *st,
		       struct berth_error **err)
{
	cleanup_close int src = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int dst = -1;
	size_t len;
	int ret;

	if (src < 0 || mkdirat(ddir, name, 0700) < 0)
		return berth_error_errno(err, "copy directory '%s'", name);
	dst = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return berth_error_errno(err, "open '%s'", name);
	len = c->plen;
	if ((size_t)snprintf(c->path + len, sizeof(c->path) - len, "%s/", name) >=
	    sizeof(c->path) - len)
		return berth_error_set(err, ENAMETOOLONG, "path '%s%s' too long", c->path, name);
	c->plen += strlen(name) + 1;
	ret = copy_dir(c, src, dst, err);
	c->plen = len;
	c->path[len] = '\0';
	if (ret < 0)
		return berth_error_prefix(err, "%s", name);
	return copy_meta(src, dst, st, name, err);
}

static int copy_entry(struct copy *c, int sdir, int ddir, const char *name,
		      struct berth_error **err)
{
	struct stat st;
	bool linked = false;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_errno(err, "stat '%s'", name);
	if (S_ISDIR(st.st_mode))
		return copy_subdir(c, sdir, ddir, name, &st, err);
	if (st.st_nlink > 1 && copy_link(c, ddir, name, &st, &linked, err) < 0)
		return berth_error_ret(err);
	if (linked)
		return 0;
	if (S_ISREG(st.st_mode))
		return copy_file(sdir, ddir, name, &st, err);
	return copy_node(sdir, ddir, name, &st, err);
}

static int copy_dir(struct copy *c, int src, int dst, struct berth_error **err)
{
	int fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int ret = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return berth_error_errno(err, "read directory");
	}
	while (ret == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		ret = copy_entry(c, src, dst, de->d_name, err);
	}
	closedir(d);
	return ret;
}

int vfs_copy_tree(int src, int dst, struct berth_error **err)
{
	struct copy c = {.dst_root = dst};
	struct stat st;
	int ret;

	ret = copy_dir(&c, src, dst, err);
	if (ret == 0 && fstat(src, &st) == 0)
		ret = copy_meta(src, dst, &st, ".", err);
	for (size_t i = 0; i < c.nlinks; i++) {
		free(c.links[i].path);
	}
	free(c.links);
	return ret;
}
