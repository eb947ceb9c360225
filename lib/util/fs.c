/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

static int force_fallback;

void berth_fs_force_fallback(int on)
{
	force_fallback = on;
}

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/* Max symlinks followed in the fallback walk, as the kernel's MAXSYMLINKS. */
#define MAX_LINKS 40
#define MAX_DEPTH 256

/*
 * The fallback walk, component by component with O_NOFOLLOW.  ".." pops a
 * stack of directory fds, so it never rises above the root; a symlink is read
 * and its target spliced in front of the rest of the path, an absolute one
 * restarting at the root.  Each step returns WALK_ON to go on, or WALK_DONE
 * with w->result set (an fd or -errno).
 */
enum { WALK_ON, WALK_DONE };

struct walk {
	char *rest;	    /* the unwalked path, consumed from the front */
	int links;	    /* symlinks followed so far */
	int fds[MAX_DEPTH]; /* fds[0] is the root, fds[depth] the current directory */
	int depth;
	int flags;
	mode_t mode;
	int result;
};

static int done(struct walk *w, int result)
{
	w->result = result;
	return WALK_DONE;
}

/* The path ends on the current directory ("", ".", ".."): reopen it as asked. */
static int reopen_current(struct walk *w)
{
	int fd = (w->flags & O_PATH)
		     ? fcntl(w->fds[w->depth], F_DUPFD_CLOEXEC, 3)
		     : openat(w->fds[w->depth], ".", (w->flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);

	return done(w, fd < 0 ? -errno : fd);
}

/* Splice the target of symlink @comp (in the current directory) into the path. */
static int follow(struct walk *w, const char *comp)
{
	char target[4096];
	ssize_t n = readlinkat(w->fds[w->depth], comp, target, sizeof(target) - 1);
	char *spliced = NULL;

	if (n < 0)
		return done(w, -errno);
	target[n] = '\0';
	if (++w->links > MAX_LINKS)
		return done(w, -ELOOP);
	if (asprintf(&spliced, "%s/%s", target, w->rest) < 0)
		return done(w, -ENOMEM);
	free(w->rest);
	w->rest = spliced;
	if (target[0] == '/')
		while (w->depth > 0)
			close(w->fds[w->depth--]);
	return WALK_ON;
}

/* A component before the last: a directory to enter or a symlink to follow. */
static int step_inner(struct walk *w, const char *comp)
{
	struct stat st;
	int fd = openat(w->fds[w->depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return done(w, -errno);
	if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) {
		int e = -errno;

		close(fd);
		return done(w, e);
	}
	if (S_ISDIR(st.st_mode)) {
		if (w->depth + 1 >= MAX_DEPTH) {
			close(fd);
			return done(w, -ENAMETOOLONG);
		}
		w->fds[++w->depth] = fd;
		return WALK_ON;
	}
	close(fd);
	return S_ISLNK(st.st_mode) ? follow(w, comp) : done(w, -ENOTDIR);
}

static bool is_link_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/* The last component: open it as asked, following a symlink unless O_NOFOLLOW. */
static int step_last(struct walk *w, const char *comp)
{
	bool nofollow = (w->flags & O_NOFOLLOW) != 0;
	int fd = openat(w->fds[w->depth], comp, w->flags | O_NOFOLLOW | O_CLOEXEC, w->mode);

	/* ELOOP (or ENOTDIR with O_DIRECTORY) on a symlink we are to follow. */
	if (fd < 0 && !nofollow && (errno == ELOOP || errno == EMLINK || errno == ENOTDIR) &&
	    is_link_at(w->fds[w->depth], comp))
		return follow(w, comp);
	/* O_PATH | O_NOFOLLOW opens the link itself: follow it when asked to. */
	if (fd >= 0 && (w->flags & O_PATH) && !nofollow && is_link_at(w->fds[w->depth], comp)) {
		close(fd);
		return follow(w, comp);
	}
	return done(w, fd < 0 ? -errno : fd);
}

/* Take the next component off the path into @comp; *last when nothing follows it. */
static int next_component(struct walk *w, char *comp, size_t size, bool *last)
{
	char *p = w->rest, *end;
	size_t len;

	while (*p == '/')
		p++;
	end = p + strcspn(p, "/");
	len = (size_t)(end - p);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(comp, p, len);
	comp[len] = '\0';
	while (*end == '/')
		end++;
	*last = *end == '\0';
	memmove(w->rest, end, strlen(end) + 1);
	return 0;
}

static int walk_step(struct walk *w)
{
	char comp[NAME_MAX + 2];
	bool last;
	int ret;

	if (w->rest[strspn(w->rest, "/")] == '\0')
		return reopen_current(w);
	ret = next_component(w, comp, sizeof(comp), &last);
	if (ret < 0)
		return done(w, ret);
	if (strcmp(comp, "..") == 0 && w->depth > 0)
		close(w->fds[w->depth--]);
	if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0)
		return last ? reopen_current(w) : WALK_ON;
	return last ? step_last(w, comp) : step_inner(w, comp);
}

static int walk_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct walk w = { .rest = strdup(path), .flags = flags, .mode = mode };

	if (w.rest == NULL)
		return -ENOMEM;
	w.fds[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (w.fds[0] < 0) {
		free(w.rest);
		return -errno;
	}
	while (walk_step(&w) == WALK_ON)
		;
	while (w.depth >= 0)
		close(w.fds[w.depth--]);
	free(w.rest);
	if (w.result < 0)
		errno = -w.result;
	return w.result;
}

int berth_openat_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (!force_fallback) {
		fd = sys_openat2(rootfd, path, &how);
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS && errno != EPERM && errno != EAGAIN)
			return -errno;
		if (errno == EAGAIN) {
			/* A rename raced the lookup: retry once, then walk. */
			fd = sys_openat2(rootfd, path, &how);
			if (fd >= 0)
				return fd;
		}
	}
	return walk_in_root(rootfd, path, flags, mode);
}

