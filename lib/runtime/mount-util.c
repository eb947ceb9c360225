/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/mount-util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

#define MAX_LINKS 40

#ifndef __NR_open_tree_attr
#define __NR_open_tree_attr 467
#endif

/* Split @path into a heap "dir" and a pointer to its last component. */
static int split_path(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	*base = slash ? slash + 1 : path;
	*dir = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
	return *dir ? 0 : -ENOMEM;
}

/*
 * The parent directory of a missing destination: usually it exists, so one
 * in-root open; else created component by component, still inside the root.
 */
static int open_parent(int rootfd, const char *dir)
{
	int fd = berth_openat_in_root(rootfd, dir, O_PATH | O_DIRECTORY, 0);

	return fd == -ENOENT ? berth_mkdir_p_in_root(rootfd, dir, 0755) : fd;
}

int berth_mnt_create_at(int dirfd, const char *name, bool file)
{
	int fd;

	if (!file) {
		if (mkdirat(dirfd, name, 0755) < 0)
			return -errno;
		/* O_NOFOLLOW | O_DIRECTORY: only the directory just made, never a link. */
		fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	} else {
		/* O_EXCL | O_NOFOLLOW: a new regular file or nothing; its fd is the target. */
		fd =
		    openat(dirfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	return fd < 0 ? -errno : fd;
}

void berth_close2(int *a, int *b)
{
	int lo = *a < *b ? *a : *b, hi = *a < *b ? *b : *a;

	if (lo < 0 || hi != lo + 1 || close_range((unsigned)lo, (unsigned)hi, 0) < 0) {
		if (*a >= 0)
			close(*a);
		if (*b >= 0)
			close(*b);
	}
	*a = *b = -1;
}

void berth_close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		if (fds[i] < 0)
			continue;
		while (j + 1 < n && fds[j + 1] == fds[j] + 1)
			j++;
		if (j == i || close_range((unsigned)fds[i], (unsigned)fds[j], 0) < 0)
			for (size_t k = i; k <= j; k++)
				close(fds[k]);
		i = j;
	}
}

/*
 * The last component of @path is missing or a dangling symlink.  Create it
 * (a directory or an empty file) in its parent, resolved inside the root,
 * and set *@fd to an fd of what was created.  When the name is taken (a
 * dangling symlink: what the in-root lookup saw as missing but creation finds
 * there), *@fd is -1 and @next gets its target for the caller to resolve
 * instead (still in the root); with @next NULL something appeared there
 * meanwhile and the caller resolves again.
 */
static int create_last(int rootfd, const char *path, bool file, int *fd, char **next)
{
	cleanup_free char *dir = NULL;
	cleanup_close int parent = -1;
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	*fd = -1;
	if (split_path(path, &dir, &base) < 0)
		return -ENOMEM;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	parent = open_parent(rootfd, dir);
	if (parent < 0)
		return parent;
	*fd = berth_mnt_create_at(parent, base, file);
	if (*fd >= 0)
		return 0;
	if (*fd != -EEXIST && *fd != -ENOTDIR && *fd != -ELOOP)
		return *fd;
	*fd = -1;
	n = readlinkat(parent, base, target, sizeof(target) - 1);
	if (n < 0)
		return errno == EINVAL || errno == ENOENT ? 0 : -errno;
	target[n] = '\0';
	if (target[0] == '/')
		*next = strdup(target);
	else if (asprintf(next, "%s/%s", dir, target) < 0)
		*next = NULL;
	return *next ? 0 : -ENOMEM;
}

