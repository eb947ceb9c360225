/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_REMOVE_H
#define BERTH_ENGINE_REMOVE_H

#include <stdbool.h>

#include "engine/ctr.h"
#include "engine/engine.h"
#include "util/error.h"

/*
 * Remove container @ref.  A running (paused, restarting) one is refused
 * unless @force, which kills it (the monitor is told not to restart it:
 * the "removing" marker), waits for its monitor to end, and cleans what a
 * dead monitor left (runtime state, cgroup, mounts).  @volumes also removes
 * its anonymous volumes.
 */
int berth_ctr_remove(struct berth_engine *e, const char *ref, bool force, bool volumes,
		     struct berth_error **err);

/*
 * Remove a stopped container's files and, with @volumes, the anonymous
 * volumes it was the last to use (`rm -v`, and `--rm` as Docker).
 */
int berth_ctr_remove_files_volumes(struct berth_engine *e, const char *id, bool volumes,
				   struct berth_error **err);

/*
 * berth_ctr_remove_files_volumes for a stopped container whose record the
 * caller has loaded already (@c: not read again; the caller frees it): the
 * other files go, then its root filesystem is unmounted (unless that fails:
 * its error, the rootfs parts stay for `rm -f`), then the rest.
 *
 * With @defer, once the rootfs is off, the container's directory is renamed
 * out of containers/ (".removed-ID") instead: the container is gone, its
 * name and anonymous volumes too, but its files are freed only by
 * berth_ctr_reclaim_removed.  Freeing a file's blocks can cost a device
 * discard each (ext4 mounted with `discard`: ~0.7 ms a file here), which a
 * `run --rm` client then does not wait for.
 */
int berth_ctr_remove_loaded(struct berth_engine *e, const struct berth_ctr *c, bool volumes,
			    bool defer, struct berth_error **err);

/* Free the directories berth_ctr_remove_loaded set aside (any container's). */
void berth_ctr_reclaim_removed(struct berth_engine *e);

/* The marker the monitor checks before restarting a container. */
#define BERTH_CTR_REMOVING "removing"

#endif