int berth_mkdir_p_in_root(int rootfd, const char *path, mode_t mode)
{
	cleanup_free char *prefix = NULL;
	size_t len;

	while (*path == '/')
		path++;
	prefix = strdup(*path ? path : ".");
	if (prefix == NULL)
		return -ENOMEM;
	len = strlen(prefix);
	/*
	 * Resolve each prefix from the root, so symlinks on the way are
	 * followed as the container would follow them, but never out of it.
	 */
	for (size_t i = 0; i <= len; i++) {
		cleanup_close int parent = -1;
		char *base;
		int fd;

		if (i < len && (prefix[i] != '/' || (i > 0 && prefix[i - 1] == '/')))
			continue;
		prefix[i] = '\0';
		fd = berth_openat_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
		if (fd >= 0 && i == len)
			return fd;
		if (fd >= 0) {
			close(fd);
			prefix[i] = '/';
			continue;
		}
		if (fd != -ENOENT)
			return fd;
		base = strrchr(prefix, '/');
		if (base != NULL) {
			*base = '\0';
			parent = berth_openat_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
			*base++ = '/';
		} else {
			parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
			base = prefix;
		}
		if (parent < 0)
			return parent;
		if (mkdirat(parent, base, mode) < 0 && errno != EEXIST)
			return -errno;
		fd = berth_openat_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
		if (fd < 0 || i == len)
			return fd;
		close(fd);
		prefix[i] = '/';
	}
	return -EINVAL;
}

bool berth_is_mount_root(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

char *berth_fd_path(int fd)
{
	static const char deleted[] = " (deleted)";
	char link[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	if (n == (ssize_t)sizeof(buf) - 1) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	buf[n] = '\0';
	if (buf[0] != '/' ||
	    ((size_t)n >= strlen(deleted) && strcmp(buf + n - strlen(deleted), deleted) == 0)) {
		errno = ENOENT;
		return NULL;
	}
	return strdup(buf);
}

/* The read loop of berth_read_file_at, @what naming the source in errors. */
static int read_fd(int fd, const char *what, size_t max, char **out, size_t *len,
		   struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	size_t cap = 4096, n = 0;

	buf = malloc(cap + 1);
	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max)
				return berth_error_set(err, EFBIG, "'%s': larger than %zu bytes",
						       what, max);
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL)
				return berth_error_set(err, ENOMEM, "out of memory");
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return berth_error_errno(err, "read '%s'", what);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return berth_error_set(err, EFBIG, "'%s': larger than %zu bytes", what,
					       max);
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	*out = steal_ptr(&buf);
	return 0;
}

int berth_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
		       struct berth_error **err)
{
	cleanup_close int fd = -1;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open '%s'", path);
	return read_fd(fd, path, max, out, len, err);
}

int berth_read_fd(int fd, size_t max, char **out, size_t *len, struct berth_error **err)
{
	return read_fd(fd, "fd", max, out, len, err);
}

int berth_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int berth_write_file_at(int dirfd, const char *path, const char *buf, size_t len)
{
	cleanup_close int fd = -1;
	ssize_t w;

	fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* One write: kernel knobs take the value in a single call. */
	do
		w = write(fd, buf, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return (size_t)w == len ? 0 : -EIO;
}

static int write_replace(int dirfd, const char *path, const char *buf, size_t len, mode_t mode,
			 bool durable, int *keep_old, struct berth_error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	int ret;

	if (asprintf(&tmp, "%s.tmp-%d", path, (int)getpid()) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return berth_error_errno(err, "create '%s'", tmp);
	ret = berth_write_all(fd, buf, len);
	if (ret == 0 && durable && fsync(fd) < 0)
		ret = -errno;
	if (ret < 0) {
		unlinkat(dirfd, tmp, 0);
		errno = -ret;
		return berth_error_errno(err, "write '%s'", tmp);
	}
	/* Held open, the replaced inode is not freed inside rename(2) (see fs.h). */
	if (keep_old != NULL)
		*keep_old = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (renameat(dirfd, tmp, dirfd, path) < 0) {
		ret = berth_error_errno(err, "rename '%s'", tmp);
		unlinkat(dirfd, tmp, 0);
		if (keep_old != NULL && *keep_old >= 0) {
			close(*keep_old);
			*keep_old = -1;
		}
		return ret;
	}
	return 0;
}

static void sync_parent(int dirfd, const char *path)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = NULL;
	cleanup_close int dfd = -1;

	dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	if (dir == NULL)
		return;
	dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
}

int berth_write_file_atomic(int dirfd, const char *path, const char *buf, size_t len, mode_t mode,
			    struct berth_error **err)
{
	int ret = write_replace(dirfd, path, buf, len, mode, true, NULL, err);

	if (ret == 0)
		sync_parent(dirfd, path);
	return ret;
}

int berth_write_file_replace(int dirfd, const char *path, const char *buf, size_t len, mode_t mode,
			     struct berth_error **err)
{
	return write_replace(dirfd, path, buf, len, mode, false, NULL, err);
}

int berth_write_file_replace_keep(int dirfd, const char *path, const char *buf, size_t len,
				  mode_t mode, int *old_fd, struct berth_error **err)
{
	*old_fd = -1;
	return write_replace(dirfd, path, buf, len, mode, false, old_fd, err);
}

int berth_rm_rf_at(int parent, const char *name)
{
	cleanup_close int fd = -1;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL)
		return -errno;
	fd = -1; /* owned by d now */
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (berth_rm_rf_at(dirfd(d), de->d_name) < 0)
			ret = -errno;
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return ret;
}
