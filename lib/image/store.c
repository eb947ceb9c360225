/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int open_dir(int dirfd, const char *name, struct berth_error **err)
{
	int fd;

	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir '%s'", name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open '%s'", name);
	return fd;
}

static int open_lockfile(int dirfd, const char *name, struct berth_error **err)
{
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return berth_error_errno(err, "open '%s'", name);
	return fd;
}

static int open_layout(struct berth_store *s, struct berth_error **err)
{
	cleanup_close int blobs = -1;
	cleanup_close int snaps = -1;

	if ((blobs = open_dir(s->rootfd, "blobs", err)) < 0 ||
	    (s->blobsfd = open_dir(blobs, "sha256", err)) < 0 ||
	    (s->imagesfd = open_dir(s->rootfd, "images", err)) < 0 ||
	    (s->tmpfd = open_dir(s->rootfd, "tmp", err)) < 0 ||
	    (snaps = open_dir(s->rootfd, "snapshots", err)) < 0 ||
	    (s->lockfd = open_lockfile(s->rootfd, "lock", err)) < 0 ||
	    (s->gcfd = open_lockfile(s->rootfd, "gc.lock", err)) < 0)
		return -(*err)->code;
	return 0;
}

int berth_store_open(const char *root, struct berth_store **out, struct berth_error **err)
{
	struct berth_store *s = calloc(1, sizeof(*s));
	int ret;

	if (s == NULL || (s->root = strdup(root)) == NULL) {
		free(s);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	s->rootfd = s->blobsfd = s->imagesfd = s->tmpfd = s->lockfd = s->gcfd = -1;
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		ret = berth_error_errno(err, "mkdir '%s'", root);
		goto fail;
	}
	s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		ret = berth_error_errno(err, "open '%s'", root);
		goto fail;
	}
	ret = open_layout(s, err);
	if (ret == 0)
		ret = berth_store_clean_tmp(s, err);
	if (ret == 0) {
		*out = s;
		return 0;
	}
	berth_error_prefix(err, "store '%s'", root);
fail:
	berth_store_free(s);
	return ret;
}

void berth_store_free(struct berth_store *s)
{
	if (s == NULL)
		return;
	berth_closep(&s->blobsfd);
	berth_closep(&s->imagesfd);
	berth_closep(&s->tmpfd);
	berth_closep(&s->lockfd);
	berth_closep(&s->gcfd);
	berth_closep(&s->rootfd);
	free(s->root);
	free(s);
}

const char *berth_store_root(const struct berth_store *s)
{
	return s->root;
}

int berth_store_rootfd(const struct berth_store *s)
{
	return s->rootfd;
}

static int flock_retry(int fd, int op)
{
	int ret;

	do
		ret = flock(fd, op);
	while (ret < 0 && errno == EINTR);
	return ret;
}

int berth_store_lock(struct berth_store *s, struct berth_error **err)
{
	if (s->lock_depth == 0 && flock_retry(s->lockfd, LOCK_EX) < 0)
		return berth_error_errno(err, "lock '%s/lock'", s->root);
	s->lock_depth++;
	return 0;
}

void berth_store_unlock(struct berth_store *s)
{
	if (s->lock_depth > 0 && --s->lock_depth == 0)
		flock(s->lockfd, LOCK_UN);
}

int berth_store_lease(struct berth_store *s, struct berth_error **err)
{
	if (s->leases == 0 && flock_retry(s->gcfd, LOCK_SH) < 0)
		return berth_error_errno(err, "lock '%s/gc.lock'", s->root);
	s->leases++;
	return 0;
}

void berth_store_unlease(struct berth_store *s)
{
	if (s->leases > 0 && --s->leases == 0)
		flock(s->gcfd, LOCK_UN);
}

/* A temp entry whose flock we can take belongs to a writer that is gone. */
static void clean_entry(struct berth_store *s, const char *name)
{
	cleanup_close int fd =
	    openat(s->tmpfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0)
		return;
	/* lib/storage unpacks into directories under tmp/ */
	if (unlinkat(s->tmpfd, name, 0) < 0 && errno == EISDIR)
		berth_rm_rf_at(s->tmpfd, name);
}

int berth_store_clean_tmp(struct berth_store *s, struct berth_error **err)
{
	int fd = dup(s->tmpfd);
	DIR *d;
	struct dirent *e;

	if (fd < 0)
		return berth_error_errno(err, "dup '%s/tmp'", s->root);
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return berth_error_errno(err, "opendir '%s/tmp'", s->root);
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			clean_entry(s, e->d_name);
	}
	closedir(d);
	return 0;
}

/*
 * Between our O_EXCL create and the flock a cleaner may have taken the
 * file for garbage and unlinked it; the name then no longer leads to our
 * inode, and we try again with a fresh name.
 */
static bool still_linked(int dirfd, const char *name, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int store_tmp_create(struct berth_store *s, const char *kind, char **name, struct berth_error **err)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		cleanup_free char *n = NULL;
		cleanup_close int fd = -1;
		unsigned int r = 0;

		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			r = (unsigned int)attempt;
		if (asprintf(&n, "%s-%d-%08x", kind, (int)getpid(), r) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		fd = openat(s->tmpfd, n, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return berth_error_errno(err, "create '%s/tmp/%s'", s->root, n);
		if (flock_retry(fd, LOCK_EX) < 0)
			return berth_error_errno(err, "lock '%s/tmp/%s'", s->root, n);
		if (!still_linked(s->tmpfd, n, fd))
			continue;
		*name = steal_ptr(&n);
		return steal_fd(&fd);
	}
	return berth_error_set(err, EAGAIN, "create a temp file in '%s/tmp': too many collisions",
			       s->root);
}

int store_tmp_publish(struct berth_store *s, int fd, const char *tmpname, int dirfd,
		      const char *name, struct berth_error **err)
{
	if (fsync(fd) < 0)
		return berth_error_errno(err, "fsync '%s/tmp/%s'", s->root, tmpname);
	if (renameat(s->tmpfd, tmpname, dirfd, name) < 0)
		return berth_error_errno(err, "rename '%s/tmp/%s' to '%s'", s->root, tmpname, name);
	if (fsync(dirfd) < 0)
		return berth_error_errno(err, "fsync the directory of '%s'", name);
	return 0;
}

int store_write_atomic(struct berth_store *s, int dirfd, const char *name, const char *buf,
		       size_t len, struct berth_error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	int ret;

	fd = store_tmp_create(s, "meta", &tmp, err);
	if (fd < 0)
		return fd;
	ret = berth_write_all(fd, buf, len);
	if (ret < 0) {
		errno = -ret;
		ret = berth_error_errno(err, "write '%s/tmp/%s'", s->root, tmp);
	} else {
		ret = store_tmp_publish(s, fd, tmp, dirfd, name, err);
	}
	if (ret < 0)
		unlinkat(s->tmpfd, tmp, 0);
	return ret;
}
