/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_LIVE_H
#define BERTH_ENGINE_LIVE_H

#include <stdbool.h>

#include "cgroup/cgroup.h"
#include "engine/ctr.h"
#include "util/error.h"

/*
 * What the commands that look into a container share (exec, top, stats, cp,
 * export, update, logs): find and load it with an up-to-date State, reach its
 * cgroup through the runtime's state, and open its root file system.
 */

/* berth_ctr_lookup + berth_ctr_load + berth_ctr_refresh.  The caller frees *out. */
int berth_ctr_get(struct berth_engine *e, const char *ref, struct berth_ctr **out,
		  struct berth_error **err);

/*
 * Docker's refusals for a container that must be running: EINVAL (HTTP 409 in
 * Docker) "container ID is not running"; a paused one "container ID is paused,
 * unpause the container before exec" unless @paused_ok.
 */
int berth_ctr_require_running(const struct berth_ctr *c, bool paused_ok, struct berth_error **err);

/* The running container's cgroup, reopened from the runtime's state. */
int berth_ctr_cgroup(struct berth_engine *e, const char *id, struct berth_cgroup **out,
		     struct berth_error **err);

/*
 * An O_DIRECTORY fd of the container's root file system (containers/<id>/rootfs),
 * mounting it first when the container is not running (*mounted says so: pass
 * it to berth_ctr_rootfs_close()).  Paths under it must be opened with
 * berth_openat_in_root(): the container owns everything below.
 */
int berth_ctr_rootfs_open(struct berth_engine *e, const struct berth_ctr *c, bool *mounted,
			  struct berth_error **err);

/* Close @fd and unmount the root again if we mounted it and the container is still not active. */
void berth_ctr_rootfs_close(struct berth_engine *e, const char *id, int fd, bool mounted);

#endif
