/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_STORAGE_SNAPSHOT_H
#define BERTH_STORAGE_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/extract.h"
#include "util/error.h"

/*
 * Layer snapshots keyed by chain ID, under the storage root @root_fd:
 *
 *   snapshots/<chain id hex>/diff/      overlay: this layer's files only
 *   snapshots/<chain id hex>/fs/        vfs: the full tree up to this layer
 *   snapshots/<chain id hex>/parent     parent chain ID ("" for a base layer)
 *   snapshots/<chain id hex>/diffid     the layer's DiffID
 *   snapshots/<chain id hex>/complete   driver name; written last
 *   snapshots/tmp-*                     work in progress or garbage
 *
 * A snapshot is unpacked in snapshots/tmp-<random>, synced, then renamed into
 * place: a crash leaves either no snapshot or a whole one, plus tmp-* garbage
 * that berth_snapshot_collect_garbage() removes.  Reference counting and GC
 * of whole snapshots belong to the image store (lib/image).
 */

enum berth_storage_driver {
	BERTH_DRIVER_OVERLAY,
	BERTH_DRIVER_VFS,
};

/* "overlay" or "vfs". */
const char *berth_storage_driver_name(int driver);

/* Parse "overlay" / "vfs"; anything else fails with EINVAL. */
int berth_storage_driver_parse(const char *name, int *driver, struct berth_error **err);

/*
 * Pick the driver for the storage root: overlay when a tiny overlay mount in a
 * temporary directory under @root_fd succeeds (left clean), else vfs.
 */
int berth_storage_driver_probe(int root_fd, int *driver, struct berth_error **err);

/*
 * Unpack the layer read from @blob_fd (@media_type, NULL to sniff) as snapshot
 * @chainid on top of @parent_chainid (NULL for a base layer), unless it
 * already exists.  @opts: extraction limits and policy (whiteout mode is set
 * from @driver).  Writes the DiffID ("sha256:<hex>", 72 bytes) to @diffid.
 * Fails with ENOENT when the parent snapshot is missing; on any failure the
 * snapshots directory is left as it was.
 */
int berth_snapshot_prepare(int root_fd, int driver, const char *parent_chainid, const char *chainid,
			   int blob_fd, const char *media_type,
			   const struct berth_extract_opts *opts, char *diffid,
			   struct berth_error **err);

/* Whether a complete snapshot @chainid made by @driver exists. */
bool berth_snapshot_exists(int root_fd, int driver, const char *chainid);

/* Remove snapshot @chainid (rename away first, so it is never seen half-removed). */
int berth_snapshot_remove(int root_fd, const char *chainid, struct berth_error **err);

/* Complete snapshots as a NULL-terminated array of chain IDs; the caller frees it. */
int berth_snapshot_list(int root_fd, char ***out, struct berth_error **err);

/* Remove tmp-* leftovers and snapshots without their marker (call under the store lock). */
int berth_snapshot_collect_garbage(int root_fd, struct berth_error **err);

/*
 * A writable root filesystem for a container in @container_dir (absolute
 * path): overlay mounts lowerdir=<diffs, top first>:upperdir:workdir on
 * <container_dir>/rootfs; vfs copies the top snapshot's fs/ there.
 * Writes the rootfs path (caller frees) to @rootfs.
 */
int berth_snapshot_mount_rw(int root_fd, int driver, const char *top_chainid,
			    const char *container_dir, char **rootfs, struct berth_error **err);

/*
 * The overlay lower directories of the chain ending at @top_chainid (overlay
 * snapshots): absolute diff/ paths, top first, NULL-terminated (caller frees
 * the strings and the array); *n gets their number.
 */
int berth_snapshot_lowers(int root_fd, const char *top_chainid, char ***lowers, size_t *n,
			  struct berth_error **err);

/*
 * Idmapped views of the @n lower directories @layers (berth_snapshot_lowers'
 * paths), for a user namespace's id mapping named by @view (made of
 * "idmap-" and the mapping, no '/'): each is a persistent idmapped bind
 * mount of a layer's diff/ at snapshots/<hex>/@view, mounted the first time
 * it is asked for (through the user namespace fd @userns_fd returns, asked
 * at most once per call) and unmounted when its snapshot is removed.  *out
 * gets their paths in the same order (NULL-terminated; caller frees).
 */
int berth_snapshot_views(char **layers, size_t n, const char *view,
			 int (*userns_fd)(void *, struct berth_error **), void *arg, char ***out,
			 struct berth_error **err);

/* Undo berth_snapshot_mount_rw (unmount for overlay); leaves the directories. */
int berth_snapshot_umount(int driver, const char *container_dir, struct berth_error **err);

#endif
