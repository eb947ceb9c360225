/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_STORAGE_SNAPSHOT_INTERNAL_H
#define BERTH_STORAGE_SNAPSHOT_INTERNAL_H

#include "storage/snapshot.h"

#define SNAPSHOTS "snapshots"
#define MAX_LAYERS 500 /* overlayfs' limit on lower layers */

/* "sha256:<64 hex>" -> the 64 hex digits in @hex (65 bytes). EINVAL otherwise. */
int snapshot_hex(const char *chainid, char *hex, struct berth_error **err);

/* Open (creating when @create) the snapshots directory under @root_fd. */
int snapshot_dir(int root_fd, bool create, struct berth_error **err);

/* A fresh "<prefix><16 hex>" name in @buf (64 bytes). */
int snapshot_tmp_name(const char *prefix, char *buf, struct berth_error **err);

/* Read the small file @hex/@file of the snapshots directory into @out (@size bytes). */
int snapshot_read_small(int dirfd, const char *hex, const char *file, char *out, size_t size,
			struct berth_error **err);

/* Parent chain ID hex of snapshot @hex into @parent (65 bytes; "" for a base). */
int snapshot_parent(int snaps, const char *hex, char *parent, struct berth_error **err);

/*
 * Copy the tree in directory @src into directory @dst (driver-vfs.c): files,
 * dirs, symlinks, hardlinks, devices, fifos and whiteouts, with owner, mode,
 * xattrs and times; symlinks are never followed.
 */
int vfs_copy_tree(int src, int dst, struct berth_error **err);

/* Unmount the idmapped views in snapshots/@name (snapshot-views.c), before removing it. */
void snapshot_drop_views(int snaps, const char *name);

/* The overlay mount of driver-overlay.c; @lowers top first. */
int overlay_mount(char **lowers, size_t n, const char *upper, const char *work, const char *target,
		  struct berth_error **err);

#endif
