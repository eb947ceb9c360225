/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "engine/attach.h"
#include "engine/monitor-internal.h"
#include "runtime/container.h"

/*
 * Control requests, answered by the monitor because it is the one writer of
 * State while it lives: stop, kill, pause, unpause.
 */

static bool init_running(const struct monitor *m)
{
	return m->init > 0 && !m->exited;
}

static void thaw(struct monitor *m)
{
	if (!m->st.paused)
		return;
	berth_container_pause(m->e->runtime, m->id, false, NULL);
	m->st.paused = false;
	m->st.status = BERTH_CTR_RUNNING;
	mon_write_state(m, NULL);
}

static int stop(struct monitor *m, int32_t timeout, struct berth_error **err)
{
	int ret;

	m->no_restart = true;
	if (m->st.restarting) {
		m->restart_at = mon_now_ms(); /* end the delay now: the loop sees no_restart */
		return 0;
	}
	if (!init_running(m))
		return 0;
	if (timeout < 0)
		timeout = m->stop_timeout >= 0 ? m->stop_timeout : 10;
	ret = berth_container_kill(m->e->runtime, m->id, m->stop_signal, false, err);
	thaw(m);
	if (ret < 0 || timeout == 0) {
		berth_error_clear(err); /* the init may be gone already: SIGKILL the rest */
		mon_stop_escalate(m);
	} else if (m->kill_at == 0 || m->kill_at > mon_now_ms() + (int64_t)timeout * 1000)
		m->kill_at = mon_now_ms() + (int64_t)timeout * 1000;
	return 0;
}

/* The stop timeout passed: every process of the container gets SIGKILL. */
void mon_stop_escalate(struct monitor *m)
{
	m->kill_at = 0;
	if (!init_running(m))
		return;
	berth_container_kill(m->e->runtime, m->id, SIGKILL, true, NULL);
	thaw(m);
}

static int kill_ctr(struct monitor *m, int32_t sig, struct berth_error **err)
{
	int ret;

	if (sig <= 0 || sig >= NSIG)
		return berth_error_set(err, EINVAL, "invalid signal %d", sig);
	if (!init_running(m))
		return berth_error_set(err, EBUSY,
				       m->st.restarting ? "container %.12s is restarting, wait "
							  "until the container is running"
							: "container %.12s is not running",
				       m->id);
	/* As Docker: the stop signal or SIGKILL means "do not restart". */
	if (sig == SIGKILL || sig == m->stop_signal)
		m->no_restart = true;
	ret = berth_container_kill(m->e->runtime, m->id, sig, false, err);
	if (ret == 0 && sig == SIGKILL)
		thaw(m);
	return ret;
}

static int pause_ctr(struct monitor *m, bool pause, struct berth_error **err)
{
	int ret;

	if (!init_running(m))
		return berth_error_set(err, EBUSY, "container %.12s is not running", m->id);
	if (m->st.paused == pause)
		return berth_error_set(err, EBUSY,
				       pause ? "container %.12s is already paused"
					     : "container %.12s is not paused",
				       m->id);
	ret = berth_container_pause(m->e->runtime, m->id, pause, err);
	if (ret < 0)
		return ret;
	m->st.paused = pause;
	m->st.status = pause ? BERTH_CTR_PAUSED : BERTH_CTR_RUNNING;
	return mon_write_state(m, err);
}

int mon_control(struct monitor *m, uint8_t type, int32_t arg, struct berth_error **err)
{
	switch (type) {
	case BERTH_ATTACH_STOP:
		return stop(m, arg, err);
	case BERTH_ATTACH_KILL:
		return kill_ctr(m, arg, err);
	case BERTH_ATTACH_PAUSE:
		return pause_ctr(m, true, err);
	case BERTH_ATTACH_UNPAUSE:
		return pause_ctr(m, false, err);
	default:
		return berth_error_set(err, EINVAL, "unknown request '%c'", type);
	}
}
