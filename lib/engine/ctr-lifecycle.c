/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/ctr.h"
#include "engine/lifecycle.h"
#include "engine/monitor.h"
#include "engine/rootfs.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "util/cleanup.h"

/* stop, kill, restart, pause, wait: requests to the monitor (lifecycle.h). */

static int load_fresh(struct berth_engine *e, const char *id, struct berth_ctr **c,
		      struct berth_error **err)
{
	int ret = berth_ctr_load(e, id, c, err);

	if (ret < 0)
		return ret;
	if ((ret = berth_ctr_refresh(e, *c, err)) < 0) {
		berth_ctr_free(*c);
		*c = NULL;
	}
	return ret;
}

static int exit_code(const struct berth_ctr *c)
{
	json_object *v;

	if (c->state != NULL && json_object_object_get_ex(c->state, "ExitCode", &v))
		return json_object_get_int(v);
	return 0;
}

int berth_ctr_wait_monitor(struct berth_engine *e, const char *id, struct berth_error **err)
{
	cleanup_close int fd = berth_ctr_dirfd(e, id, NULL); /* the monitor's lock */

	if (fd < 0)
		return 0; /* removed (--rm): no monitor left */
	while (flock(fd, LOCK_SH) < 0)
		if (errno != EINTR)
			return berth_error_errno(err, "wait for the monitor of %.12s", id);
	return 0;
}

/* A container running without its monitor (the monitor was killed): end it here. */
static int stop_orphan(struct berth_engine *e, struct berth_ctr *c, struct berth_error **err)
{
	struct berth_error *warn = NULL;
	cleanup_free char *now = berth_now_rfc3339();
	int ret;

	berth_container_kill(e->runtime, c->id, SIGKILL, true, NULL);
	ret = berth_container_delete(e->runtime, c->id, true, &warn, err);
	berth_error_free(warn);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	berth_error_clear(err);
	berth_ctr_rootfs_umount(e, c->id, NULL);
	berth_ctr_state_set_str(c, "Status", BERTH_CTR_EXITED);
	berth_ctr_state_set_bool(c, "Running", false);
	berth_ctr_state_set_bool(c, "Paused", false);
	berth_ctr_state_set_bool(c, "Restarting", false);
	berth_ctr_state_set_int(c, "Pid", 0);
	berth_ctr_state_set_int(c, "ExitCode", 128 + SIGKILL);
	berth_ctr_state_set_int(c, "MonitorPid", 0);
	if (now != NULL)
		berth_ctr_state_set_str(c, "FinishedAt", now);
	return berth_ctr_save_state(e, c, err);
}

int berth_ctr_stop(struct berth_engine *e, const char *id, int timeout, struct berth_error **err)
{
	struct berth_ctr *c = NULL;
	int ret;

	if ((ret = load_fresh(e, id, &c, err)) < 0)
		return ret;
	if (!berth_ctr_active(c))
		ret = 0;
	else if (berth_ctr_monitor_alive(e, id)) {
		ret = berth_attach_request(e, id, BERTH_ATTACH_STOP, timeout, err);
		if (ret == -ENOTCONN) { /* the monitor is on its way out */
			berth_error_clear(err);
			ret = 0;
		}
		if (ret == 0)
			ret = berth_ctr_wait_monitor(e, id, err);
	} else
		ret = stop_orphan(e, c, err);
	berth_ctr_free(c);
	return ret;
}

int berth_ctr_kill(struct berth_engine *e, const char *id, int sig, struct berth_error **err)
{
	struct berth_ctr *c = NULL;
	int ret;

	if ((ret = load_fresh(e, id, &c, err)) < 0)
		return ret;
	if (!berth_ctr_active(c))
		ret = berth_error_set(err, EBUSY, "container %.12s is not running", id);
	else if (berth_ctr_monitor_alive(e, id))
		ret = berth_attach_request(e, id, BERTH_ATTACH_KILL, sig, err);
	else
		ret = berth_container_kill(e->runtime, id, sig, false, err);
	berth_ctr_free(c);
	return ret;
}

int berth_ctr_restart(struct berth_engine *e, const char *id, int timeout, struct berth_error **err)
{
	int ret = berth_ctr_stop(e, id, timeout, err);

	if (ret < 0)
		return ret;
	return berth_ctr_start(e, id, -1, err);
}

int berth_ctr_pause(struct berth_engine *e, const char *id, bool pause, struct berth_error **err)
{
	if (!berth_ctr_monitor_alive(e, id))
		return berth_error_set(err, EBUSY, "container %.12s is not running", id);
	return berth_attach_request(e, id, pause ? BERTH_ATTACH_PAUSE : BERTH_ATTACH_UNPAUSE, 0,
				    err);
}

/* Read the monitor's messages until the EXIT of this run, or its hang-up. */
static int wait_exit(int sock, int *code)
{
	char msg[BERTH_ATTACH_MAX_MSG];
	int32_t v;

	for (;;) {
		ssize_t n = recv(sock, msg, sizeof(msg), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (msg[0] == BERTH_ATTACH_EXIT && (size_t)n >= 1 + sizeof(v)) {
			memcpy(&v, msg + 1, sizeof(v));
			*code = v;
			return 1;
		}
	}
}

/* A container whose monitor died is polled until its init is gone. */
static int wait_orphan(struct berth_engine *e, const char *id, struct berth_error **err)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	for (;;) {
		struct berth_ctr *c = NULL;
		int ret = load_fresh(e, id, &c, err);

		if (ret < 0)
			return ret;
		if (!berth_ctr_active(c) || berth_ctr_monitor_alive(e, id)) {
			ret = exit_code(c);
			berth_ctr_free(c);
			return ret;
		}
		berth_ctr_free(c);
		nanosleep(&ts, NULL);
	}
}

int berth_ctr_wait(struct berth_engine *e, const char *id, struct berth_error **err)
{
	struct berth_ctr *c = NULL;
	cleanup_close int sock = -1;
	int ret, code;

	if ((ret = load_fresh(e, id, &c, err)) < 0)
		return ret;
	code = exit_code(c);
	if (!berth_ctr_active(c)) {
		berth_ctr_free(c);
		return code;
	}
	berth_ctr_free(c);
	if (!berth_ctr_monitor_alive(e, id))
		return wait_orphan(e, id, err);
	sock = berth_attach_connect(e, id, NULL);
	if (sock >= 0 && wait_exit(sock, &code) == 1)
		return code;
	/* The monitor went away (or was going): its last State says how it ended. */
	if ((ret = berth_ctr_wait_monitor(e, id, err)) < 0)
		return ret;
	if (berth_ctr_load(e, id, &c, NULL) < 0)
		return code;
	code = exit_code(c);
	berth_ctr_free(c);
	return code;
}
