/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

struct walk {
	char *stack; /* remaining path, consumed from the front */
	int links;   /* symlinks followed so far */
};

/*
 * Prepend @target to the unwalked rest of the path.  An absolute target
 * restarts at the root, which is the caller's job (returns 1).
 */
static int push_link(struct walk *w, const char *target, const char *rest)
{
	char *n = NULL;

	if (++w->links > MAX_LINKS)
		return -ELOOP;
	if (asprintf(&n, "%s/%s", target, rest ? rest : "") < 0)
		return -ENOMEM;
	free(w->stack);
	w->stack = n;
	return target[0] == '/';
}

/*
 * Component-by-component resolution with O_NOFOLLOW.  ".." is tracked on a
 * stack of fds so it never rises above @rootfd; symlinks are read and
 * expanded in place, absolute ones restarting at @rootfd.
 */
static int walk_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	int fds[256];
	int depth = 0, ret = -EINVAL;
	struct walk w = { .stack = strdup(path), .links = 0 };

	if (w.stack == NULL)
		return -ENOMEM;
	fds[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (fds[0] < 0) {
		free(w.stack);
		return -errno;
	}
	for (;;) {
		char *p = w.stack, *slash, *comp;
		bool last;
		struct stat st;
		int fd;

		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* Path ends on a directory (or is empty): reopen it. */
			if (flags & O_PATH)
				ret = fcntl(fds[depth], F_DUPFD_CLOEXEC, 3);
			else
				ret = openat(fds[depth], ".",
					     (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
			if (ret < 0)
				ret = -errno;
			break;
		}
		slash = strchr(p, '/');
		comp = strndup(p, slash ? (size_t)(slash - p) : strlen(p));
		if (comp == NULL) {
			ret = -ENOMEM;
			break;
		}
		{
			const char *q = slash;

			while (q != NULL && *q == '/')
				q++;
			last = (q == NULL || *q == '\0');
			memmove(w.stack, q ? q : "", strlen(q ? q : "") + 1);
		}
		if (strcmp(comp, ".") == 0) {
			free(comp);
			if (last) {
				ret = (flags & O_PATH) ? fcntl(fds[depth], F_DUPFD_CLOEXEC, 3)
						       : openat(fds[depth], ".", flags | O_CLOEXEC);
				ret = ret < 0 ? -errno : ret;
				break;
			}
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			free(comp);
			if (depth > 0)
				close(fds[depth--]);
			if (last) {
				ret = (flags & O_PATH) ? fcntl(fds[depth], F_DUPFD_CLOEXEC, 3)
						       : openat(fds[depth], ".", flags | O_CLOEXEC);
				ret = ret < 0 ? -errno : ret;
				break;
			}
			continue;
		}
		if (last) {
			fd = openat(fds[depth], comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			if (fd < 0 && (errno == ELOOP || errno == EMLINK || errno == ENOTDIR) &&
			    !(flags & O_NOFOLLOW) &&
			    fstatat(fds[depth], comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode)) {
				/* Last component is a symlink and we must follow it. */
			} else if (fd >= 0 && (flags & O_PATH) && !(flags & O_NOFOLLOW) &&
				   fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 &&
				   S_ISLNK(st.st_mode)) {
				close(fd);
				fd = -1;
				errno = ELOOP;
			} else {
				ret = fd < 0 ? -errno : fd;
				free(comp);
				break;
			}
		} else {
			fd = openat(fds[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				ret = -errno;
				free(comp);
				break;
			}
			if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) {
				ret = -errno;
				close(fd);
				free(comp);
				break;
			}
			if (S_ISDIR(st.st_mode)) {
				if (depth + 1 >= (int)BERTH_ARRAY_SIZE(fds)) {
					close(fd);
					free(comp);
					ret = -ENAMETOOLONG;
					break;
				}
				fds[++depth] = fd;
				free(comp);
				continue;
			}
			if (!S_ISLNK(st.st_mode)) {
				close(fd);
				free(comp);
				ret = -ENOTDIR;
				break;
			}
			close(fd);
		}
		/* A symlink: read it and splice its target into the path. */
		{
			char target[4096];
			ssize_t n = readlinkat(fds[depth], comp, target, sizeof(target) - 1);
			char *rest = strdup(w.stack);

			free(comp);
			if (n < 0 || rest == NULL) {
				ret = n < 0 ? -errno : -ENOMEM;
				free(rest);
				break;
			}
			target[n] = '\0';
			ret = push_link(&w, target, rest);
			free(rest);
			if (ret < 0)
				break;
			if (ret == 1)
				while (depth > 0)
					close(fds[depth--]);
		}
	}
	while (depth >= 0)
		close(fds[depth--]);
	free(w.stack);
	if (ret < 0)
		errno = -ret;
	return ret;
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

int berth_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
		       struct berth_error **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t cap = 4096, n = 0;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open '%s'", path);
	buf = malloc(cap + 1);
	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max)
				return berth_error_set(err, EFBIG, "'%s': larger than %zu bytes",
						       path, max);
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
			return berth_error_errno(err, "read '%s'", path);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return berth_error_set(err, EFBIG, "'%s': larger than %zu bytes", path,
					       max);
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	*out = steal_ptr(&buf);
	return 0;
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
			 bool durable, struct berth_error **err)
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
	if (renameat(dirfd, tmp, dirfd, path) < 0) {
		ret = berth_error_errno(err, "rename '%s'", tmp);
		unlinkat(dirfd, tmp, 0);
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
	int ret = write_replace(dirfd, path, buf, len, mode, true, err);

	if (ret == 0)
		sync_parent(dirfd, path);
	return ret;
}

int berth_write_file_replace(int dirfd, const char *path, const char *buf, size_t len, mode_t mode,
			     struct berth_error **err)
{
	return write_replace(dirfd, path, buf, len, mode, false, err);
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
