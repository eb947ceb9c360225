/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "engine/create.h"
#include "engine/monitor-internal.h"
#include "engine/remove.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* One run of the container: mount, create, start; its end; the restart policy. */

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 60000
#define BACKOFF_RESET_MS 10000

/* With the record setup read (the first run: kept for finish_setup) or read now. */
static int mount_root(struct monitor *m, struct berth_error **err)
{
	struct berth_ctr *c = NULL;
	int ret;

	if (m->record != NULL)
		return berth_ctr_mount(m->e, m->record, err);
	if ((ret = berth_ctr_load(m->e, m->id, &c, err)) < 0)
		return ret;
	ret = berth_ctr_mount(m->e, c, err);
	berth_ctr_free(c);
	return ret;
}

/*
 * The first run's setup that need not come before the init starts, done
 * while it does: the attach socket (the client of `run` and `start -a` came
 * with its own connection; others connect once the State says running, just
 * after this) and a json-file log (output waits in the pipes until the loop
 * reads it).  Files created on the data root cost up to 0.2 ms each.
 */
static int finish_setup(struct monitor *m, struct berth_error **err)
{
	int ret = 0;

	if (m->listen_fd < 0)
		ret = mon_listen(m, err);
	if (ret == 0 && m->log == NULL && m->record != NULL)
		ret = mon_open_log(m, m->record, err);
	berth_ctr_free(m->record);
	m->record = NULL;
	return ret;
}

/*
 * The run's beginning, recorded while the init sets itself up (the runtime's
 * child_works: its mounts take a millisecond or two), not once it may exec:
 * a short-lived process would otherwise end before this is done (the init,
 * woken on our CPU, runs first), and its end would wait for it.
 */
static int run_begins(void *arg, pid_t pid, struct berth_error **err)
{
	struct monitor *m = arg;
	int ret = finish_setup(m, err);

	if (ret < 0)
		return ret;
	m->init = pid;
	m->exited = false;
	m->started_ms = mon_now_ms();
	m->idle_at = m->started_ms + MON_IDLE_AFTER_MS; /* a short run never re-executes */
	m->st = (struct mon_state){
		.status = BERTH_CTR_RUNNING,
		.running = true,
		.pid = pid,
		.restart_count = m->st.restart_count,
	};
	mon_timestamp(m->st.started_at, sizeof(m->st.started_at));
	memcpy(m->st.finished_at, "0001-01-01T00:00:00Z", sizeof("0001-01-01T00:00:00Z"));
	return mon_write_state(m, err);
}

/* A runtime container left by a monitor that was killed: remove it. */
static void delete_stale(struct monitor *m)
{
	struct berth_error *warn = NULL, *err = NULL;

	berth_container_delete(m->e->runtime, m->id, true, &warn, &err);
	berth_error_free(warn);
	berth_error_free(err);
}

void mon_cgroup_fd_close(struct monitor *m)
{
	if (m->cgroup_fd >= 0)
		close(m->cgroup_fd);
	m->cgroup_fd = -1;
}

/*
 * The runtime's take_cgroup: what the client sent, once it has sent it all
 * (EOF): the cgroup it made while we set up (cgroup-ahead.h).  Nothing (it
 * failed, or died) has the runtime make it.
 */
static int take_cgroup(void *arg, char **saved)
{
	struct monitor *m = arg;
	size_t len = 0;
	int ret;

	*saved = NULL;
	ret = berth_read_fd(m->cgroup_fd, 1 << 20, saved, &len, NULL);
	mon_cgroup_fd_close(m);
	if (ret < 0 || len == 0) {
		free(*saved);
		*saved = NULL;
		return 0;
	}
	return 1;
}

/*
 * Without a terminal, create and start in one call (o.start): the init execs
 * as soon as it is ready, not after the runtime's state write and our
 * berth_container_start.  With one, the two steps stay apart so the sizes
 * the attaching client sent first are applied before the process runs (a
 * program reading its terminal's size at once sees the right one).
 */
