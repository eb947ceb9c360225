/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_MONITOR_H
#define BERTH_ENGINE_MONITOR_H

#include "engine/engine.h"
#include "util/error.h"

/*
 * The monitor (berth's conmon): one small process per running container,
 * the `berth-monitor` executable.  It outlives the `berth` that started it,
 * is the container's parent and subreaper, holds the flock on containers/<id>, owns the
 * container's stdio (log driver, attach clients, pty), records ExitCode,
 * FinishedAt and OOMKilled, applies the restart policy and removes --rm
 * containers.  Protocol and life cycle: docs/containers.md.  `berth` forks
 * it and runs its body with no exec (start.c); a run that lasts has it
 * re-execute as the berth-monitor executable's idle image.
 */

/*
 * Start created or exited container @id: spawn its monitor and wait until it
 * reports the container started (or why not).  @attach_fd (-1: none) is a
 * connected attach socket the monitor serves as a client from the first
 * byte, so a foreground `run` loses no output.
 */
int berth_ctr_start(struct berth_engine *e, const char *id, int attach_fd,
		    struct berth_error **err);

/*
 * The monitor's body: returns its exit status.  @exe is the berth-monitor
 * executable it re-executes as once a run lasts (idle mode, below).
 * @cgroup_fd (-1: none) is the socket on which the client sends the cgroup
 * it made ahead for the first run (cgroup-ahead.h).
 */
int berth_monitor_main(const char *exe, const char *root, const char *conf_path, const char *id,
		       int status_fd, int attach_fd, int cgroup_fd);

/*
 * In a monitor forked from `berth` without an exec (start.c): name it
 * berth-monitor (comm) and make its command line "berth-monitor --root ROOT
 * ID" (as much as fits over the client's argument strings).
 */
void berth_monitor_set_title(const char *root, const char *id);

/*
 * The same monitor after its re-exec once the run lasted (idle mode,
 * `berth-monitor --idle FD`): @state_fd holds what monitor-idle.c saved.
 */
int berth_monitor_idle_main(const char *root, const char *conf_path, const char *id, int state_fd);

#endif
