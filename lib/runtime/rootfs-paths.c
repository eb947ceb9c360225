/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/mount-util.h"
#include "runtime/rootfs-steps.h"
#include "util/cleanup.h"
#include "util/fs.h"

/*
 * linux.maskedPaths and linux.readonlyPaths, done after pivot_root so they
 * also cover what the spec mounted (/proc, /sys).  Paths that do not exist
 * are skipped, as runc does; they are resolved inside the root.
 */

/* Open @path in the root; 0 with *fd = -1 when it does not exist. */
static int open_existing(int rootfd, const char *path, int *fd, struct berth_error **err)
{
	*fd = berth_openat_in_root(rootfd, path, O_PATH, 0);
	if (*fd >= 0)
		return 0;
	if (*fd == -ENOENT || *fd == -ENOTDIR) {
		*fd = -1;
		return 0;
	}
	errno = -*fd;
	return berth_error_errno(err, "'%s'", path);
}

/* The container's /dev/null, checked once (@null caches it): the mask must read as empty. */
static int dev_null_tree(int rootfd, int *null, struct berth_error **err)
{
	struct stat st;

	if (*null < 0) {
		int fd = berth_openat_in_root(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, 0);

		if (fd < 0)
			errno = -fd;
		else
			*null = fd;
		if (fd < 0 || fstat(fd, &st) < 0)
			return berth_error_errno(err, "'/dev/null'");
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			return berth_error_set(err, EINVAL, "'/dev/null': not the null device");
	}
	return berth_mnt_clone(*null, "", false, err);
}

/*
 * An empty read-only tmpfs for a masked directory: made once (@empty caches
 * it), then cloned for each one, as a new tmpfs each time costs a superblock
 * (~15 us against ~3 for a clone here).  They share it: read-only, and
 * nothing in the container may remount it (no CAP_SYS_ADMIN by default).
 */
static int empty_tree(int *empty, struct berth_error **err)
{
	if (*empty < 0) {
		*empty = berth_mnt_fsmount("tmpfs", "tmpfs", NULL,
					   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
		if (*empty < 0)
			return *empty;
	}
	return berth_mnt_clone(*empty, "", false, err);
}

/* @cache: the /dev/null and empty-tmpfs trees, opened once for every path. */
static int mask_one(int rootfd, const char *path, int cache[2], struct berth_error **err)
{
	cleanup_close int fd = -1;
	cleanup_close int tree = -1;
	struct stat st;
	int ret;

	ret = open_existing(rootfd, path, &fd, err);
	if (ret < 0 || fd < 0)
		return ret;
	if (fstat(fd, &st) < 0)
		return berth_error_errno(err, "'%s'", path);
	if (S_ISDIR(st.st_mode))
		tree = empty_tree(&cache[1], err);
	else
		tree = dev_null_tree(rootfd, &cache[0], err);
	if (tree < 0)
		return tree;
	ret = berth_mnt_attach(tree, fd, path, err);
	berth_close2(&tree, &fd);
	return ret;
}

int berth_rootfs_mask_paths(int rootfd, char *const *paths, struct berth_error **err)
{
	int cache[2] = { -1, -1 };
	int ret = 0;

	for (size_t i = 0; ret == 0 && paths != NULL && paths[i] != NULL; i++) {
		ret = mask_one(rootfd, paths[i], cache, err);
		if (ret < 0)
			berth_error_prefix(err, "linux.maskedPaths[%zu]", i);
	}
	berth_close2(&cache[0], &cache[1]);
	return ret;
}

static int readonly_one(int rootfd, const char *path, struct berth_error **err)
{
	struct berth_mnt_attr a = {
		.set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
		.userns_fd = -1,
		.recursive = true,
	};
	cleanup_close int fd = -1;
	cleanup_close int tree = -1;
	int ret;

	ret = open_existing(rootfd, path, &fd, err);
	if (ret < 0 || fd < 0)
		return ret;
	tree = berth_mnt_clone_attr(fd, "", &a, err);
	if (tree < 0)
		return berth_error_prefix(err, "'%s'", path);
	ret = berth_mnt_attach(tree, fd, path, err);
	berth_close2(&tree, &fd);
	return ret;
}

int berth_rootfs_readonly_paths(int rootfd, char *const *paths, struct berth_error **err)
{
	for (size_t i = 0; paths != NULL && paths[i] != NULL; i++) {
		int ret = readonly_one(rootfd, paths[i], err);

		if (ret < 0)
			return berth_error_prefix(err, "linux.readonlyPaths[%zu]", i);
	}
	return 0;
}
