/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drivers: the overlay mount of a container's rootfs (and the probe that
 * decides whether overlay works on the storage root), and the driver names.
 *
 * The mount uses the new mount API with "lowerdir+" (one layer per call, so
 * no page-size limit on the option string) and falls back to mount(2) with a
 * joined lowerdir= on kernels before 6.8.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/snapshot-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

const char *berth_storage_driver_name(int driver)
{
	return driver == BERTH_DRIVER_VFS ? "vfs" : "overlay";
}

int berth_storage_driver_parse(const char *name, int *driver, struct berth_error **err)
{
	if (strcmp(name, "overlay") == 0 || strcmp(name, "overlay2") == 0)
		*driver = BERTH_DRIVER_OVERLAY;
	else if (strcmp(name, "vfs") == 0)
		*driver = BERTH_DRIVER_VFS;
	else
		return berth_error_set(err, EINVAL, "unknown storage driver '%s'", name);
	return 0;
}

static int fsconfig_mount(char **lowers, size_t n, const char *upper, const char *work,
			  const char *target)
{
	cleanup_close int fs = fsopen("overlay", FSOPEN_CLOEXEC);
	cleanup_close int mnt = -1;

	if (fs < 0)
		return -errno;
	for (size_t i = 0; i < n; i++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0)
			return -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "index", "off", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0 || move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int legacy_mount(char **lowers, size_t n, const char *upper, const char *work,
			const char *target, struct berth_error **err)
{
	char opts[4096];
	size_t len = 0;
	int w;

	w = snprintf(opts, sizeof(opts), "lowerdir=");
	for (size_t i = 0; i < n && w >= 0 && (size_t)w < sizeof(opts) - len; i++) {
		len += w;
		w = snprintf(opts + len, sizeof(opts) - len, "%s%s", i ? ":" : "", lowers[i]);
	}
	if (w >= 0 && (size_t)w < sizeof(opts) - len) {
		len += w;
		w = snprintf(opts + len, sizeof(opts) - len, ",upperdir=%s,workdir=%s", upper,
			     work);
	}
	if (w < 0 || (size_t)w >= sizeof(opts) - len)
		return berth_error_set(err, E2BIG,
				       "overlay on '%s': %zu layers do not fit in one mount's "
				       "options on this kernel",
				       target, n);
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		return berth_error_errno(err, "mount overlay on '%s'", target);
	return 0;
}

int overlay_mount(char **lowers, size_t n, const char *upper, const char *work, const char *target,
		  struct berth_error **err)
{
	int ret = fsconfig_mount(lowers, n, upper, work, target);

	if (ret == 0)
		return 0;
	if (ret != -ENOSYS && ret != -EINVAL)
		return berth_error_set(err, -ret, "mount overlay on '%s': %s", target,
				       strerror(-ret));
	return legacy_mount(lowers, n, upper, work, target, err);
}

static int probe_in(const char *dir, struct berth_error **err)
{
	static const char *const subs[] = {"l", "u", "w", "m"};
	char paths[4][PATH_MAX];
	char *lower[1] = {paths[0]};

	for (int i = 0; i < 4; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, subs[i]);
		if (mkdir(paths[i], 0700) < 0)
			return berth_error_errno(err, "mkdir '%s'", paths[i]);
	}
	if (overlay_mount(lower, 1, paths[1], paths[2], paths[3], err) < 0)
		return berth_error_ret(err);
	if (umount2(paths[3], MNT_DETACH) < 0)
		return berth_error_errno(err, "unmount '%s'", paths[3]);
	return 0;
}

int berth_storage_driver_probe(int root_fd, int *driver, struct berth_error **err)
{
	struct berth_error *probe_err = NULL;
	cleanup_free char *root = NULL;
	cleanup_free char *dir = NULL;
	char name[64], link[64];
	int ret;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", root_fd);
	root = realpath(link, NULL);
	if (root == NULL)
		return berth_error_errno(err, "resolve the storage root");
	if (snapshot_tmp_name("tmp-probe-", name, err) < 0)
		return berth_error_ret(err);
	if (asprintf(&dir, "%s/%s", root, name) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (mkdir(dir, 0700) < 0)
		return berth_error_errno(err, "mkdir '%s'", dir);
	ret = probe_in(dir, &probe_err);
	berth_rm_rf_at(root_fd, name);
	berth_error_free(probe_err);
	*driver = ret == 0 ? BERTH_DRIVER_OVERLAY : BERTH_DRIVER_VFS;
	return 0;
}
