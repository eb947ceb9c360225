/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "runtime/state.h"
#include "util/cleanup.h"

/* Whether the State on disk is still true when no monitor is there to keep it so. */

/*
 * The container's directory, flocked exclusively (the monitor's lock, engine.h),
 * or -1 when a live monitor holds it.
 */
static int try_lock(struct berth_engine *e, const char *id)
{
	int fd = openat(e->ctrfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool berth_ctr_monitor_alive(struct berth_engine *e, const char *id)
{
	int fd = try_lock(e, id);

	if (fd < 0)
		return true;
	close(fd);
	return false;
}

/* The runtime's view of the init: running, paused, or gone. */
static enum berth_status runtime_status(struct berth_engine *e, const char *id)
{
	struct berth_state *st = NULL;
	struct berth_error *err = NULL;
	enum berth_status s;

	if (berth_state_load(e->runtime, id, &st, &err) < 0) {
		berth_error_free(err);
		return BERTH_STATUS_STOPPED;
	}
	s = berth_state_status(e->runtime, st);
	berth_state_free(st);
	return s;
}

int berth_ctr_refresh(struct berth_engine *e, struct berth_ctr *c, struct berth_error **err)
{
	cleanup_close int lock = -1;
	struct berth_ctr *fresh = NULL;
	enum berth_status rs;
	char *now;

	if (!berth_ctr_active(c))
		return 0;
	lock = try_lock(e, c->id);
	if (lock < 0)
		return 0; /* a monitor keeps the State */
	/* The monitor may have finished between our read and the lock: reread. */
	if (berth_ctr_load(e, c->id, &fresh, err) < 0)
		return berth_error_ret(err);
	json_object_put(c->state);
	c->state = json_object_get(fresh->state);
	berth_ctr_free(fresh);
	if (!berth_ctr_active(c))
		return 0;
	rs = runtime_status(e, c->id);
	if (rs == BERTH_STATUS_RUNNING || rs == BERTH_STATUS_PAUSED) {
		const char *want = rs == BERTH_STATUS_PAUSED ? BERTH_CTR_PAUSED : BERTH_CTR_RUNNING;

		if (strcmp(berth_ctr_status(c), want) == 0)
			return 0;
		berth_ctr_state_set_str(c, "Status", want);
		berth_ctr_state_set_bool(c, "Paused", rs == BERTH_STATUS_PAUSED);
		berth_ctr_state_set_bool(c, "Restarting", false);
		return berth_ctr_save_state(e, c, err);
	}
	now = berth_now_rfc3339();
	berth_ctr_state_set_str(c, "Status", BERTH_CTR_EXITED);
	berth_ctr_state_set_bool(c, "Running", false);
	berth_ctr_state_set_bool(c, "Paused", false);
	berth_ctr_state_set_bool(c, "Restarting", false);
	berth_ctr_state_set_int(c, "Pid", 0);
	berth_ctr_state_set_int(c, "ExitCode", 255);
	berth_ctr_state_set_str(c, "Error", "monitor died: exit status unknown");
	berth_ctr_state_set_str(c, "FinishedAt", now);
	berth_ctr_state_set_int(c, "MonitorPid", 0);
	free(now);
	return berth_ctr_save_state(e, c, err);
}
