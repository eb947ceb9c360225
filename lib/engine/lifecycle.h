/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_LIFECYCLE_H
#define BERTH_ENGINE_LIFECYCLE_H

#include <stdbool.h>

#include "engine/engine.h"
#include "util/error.h"

/*
 * The life cycle verbs on a container, as Docker has them.  While a monitor
 * lives they are requests to it (engine/attach.h), so State keeps one
 * writer; a container whose monitor died is handled directly.  @id is a
 * full id (berth_ctr_lookup()).
 */

/*
 * Send the container's StopSignal, SIGKILL after @timeout seconds (-1: its
 * StopTimeout, else 10), and return once it has stopped.  No restart
 * policy applies afterwards.  Stopping a stopped container does nothing.
 */
int berth_ctr_stop(struct berth_engine *e, const char *id, int timeout, struct berth_error **err);

/* Send @sig to the init; SIGKILL and the StopSignal also cancel restarts. */
int berth_ctr_kill(struct berth_engine *e, const char *id, int sig, struct berth_error **err);

/* Stop (if running) then start. */
int berth_ctr_restart(struct berth_engine *e, const char *id, int timeout,
		      struct berth_error **err);

/* Freeze or thaw every process of a running container. */
int berth_ctr_pause(struct berth_engine *e, const char *id, bool pause, struct berth_error **err);

/*
 * Block until the container is not running (its next exit) and return its
 * ExitCode (>= 0).  A container that is not running returns at once.
 */
int berth_ctr_wait(struct berth_engine *e, const char *id, struct berth_error **err);

/* Block until no monitor holds the container's lock (an flock on its directory). */
int berth_ctr_wait_monitor(struct berth_engine *e, const char *id, struct berth_error **err);

#endif
