/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_ROOTFS_H
#define BERTH_ENGINE_ROOTFS_H

#include <stdbool.h>

#include "engine/engine.h"
#include "engine/userns.h"
#include "util/error.h"

/*
 * A container's writable root in containers/<id>/: overlay of the image's
 * snapshots (@top_chainid, "" for an image without layers) with diff/ and
 * work/, mounted on rootfs/; vfs copies.  With a user namespace the layers
 * are idmapped mounts, so the shared snapshots are never copied or chowned.
 */
int berth_ctr_rootfs_mount(struct berth_engine *e, const char *id, int driver,
			   const char *top_chainid, const struct berth_userns *u, char **rootfs,
			   struct berth_error **err);

/* Unmount (overlay) if mounted; idempotent. */
int berth_ctr_rootfs_umount(struct berth_engine *e, const char *id, struct berth_error **err);

bool berth_ctr_rootfs_mounted(struct berth_engine *e, const char *id);

#endif
