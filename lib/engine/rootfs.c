/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "storage/snapshot.h"
#include "util/cleanup.h"

/* Minimal: no idmapping yet (the user namespace part replaces this file). */

bool berth_ctr_rootfs_mounted(struct berth_engine *e, const char *id)
{
	cleanup_free char *dir = berth_ctr_dir(e, id);
	cleanup_free char *rootfs = NULL;
	struct stat a, b;

	if (dir == NULL || asprintf(&rootfs, "%s/rootfs", dir) < 0) {
		rootfs = NULL;
		return false;
	}
	if (stat(rootfs, &a) < 0 || stat(dir, &b) < 0)
		return false;
	return a.st_dev != b.st_dev;
}

static const char *rootfs_exists(const char *dir)
{
	cleanup_free char *p = NULL;
	struct stat st;

	if (asprintf(&p, "%s/rootfs", dir) < 0) {
		p = NULL;
		return "n";
	}
	return stat(p, &st) == 0 ? "y" : "n";
}

int berth_ctr_rootfs_mount(struct berth_engine *e, const char *id, int driver,
			   const char *top_chainid, const struct berth_userns *u, char **rootfs,
			   struct berth_error **err)
{
	cleanup_free char *dir = berth_ctr_dir(e, id);
	const char *hex = strncmp(top_chainid, "sha256:", 7) == 0 ? top_chainid + 7 : top_chainid;

	(void)u;
	if (dir == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (hex[0] == '\0') {
		if (asprintf(rootfs, "%s/rootfs", dir) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (mkdir(*rootfs, 0755) < 0 && errno != EEXIST)
			return berth_error_errno(err, "mkdir %s", *rootfs);
		return 0;
	}
	if (berth_ctr_rootfs_mounted(e, id) ||
	    (driver == BERTH_DRIVER_VFS && *rootfs_exists(dir) == 'y')) {
		if (asprintf(rootfs, "%s/rootfs", dir) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		return 0;
	}
	return berth_snapshot_mount_rw(e->rootfd, driver, top_chainid, dir, rootfs, err);
}

int berth_ctr_rootfs_umount(struct berth_engine *e, const char *id, struct berth_error **err)
{
	cleanup_free char *dir = berth_ctr_dir(e, id);
	cleanup_free char *rootfs = NULL;

	if (dir == NULL || asprintf(&rootfs, "%s/rootfs", dir) < 0) {
		rootfs = NULL;
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	while (berth_ctr_rootfs_mounted(e, id)) {
		if (umount2(rootfs, MNT_DETACH) < 0)
			return berth_error_errno(err, "unmount %s", rootfs);
	}
	return 0;
}
