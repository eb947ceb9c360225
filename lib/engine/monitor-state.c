/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/monitor-internal.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/json.h"

/* The monitor's view of the record, and its writes of State. */

__attribute__((hot)) int64_t mon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 3339 with nanoseconds, UTC, as Docker writes its times. */
void mon_timestamp(char *buf, size_t size)
{
	berth_rfc3339_now(buf, size);
}

static void read_policy(struct monitor *m, json_object *hc)
{
	json_object *rp = NULL;
	const char *name = "";
	int64_t n = 0;

	snprintf(m->policy, sizeof(m->policy), "no");
	if (berth_json_object(hc, "HostConfig", "RestartPolicy", &rp, NULL) != 1)
		return;
	if (berth_json_string(rp, "RestartPolicy", "Name", &name, NULL) == 1 && name[0] != '\0')
		snprintf(m->policy, sizeof(m->policy), "%s", name);
	if (berth_json_int(rp, "RestartPolicy", "MaximumRetryCount", 0, INT32_MAX, &n, NULL) == 1)
		m->max_retry = (int)n;
}

static void read_stop(struct monitor *m, json_object *cfg)
{
	const char *sig = NULL;
	int64_t t = 10;
	int s;

	m->stop_signal = SIGTERM;
	if (berth_json_string(cfg, "Config", "StopSignal", &sig, NULL) == 1 && sig[0] != '\0' &&
	    (s = berth_signal_parse(sig, NULL)) > 0)
		m->stop_signal = s;
	berth_json_int(cfg, "Config", "StopTimeout", -1, INT32_MAX, &t, NULL);
	m->stop_timeout = (int)t;
}

int mon_open_log(struct monitor *m, struct berth_ctr *c, struct berth_error **err)
{
	json_object *hc = berth_ctr_hostconfig(c), *lc = NULL;
	const char *image = "", *image_id = "";
	cleanup_free char *dir = berth_ctr_dir(m->e, m->id);
	struct berth_log_info info = {
		.id = m->id,
		.name = berth_ctr_name(c),
		.dir = dir,
	};

	berth_json_string(berth_ctr_config(c), "Config", "Image", &image, NULL);
	berth_json_string(c->record, "", "Image", &image_id, NULL);
	berth_json_object(hc, "HostConfig", "LogConfig", &lc, NULL);
	info.image_name = image;
	info.image_id = image_id;
	info.log_config = lc;
	if (dir == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return mon_log_open(&info, &m->log, err);
}

static void read_previous(struct monitor *m, struct berth_ctr *c)
{
	const char *fin = NULL, *status = NULL;

	if (berth_json_string(c->state, "State", "FinishedAt", &fin, NULL) == 1)
		snprintf(m->st.finished_at, sizeof(m->st.finished_at), "%s", fin);
	else
		snprintf(m->st.finished_at, sizeof(m->st.finished_at), "0001-01-01T00:00:00Z");
	m->was_created = berth_json_string(c->state, "State", "Status", &status, NULL) != 1 ||
			 strcmp(status, BERTH_CTR_CREATED) == 0;
}

/* json-file, the default: a file to create, which can wait (mon_open_log after the create). */
static bool log_to_file(struct berth_ctr *c)
{
	json_object *lc = NULL;
	const char *type = NULL;

	if (berth_json_object(berth_ctr_hostconfig(c), "HostConfig", "LogConfig", &lc, NULL) == 1)
		berth_json_string(lc, "LogConfig", "Type", &type, NULL);
	return berth_log_readable(type);
}

int mon_load_settings(struct monitor *m, struct berth_ctr **keep, struct berth_error **err)
{
	struct berth_ctr *c = NULL;
	json_object *cfg, *hc;
	int ret;

	if ((ret = berth_ctr_load(m->e, m->id, &c, err)) < 0)
		return ret;
	cfg = berth_ctr_config(c);
	hc = berth_ctr_hostconfig(c);
	berth_json_bool(cfg, "Config", "Tty", &m->tty, NULL);
	berth_json_bool(cfg, "Config", "OpenStdin", &m->open_stdin, NULL);
	berth_json_bool(cfg, "Config", "StdinOnce", &m->stdin_once, NULL);
	berth_json_bool(hc, "HostConfig", "AutoRemove", &m->auto_remove, NULL);
	read_policy(m, hc);
	read_stop(m, cfg);
	read_previous(m, c);
	ret = keep != NULL && log_to_file(c) ? 0 : mon_open_log(m, c, err);
	if (keep != NULL && ret == 0)
		*keep = c;
	else
		berth_ctr_free(c);
	return ret;
}

/* Load, set every State field the monitor owns, save atomically (ctr.c). */
int mon_write_state(struct monitor *m, struct berth_error **err)
{
	struct berth_ctr *c = NULL;
	const struct mon_state *s = &m->st;
	int ret, old = -1;

	if ((ret = berth_ctr_load(m->e, m->id, &c, err)) < 0)
		return ret;
	berth_ctr_state_set_str(c, "Status", s->status);
	berth_ctr_state_set_bool(c, "Running", s->running);
	berth_ctr_state_set_bool(c, "Paused", s->paused);
	berth_ctr_state_set_bool(c, "Restarting", s->restarting);
	berth_ctr_state_set_bool(c, "OOMKilled", s->oom_killed);
	berth_ctr_state_set_bool(c, "Dead", false);
	berth_ctr_state_set_int(c, "Pid", s->pid);
	berth_ctr_state_set_int(c, "ExitCode", s->exit_code);
	berth_ctr_state_set_str(c, "Error", s->error);
	if (s->started_at[0] != '\0')
		berth_ctr_state_set_str(c, "StartedAt", s->started_at);
	berth_ctr_state_set_str(c, "FinishedAt", s->finished_at);
	berth_ctr_state_set_int(c, "RestartCount", s->restart_count);
	berth_ctr_state_set_int(c, "MonitorPid", s->running ? getpid() : 0);
	ret = berth_ctr_save_state_keep(m->e, c, &old, err);
	if (old >= 0)
		mon_reclaim_add(m, old);
	berth_ctr_free(c);
	return ret;
}

void mon_reclaim_add(struct monitor *m, int fd)
{
	if (m->n_reclaim == MON_RECLAIM_MAX) { /* the oldest is freed now */
		close(m->reclaim[0]);
		memmove(m->reclaim, m->reclaim + 1, (MON_RECLAIM_MAX - 1) * sizeof(int));
		m->n_reclaim--;
	}
	m->reclaim[m->n_reclaim++] = fd;
}

void mon_reclaim(struct monitor *m)
{
	for (size_t i = 0; i < m->n_reclaim; i++)
		close(m->reclaim[i]);
	m->n_reclaim = 0;
}