static int check_kind(int fd, bool file)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (file && S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!file && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

/* An existing destination; a directory is asked with O_DIRECTORY, no fstat needed. */
static int open_existing(int rootfd, const char *path, bool file)
{
	int fd = berth_openat_in_root(rootfd, path, O_PATH | (file ? 0 : O_DIRECTORY), 0);
	int ret;

	if (fd < 0 || !file)
		return fd;
	ret = check_kind(fd, file);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

static int open_dest(int rootfd, const char *path, bool file)
{
	cleanup_free char *cur = strdup(path);

	if (cur == NULL)
		return -ENOMEM;
	for (int links = 0; links <= MAX_LINKS; links++) {
		char *next = NULL;
		int fd, ret;

		fd = open_existing(rootfd, cur, file);
		if (fd != -ENOENT)
			return fd;
		ret = create_last(rootfd, cur, file, &fd, &next);
		if (ret < 0)
			return ret;
		if (fd >= 0)
			return fd;
		if (next != NULL) {
			free(cur);
			cur = next;
		}
	}
	return -ELOOP;
}

int berth_mnt_open_dest(int rootfd, const char *path, bool file, struct berth_error **err)
{
	int fd = open_dest(rootfd, path, file);

	if (fd == -EISDIR)
		return berth_error_set(err, EISDIR, "'%s': is a directory, the source is a file",
				       path);
	if (fd == -ENOTDIR)
		return berth_error_set(err, ENOTDIR, "'%s': not a directory", path);
	if (fd < 0) {
		errno = -fd;
		return berth_error_errno(err, "'%s'", path);
	}
	return fd;
}

int berth_mnt_clone(int dirfd, const char *path, bool recursive, struct berth_error **err)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	int fd = open_tree(dirfd, path, flags | (path[0] == '\0' ? AT_EMPTY_PATH : 0));

	if (fd < 0)
		return berth_error_errno(err, "open_tree '%s'", path);
	return fd;
}

static int open_tree_attr(int dirfd, const char *path, unsigned flags, struct mount_attr *attr)
{
	return (int)syscall(__NR_open_tree_attr, dirfd, path, flags, attr, sizeof(*attr));
}

/* ENOSYS before Linux 6.15: remembered, the two-call way from then on. */
static bool no_open_tree_attr;

int berth_mnt_clone_attr(int dirfd, const char *path, const struct berth_mnt_attr *a,
			 struct berth_error **err)
{
	struct mount_attr attr = { .attr_set = a->set,
				   .attr_clr = a->clr,
				   .propagation = a->propagation };
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (a->recursive ? AT_RECURSIVE : 0) |
			 (path[0] == '\0' ? AT_EMPTY_PATH : 0);
	int fd;

	if (a->userns_fd >= 0 || no_open_tree_attr)
		goto fallback;
	fd = open_tree_attr(dirfd, path, flags, &attr);
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS)
		return berth_error_errno(err, "open_tree '%s'", path);
	no_open_tree_attr = true;
fallback:
	fd = berth_mnt_clone(dirfd, path, a->recursive, err);
	if (fd >= 0 && berth_mnt_setattr(fd, a, path, err) < 0) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

void berth_mnt_flags_to_attr(unsigned long set, unsigned long clear, uint64_t *attr_set,
			     uint64_t *attr_clr)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },
		{ MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },
		{ MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
		{ MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
	};

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(map); i++) {
		if (set & map[i].ms)
			*attr_set |= map[i].attr;
		if (clear & map[i].ms)
			*attr_clr |= map[i].attr;
	}
	/* Atime is one mode, not bits: any atime word picks a mode. */
	if ((set | clear) & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
		*attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
		*attr_clr |= MOUNT_ATTR__ATIME;
		if (set & MS_NOATIME)
			*attr_set |= MOUNT_ATTR_NOATIME;
		else if (set & MS_STRICTATIME)
			*attr_set |= MOUNT_ATTR_STRICTATIME;
	}
}

/* Append the kernel's own explanation, which fsconfig() queues on the context fd. */
static int fs_error(int fsfd, const char *type, const char *step, struct berth_error **err)
{
	int saved = errno;
	char msg[256];
	ssize_t n = read(fsfd, msg, sizeof(msg) - 1);

	if (n > 2) {
		msg[n] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		return berth_error_set(err, saved, "mount %s: %s: %s (%s)", type, step,
				       strerror(saved), msg + 2);
	}
	errno = saved;
	return berth_error_errno(err, "mount %s: %s", type, step);
}

