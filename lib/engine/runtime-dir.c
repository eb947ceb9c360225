/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's state directory, <root>/runtime, on a tmpfs of its own
 * (berth_engine_runtime_ready).  What the runtime keeps there (each running
 * container's config.json copy and state.json, the seccomp program cache)
 * describes processes, so it should not outlive them: Docker and Podman keep
 * theirs under /run.  berth mounts a tmpfs on the directory itself, so every
 * data root keeps its own and nothing needs naming elsewhere; after a reboot
 * the directory is there, empty and unmounted, and the next start mounts it
 * again.  It saves a container start three inode creations on the data
 * root's disk, and its end three frees (each a few hundred microseconds on a
 * busy or discarding disk, and flash wear on small boards).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/fs.h"

static bool is_our_tmpfs(const char *path)
{
	struct statfs sfs;

	return berth_is_mount_root(path) && statfs(path, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC;
}

/*
 * Whether @fd, the directory on disk, holds state of a container (anything
 * but dot entries, the runtime's caches): a berth from before the tmpfs, or
 * one that could not mount it, is still running containers from there, and
 * a tmpfs on top would hide them.
 */
static bool holds_state(int fd)
{
	int dup_fd = dup(fd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;
	bool found = false;

	if (d == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return true;
	}
	while (!found && (de = readdir(d)) != NULL)
		found = de->d_name[0] != '.';
	closedir(d);
	return found;
}

static int mount_tmpfs(const char *path, struct berth_error **err)
{
	cleanup_close int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	cleanup_close int mnt = -1;

	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", "berth-runtime", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return berth_error_errno(err, "make a tmpfs for '%s'", path);
	mnt =
	    fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0 || move_mount(mnt, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_error_errno(err, "mount a tmpfs on '%s'", path);
	return 0;
}

int berth_engine_runtime_ready(struct berth_engine *e, struct berth_error **err)
{
	cleanup_close int fd = -1;

	if (is_our_tmpfs(e->runtime))
		return 0;
	if (mkdir(e->runtime, 0700) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir '%s'", e->runtime);
	fd = open(e->runtime, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* one mount however many starts race here: the second finds the first's */
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return berth_error_errno(err, "lock '%s'", e->runtime);
	if (is_our_tmpfs(e->runtime) || holds_state(fd))
		return 0;
	return mount_tmpfs(e->runtime, err);
}
