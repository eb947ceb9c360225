/* SPDX-License-Identifier: Apache-2.0 */
/* A container's writable rootfs on top of a snapshot chain. */
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

/* Absolute diff/ paths of the chain ending at @hex, top first. */
static int chain_diffs(int snaps, const char *snaps_path, const char *hex, char ***out, size_t *n,
		       struct berth_error **err)
{
	cleanup_strv char **v = calloc(MAX_LAYERS + 1, sizeof(char *));
	char cur[65];
	size_t i;

	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	memcpy(cur, hex, 65);
	for (i = 0; cur[0] != '\0'; i++) {
		if (i == MAX_LAYERS)
			return berth_error_set(
			    err, E2BIG, "snapshot sha256:%s: more than %d layers", hex, MAX_LAYERS);
		if (asprintf(&v[i], "%s/%s/diff", snaps_path, cur) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (snapshot_parent(snaps, cur, cur, err) < 0)
			return berth_error_ret(err);
	}
	*n = i;
	*out = steal_ptr(&v);
	return 0;
}

static int make_dir(const char *base, const char *sub, char **out, struct berth_error **err)
{
	if (asprintf(out, "%s/%s", base, sub) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (mkdir(*out, 0755) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir '%s'", *out);
	return 0;
}

static int mount_overlay(int snaps, const char *hex, const char *dir, const char *rootfs,
			 struct berth_error **err)
{
	cleanup_strv char **lowers = NULL;
	cleanup_free char *snaps_path = NULL;
	cleanup_free char *upper = NULL;
	cleanup_free char *work = NULL;
	size_t n = 0;

	snaps_path = berth_fd_path(snaps);
	if (snaps_path == NULL)
		return berth_error_errno(err, "resolve the snapshots directory");
	if (chain_diffs(snaps, snaps_path, hex, &lowers, &n, err) < 0)
		return berth_error_ret(err);
	if (make_dir(dir, "upper", &upper, err) < 0 || make_dir(dir, "work", &work, err) < 0)
		return berth_error_ret(err);
	return overlay_mount(lowers, n, upper, work, rootfs, err);
}

static int copy_vfs(int snaps, const char *hex, const char *rootfs, struct berth_error **err)
{
	cleanup_free char *fs = NULL;
	cleanup_close int src = -1;
	cleanup_close int dst = -1;

	if (asprintf(&fs, "%s/fs", hex) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	src = openat(snaps, fs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return berth_error_errno(err, "open snapshot sha256:%s", hex);
	dst = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return berth_error_errno(err, "open '%s'", rootfs);
	return vfs_copy_tree(src, dst, err);
}

int berth_snapshot_mount_rw(int root_fd, int driver, const char *top_chainid,
			    const char *container_dir, char **rootfs, struct berth_error **err)
{
	cleanup_free char *path = NULL;
	cleanup_close int snaps = -1;
	char hex[65];

	if (snapshot_hex(top_chainid, hex, err) < 0)
		return berth_error_ret(err);
	if (!berth_snapshot_exists(root_fd, driver, top_chainid))
		return berth_error_set(err, ENOENT, "snapshot %s not found", top_chainid);
	snaps = snapshot_dir(root_fd, false, err);
	if (snaps < 0 || make_dir(container_dir, "rootfs", &path, err) < 0)
		return berth_error_ret(err);
	if (driver == BERTH_DRIVER_OVERLAY ? mount_overlay(snaps, hex, container_dir, path, err)
					   : copy_vfs(snaps, hex, path, err))
		return berth_error_prefix(err, "rootfs of snapshot %s", top_chainid);
	*rootfs = steal_ptr(&path);
	return 0;
}

int berth_snapshot_lowers(int root_fd, const char *top_chainid, char ***lowers, size_t *n,
			  struct berth_error **err)
{
	cleanup_free char *snaps_path = NULL;
	cleanup_close int snaps = -1;
	char hex[65];

	if (snapshot_hex(top_chainid, hex, err) < 0)
		return berth_error_ret(err);
	if (!berth_snapshot_exists(root_fd, BERTH_DRIVER_OVERLAY, top_chainid))
		return berth_error_set(err, ENOENT, "snapshot %s not found", top_chainid);
	snaps = snapshot_dir(root_fd, false, err);
	if (snaps < 0)
		return berth_error_ret(err);
	snaps_path = berth_fd_path(snaps);
	if (snaps_path == NULL)
		return berth_error_errno(err, "resolve the snapshots directory");
	return chain_diffs(snaps, snaps_path, hex, lowers, n, err);
}

int berth_snapshot_umount(int driver, const char *container_dir, struct berth_error **err)
{
	cleanup_free char *path = NULL;

	if (driver != BERTH_DRIVER_OVERLAY)
		return 0;
	if (asprintf(&path, "%s/rootfs", container_dir) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (umount2(path, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return berth_error_errno(err, "unmount '%s'", path);
	return 0;
}