static int create_and_start(struct monitor *m, pid_t *pid, struct berth_error **err)
{
	cleanup_free char *dir = berth_ctr_dir(m->e, m->id); /* the bundle: config.json */
	struct berth_create_opts o = { .root = m->e->runtime, .id = m->id };
	struct berth_error *warn = NULL;
	int held[BERTH_HELD_NS] = { -1, -1, -1 }, ret;
	json_object *doc = NULL;
	char *text = NULL;

	if (dir == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	o.bundle = dir;
	if (m->tty)
		o.console_fd = &m->console;
	o.start = !m->tty;
	o.start_warn = &warn;
	o.held_ns = held;
	o.child_works = run_begins;
	o.child_works_arg = m;
	if (m->cgroup_fd >= 0) {
		o.take_cgroup = take_cgroup;
		o.take_cgroup_arg = m;
	}
	if ((ret = mon_stdio_prepare(m, err)) < 0) {
		mon_stdio_after_create(m);
		return ret;
	}
	(void)berth_engine_runtime_ready(m->e, NULL); /* failing, the state stays on disk */
	/* forked by the `berth run` that wrote config.json: its text and document */
	berth_ctr_bundle_take(m->id, &doc, &text, &o.config_len, &o.config_spec);
	o.config_doc = doc;
	o.config_text = text;
	ret = berth_container_create(&o, pid, err);
	mon_cgroup_fd_close(m); /* not asked for (a failure before) */
	json_object_put(doc);
	free(text);
	mon_stdio_after_create(m);
	for (size_t i = 0; i < BERTH_HELD_NS; i++) /* taken down when reclaimed, after the run */
		if (held[i] >= 0)
			mon_reclaim_add(m, held[i]);
	if (ret < 0 || o.start) {
		berth_error_free(warn); /* poststart hook failures: the container runs on */
		return ret;
	}
	mon_early_resize(m);
	ret = berth_container_start(m->e->runtime, m->id, &warn, err);
	berth_error_free(warn);
	if (ret < 0)
		delete_stale(m);
	return ret;
}

/* The run's cgroup, from the runtime's state; NULL if it cannot be found. */
static struct berth_cgroup *open_cgroup(struct monitor *m)
{
	struct berth_state *st = NULL;
	struct berth_cgroup *cg = NULL;

	if (berth_state_load(m->e->runtime, m->id, &st, NULL) == 0 && st->cgroup != NULL)
		berth_cgroup_open(st->cgroup, &cg, NULL);
	berth_state_free(st);
	return cg;
}

/*
 * Opened while the init starts (the runtime's state loaded and the memory
 * directory opened then, not after the init's end, on the path of `run --rm`).
 */
static void watch_cgroup(struct monitor *m)
{
	uint64_t kills;

	m->cg = open_cgroup(m);
	if (m->cg != NULL)
		berth_cgroup_oom_kills(m->cg, &kills, NULL);
}

/* Whether the cgroup's OOM killer struck during this run (one counter, not every statistic). */
static bool oom_killed(struct monitor *m)
{
	struct berth_cgroup *cg = m->cg != NULL ? m->cg : open_cgroup(m);
	uint64_t kills = 0;
	bool oom;

	m->cg = NULL;
	oom = cg != NULL && berth_cgroup_oom_kills(cg, &kills, NULL) == 0 && kills > 0;
	berth_cgroup_free(cg);
	return oom;
}

int mon_start_run(struct monitor *m, struct berth_error **err)
{
	pid_t pid = 0;
	int ret;

	if ((ret = mount_root(m, err)) < 0)
		return ret;
	delete_stale(m);
	ret = create_and_start(m, &pid, err); /* run_begins ran while the init set up */
	if (ret == 0)
		watch_cgroup(m);
	if (ret < 0) {
		m->init = 0;
		berth_ctr_free(m->record);
		m->record = NULL;
		mon_stdio_close(m);
	}
	return ret;
}

static void *delete_job(void *arg)
{
	struct monitor *m = arg;

	m->cgroup_gone = berth_container_delete_cgroup(m->e->runtime, m->id, NULL) == 0;
	return NULL;
}

/*
 * What is left in the cgroup and the cgroup, for a --rm container (mon_end_run
 * left them): their removal runs in a thread (signals blocked: they stay with
 * the loop) while the rootfs comes off; mon_end_wait joins it before the
 * client is told the container is gone.  The runtime's state files go after
 * that (mon_end_delete_rest).
 */
void mon_end_delete(struct monitor *m)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	m->cgroup_gone = false;
	m->deleting = pthread_create(&m->delete_thread, NULL, delete_job, m) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!m->deleting)
		delete_job(m);
}

void mon_end_wait(struct monitor *m)
{
	if (m->deleting)
		pthread_join(m->delete_thread, NULL);
	m->deleting = false;
}

void mon_end_delete_rest(struct monitor *m)
{
	struct berth_error *warn = NULL, *err = NULL;

	if (!m->cgroup_gone) {
		delete_stale(m);
		return;
	}
	berth_container_delete_state(m->e->runtime, m->id, &warn, &err);
	berth_error_free(warn);
	berth_error_free(err);
	m->cgroup_gone = false;
}

/* The init was reaped and its output drained: record the end of the run. */
void mon_end_run(struct monitor *m)
{
	int code = WIFSIGNALED(m->wait_status) ? 128 + WTERMSIG(m->wait_status)
					       : WEXITSTATUS(m->wait_status);

	m->st.oom_killed = oom_killed(m); /* before the delete: it reads the cgroup */
	if (!m->auto_remove || strcmp(m->policy, "no") != 0) /* not removed at its end */
		delete_stale(m);
	else /* --rm: the cgroup only, in a thread; the state after the client is told */
		mon_end_delete(m);
	mon_stdio_close(m);
	m->init = 0;
	m->kill_at = 0;
	m->st.status = BERTH_CTR_EXITED;
	m->st.running = m->st.paused = m->st.restarting = false;
	m->st.pid = 0;
	m->st.exit_code = code;
	mon_timestamp(m->st.finished_at, sizeof(m->st.finished_at));
}

/* Docker's restart manager: policy, retry count, back-off. */
bool mon_should_restart(struct monitor *m)
{
	bool yes;

	if (m->no_restart) /* an explicit stop */
		return false;
	if (strcmp(m->policy, "always") == 0 || strcmp(m->policy, "unless-stopped") == 0)
		yes = true;
	else if (strcmp(m->policy, "on-failure") == 0)
		yes = m->st.exit_code != 0 &&
		      (m->max_retry == 0 || m->st.restart_count < m->max_retry);
	else
		yes = false;
	/* `rm -f` under way (checked only when the policy would restart) */
	if (!yes || faccessat(m->dirfd, BERTH_CTR_REMOVING, F_OK, 0) == 0)
		return false;
	if (m->backoff_ms == 0 || mon_now_ms() - m->started_ms >= BACKOFF_RESET_MS)
		m->backoff_ms = BACKOFF_FIRST_MS;
	else if ((m->backoff_ms *= 2) > BACKOFF_MAX_MS)
		m->backoff_ms = BACKOFF_MAX_MS;
	m->restart_at = mon_now_ms() + m->backoff_ms;
	m->st.restart_count++;
	return true;
}