/* Feed "a,b=c" to fsconfig; commas inside double quotes do not split. */
static int config_data(int fsfd, const char *type, const char *data, struct berth_error **err)
{
	cleanup_free char *copy = strdup(data);
	char *p = copy;

	if (copy == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	while (p != NULL && *p != '\0') {
		char *end = p, *eq;
		bool quoted = false;
		int r;

		while (*end != '\0' && (quoted || *end != ',')) {
			quoted ^= *end == '"';
			end++;
		}
		if (*end != '\0')
			*end++ = '\0';
		eq = strchr(p, '=');
		if (eq != NULL)
			*eq = '\0';
		r = eq ? fsconfig(fsfd, FSCONFIG_SET_STRING, p, eq + 1, 0)
		       : fsconfig(fsfd, FSCONFIG_SET_FLAG, p, NULL, 0);
		if (r < 0)
			return fs_error(fsfd, type, p, err);
		p = end;
	}
	return 0;
}

static int config_sb_flags(int fsfd, const char *type, unsigned long ms_flags,
			   struct berth_error **err)
{
	static const struct {
		unsigned long ms;
		const char *name;
	} sb[] = { { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_MANDLOCK, "mand" } };

	/*
	 * MS_SILENT and MS_I_VERSION ("silent"/"loud", "iversion"/"noiversion" in
	 * the spec) have no counterpart here, on purpose: with fsopen a file
	 * system's complaints go to this context's log, not the kernel's, which is
	 * what "silent" asked; and i_version is decided by each file system
	 * (tmpfs, ext4, xfs keep it on), which the kernel's own MS_I_VERSION
	 * handling no longer changes.
	 */

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(sb); i++)
		if ((ms_flags & sb[i].ms) &&
		    fsconfig(fsfd, FSCONFIG_SET_FLAG, sb[i].name, NULL, 0) < 0)
			return fs_error(fsfd, type, sb[i].name, err);
	return 0;
}

int berth_mnt_fsmount(const char *type, const char *source, const char *data,
		      unsigned long ms_flags, struct berth_error **err)
{
	cleanup_close int fsfd = -1;
	uint64_t attr = 0, clr = 0;
	int ret, mfd;

	fsfd = fsopen(type, FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return berth_error_errno(err, "fsopen '%s'", type);
	if (source != NULL && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return fs_error(fsfd, type, "source", err);
	if (data != NULL && (ret = config_data(fsfd, type, data, err)) < 0)
		return ret;
	if ((ret = config_sb_flags(fsfd, type, ms_flags, err)) < 0)
		return ret;
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_error(fsfd, type, "create", err);
	berth_mnt_flags_to_attr(ms_flags, 0, &attr, &clr);
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)attr);
	if (mfd < 0)
		return fs_error(fsfd, type, "fsmount", err);
	return mfd;
}

int berth_mnt_attach(int treefd, int destfd, const char *what, struct berth_error **err)
{
	if (move_mount(treefd, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return berth_error_errno(err, "attach mount on '%s'", what);
	return 0;
}

int berth_mnt_setattr(int fd, const struct berth_mnt_attr *a, const char *what,
		      struct berth_error **err)
{
	struct mount_attr attr = {
		.attr_set = a->set,
		.attr_clr = a->clr,
		.propagation = a->propagation,
		.userns_fd = a->userns_fd >= 0 ? (uint64_t)a->userns_fd : 0,
	};
	unsigned flags = AT_EMPTY_PATH | (a->recursive ? AT_RECURSIVE : 0);

	if (a->set == 0 && a->clr == 0 && a->propagation == 0)
		return 0;
	if (mount_setattr(fd, "", flags, &attr, sizeof(attr)) < 0)
		return berth_error_errno(err, "mount_setattr '%s'", what);
	return 0;
}
