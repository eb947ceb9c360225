/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_REMOVE_H
#define BERTH_ENGINE_REMOVE_H

#include <stdbool.h>

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

/* The marker the monitor checks before restarting a container. */
#define BERTH_CTR_REMOVING "removing"

#endif
