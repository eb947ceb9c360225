/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user namespace of containers (docs/userns.md): berth's subordinate
 * range read from, or allocated in, /etc/subuid and /etc/subgid, and a user
 * namespace fd with those maps for idmapped mounts.
 *
 * The files are parsed strictly ("name:start:count", blank lines and '#'
 * comments kept), and rewritten only to append berth's entry: temp file in
 * the same directory with the original owner and mode, fsync, rename, fsync
 * of the directory, under an flock on "<file>.berth-lock" against other
 * berth processes.  (Not "<file>.lock": shadow's tools take that name with
 * their own link-based protocol and refuse a lock file without a pid.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/subid.h"
#include "engine/userns.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define SUBID_MAX_FILE (1 << 20)

static int read_all(int fd, const char *path, struct berth_subid_file *f, struct berth_error **err)
{
	size_t cap = (size_t)f->st.st_size + 1;
	ssize_t r;

	if (f->st.st_size > SUBID_MAX_FILE)
		return berth_error_set(err, EFBIG, "'%s': larger than %d bytes", path,
				       SUBID_MAX_FILE);
	f->buf = malloc(cap);
	if (f->buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	/* Up to the size fstat saw; a file growing meanwhile is read on the next call. */
	while (f->len < cap - 1) {
		r = read(fd, f->buf + f->len, cap - 1 - f->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return berth_error_errno(err, "read '%s'", path);
		if (r == 0)
			break;
		f->len += (size_t)r;
	}
	return 0;
}

static int subid_read(const char *path, struct berth_subid_file *f, struct berth_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

	*f = (struct berth_subid_file){ 0 };
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &f->st) < 0)
		return berth_error_errno(err, "open '%s'", path);
	if (!S_ISREG(f->st.st_mode))
		return berth_error_set(err, EINVAL, "'%s' is not a regular file", path);
	f->exists = true;
	if (read_all(fd, path, f, err) < 0)
		return berth_error_ret(err);
	return berth_subid_parse(f, path, err);
}

/* Temp file beside @path with the original owner and mode, fsync, rename, fsync the dir. */
static int subid_write(const char *path, const struct berth_subid_file *f, const char *add,
		       struct berth_error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_free char *dcopy = strdup(path);
	cleanup_close int fd = -1;
	cleanup_close int dfd = -1;
	bool nl = f->len > 0 && f->buf[f->len - 1] != '\n';
	int ret;

	if (dcopy == NULL || asprintf(&tmp, "%s.berth-tmp-%d", path, (int)getpid()) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_errno(err, "create '%s'", tmp);
	ret = berth_write_all(fd, f->buf ? f->buf : "", f->len);
	if (ret == 0 && nl)
		ret = berth_write_all(fd, "\n", 1);
	if (ret == 0)
		ret = berth_write_all(fd, add, strlen(add));
	if (ret == 0 && f->exists && fchown(fd, f->st.st_uid, f->st.st_gid) < 0)
		ret = -errno;
	if (ret == 0 && fchmod(fd, f->exists ? f->st.st_mode & 07777 : 0644) < 0)
		ret = -errno;
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0) {
		unlink(tmp);
		errno = -ret;
		return berth_error_errno(err, "write '%s'", path);
	}
	dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}

static int subid_lock(const char *path, struct berth_error **err)
{
	cleanup_free char *lock = NULL;
	int fd;

	if (asprintf(&lock, "%s.berth-lock", path) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_errno(err, "open '%s'", lock);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			berth_error_errno(err, "lock '%s'", lock);
			close(fd);
			return berth_error_ret(err);
		}
	}
	return fd;
}

static void entry_to_map(const struct berth_subid_entry *e, struct berth_idmap *out)
{
	*out = (struct berth_idmap){ .container = 0, .host = e->start, .size = e->count };
}

/* Under the lock: read again (another berth may have won), then append. */
static int subid_append(const char *path, const char *user, uint32_t size, struct berth_idmap *out,
			struct berth_error **err)
{
	cleanup_close int lock = subid_lock(path, err);
	struct berth_subid_file f = { 0 };
	const struct berth_subid_entry *e;
	char line[128];
	uint32_t start = 0;
	int ret;

	if (lock < 0)
		return berth_error_ret(err);
	ret = subid_read(path, &f, err);
	if (ret == 0 && (e = berth_subid_find(&f, user)) != NULL) {
		ret = berth_subid_check(&f, e, path, err);
		if (ret == 0)
			entry_to_map(e, out);
		berth_subid_file_release(&f);
		return ret;
	}
	if (ret == 0)
		ret = berth_subid_alloc(&f, size, &start, path, err);
	if (ret == 0) {
		snprintf(line, sizeof(line), "%s:%u:%u\n", user, start, size);
		ret = subid_write(path, &f, line, err);
	}
	if (ret == 0)
		*out = (struct berth_idmap){ .container = 0, .host = start, .size = size };
	berth_subid_file_release(&f);
	return ret;
}

int berth_subid_ensure(const char *path, const char *user, uint32_t size, struct berth_idmap *out,
		       struct berth_error **err)
{
	struct berth_subid_file f = { 0 };
	const struct berth_subid_entry *e;
	int ret;

	if (size == 0 || !berth_subid_name_ok(user, strlen(user)) || strchr(user, ':') != NULL)
		return berth_error_set(err, EINVAL, "subordinate ids: bad user '%s' or size", user);
	ret = subid_read(path, &f, err);
	if (ret == 0 && (e = berth_subid_find(&f, user)) != NULL) {
		ret = berth_subid_check(&f, e, path, err);
		if (ret == 0)
			entry_to_map(e, out);
		berth_subid_file_release(&f);
		return ret;
	}
	berth_subid_file_release(&f);
	if (ret < 0)
		return ret;
	return subid_append(path, user, size, out, err);
}

void berth_userns_host(struct berth_userns *out)
{
	*out = (struct berth_userns){ .enabled = false };
}

int berth_userns_default(struct berth_engine *e, struct berth_userns *out, struct berth_error **err)
{
	const char *uidf = getenv("BERTH_SUBUID_FILE");
	const char *gidf = getenv("BERTH_SUBGID_FILE");
	struct berth_userns u = { .enabled = true };

	if (e != NULL && !e->conf.userns_remap) {
		berth_userns_host(out);
		return 0;
	}
	uidf = uidf && *uidf ? uidf : "/etc/subuid";
	gidf = gidf && *gidf ? gidf : "/etc/subgid";
	if (berth_subid_ensure(uidf, BERTH_USERNS_USER, BERTH_USERNS_SIZE, &u.uid, err) < 0 ||
	    berth_subid_ensure(gidf, BERTH_USERNS_USER, BERTH_USERNS_SIZE, &u.gid, err) < 0)
		return berth_error_prefix(err, "user namespace");
	*out = u;
	return 0;
}

int64_t berth_idmap_to_host(const struct berth_idmap *m, uint32_t id)
{
	if (id < m->container || (uint64_t)id - m->container >= m->size)
		return -1;
	return (int64_t)m->host + (id - m->container);
}
