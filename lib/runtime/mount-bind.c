/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "runtime/mount-util.h"
#include "util/cleanup.h"
#include "util/fs.h"

/*
 * Classic bind mounts between two fds.  The kernel resolves
 * "/proc/self/fd/N" to exactly the object the fd holds, so no path is looked
 * up again; that is only true of a real procfs, hence the check.
 */

static int check_procfs(struct berth_error **err)
{
	struct statfs sfs;

	if (statfs("/proc/self/fd", &sfs) < 0)
		return berth_error_errno(err, "statfs '/proc/self/fd'");
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return berth_error_set(err, EXDEV, "'/proc' is not procfs");
	return 0;
}

static int mnt_statx(int fd, struct statx *st)
{
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_INO | STATX_MNT_ID, st) < 0)
		return -errno;
	return 0;
}

/* The new mount at @path: a mount root, not @destfd's mount, showing @srcfd's inode. */
static int reopen_checked(int rootfd, const char *path, int srcfd, int destfd,
			  struct berth_error **err)
{
	cleanup_close int fd = -1;
	struct statx src, dst, cur;

	fd = berth_openat_in_root(rootfd, path, O_PATH, 0);
	if (fd < 0) {
		errno = -fd;
		return berth_error_errno(err, "reopen '%s'", path);
	}
	if (mnt_statx(fd, &cur) < 0 || mnt_statx(srcfd, &src) < 0 || mnt_statx(destfd, &dst) < 0)
		return berth_error_errno(err, "statx '%s'", path);
	if (!(cur.stx_attributes & STATX_ATTR_MOUNT_ROOT) || cur.stx_mnt_id == dst.stx_mnt_id ||
	    cur.stx_ino != src.stx_ino || cur.stx_dev_major != src.stx_dev_major ||
	    cur.stx_dev_minor != src.stx_dev_minor)
		return berth_error_set(err, EXDEV, "'%s': changed while mounting", path);
	return steal_fd(&fd);
}

int berth_mnt_bind_fds(int rootfd, const char *path, int srcfd, int destfd, bool recursive,
		       struct berth_error **err)
{
	char src[64], dst[64];
	int ret;

	ret = check_procfs(err);
	if (ret < 0)
		return ret;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", srcfd);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", destfd);
	if (mount(src, dst, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
		return berth_error_errno(err, "bind mount on '%s'", path);
	return reopen_checked(rootfd, path, srcfd, destfd, err);
}

int berth_mnt_remount_fd(int fd, const char *path, unsigned long flags, const char *data,
			 struct berth_error **err)
{
	char target[64];
	int ret;

	ret = check_procfs(err);
	if (ret < 0)
		return ret;
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(NULL, target, NULL, MS_REMOUNT | flags, data) < 0)
		return berth_error_errno(err, "remount '%s'", path);
	return 0;
}
