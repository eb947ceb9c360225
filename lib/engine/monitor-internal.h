/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_MONITOR_INTERNAL_H
#define BERTH_ENGINE_MONITOR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "engine/ctr.h"
#include "engine/engine.h"
#include "engine/log.h"
#include "engine/remove.h"
#include "util/error.h"

/* The monitor's parts (monitor*.c) share this; nothing else includes it. */

/* An attach client; output it cannot take yet waits in a bounded queue. */
struct mon_client {
	int fd;
	unsigned want; /* BERTH_ATTACH_WANT_* */
	char *queue;   /* messages as [u32 length][bytes] */
	size_t qlen, qoff;
};

/* What the monitor writes to state.json at each transition. */
struct mon_state {
	const char *status;
	bool running, paused, restarting, oom_killed;
	pid_t pid;
	int exit_code;
	char error[256];
	char started_at[40], finished_at[40];
	int restart_count;
};

#define MON_RECLAIM_MAX 12

struct monitor {
	struct berth_engine *e;
	const char *exe; /* the berth-monitor executable, for the idle re-exec */
	char id[BERTH_CTR_ID_LEN + 1];
	int dirfd;
	int lock_fd; /* the container's directory, flocked */
	int listen_fd;
	int status_fd; /* -1 once the first start is reported */
	int cgroup_fd; /* the first run's cgroup made ahead (cgroup-ahead.h), until read; -1 */
	int sig_pipe[2];
	struct mon_client *clients;
	size_t n_clients;

	/* from the record */
	bool tty, open_stdin, stdin_once, auto_remove;
	bool was_created; /* never ran before this monitor */
	char policy[16];
	int max_retry;
	int stop_signal, stop_timeout;
	struct berth_log *log;

	/* the current run */
	pid_t init;
	struct berth_cgroup *cg; /* its cgroup, opened as it starts: the OOM counter at its end */
	bool exited;
	int wait_status;
	int out_fd, err_fd; /* pipes' read ends, or out_fd the pty master; -1 at EOF */
	int in_fd;	    /* stdin pipe's write end, or a dup of the master; -1 */
	int console;	    /* the pty master from create, until taken */
	char *in_buf;	    /* stdin the container has not taken yet */
	size_t in_len;
	bool in_close; /* close in_fd once in_buf is written */

	/* life cycle */
	struct mon_state st;
	bool no_restart;    /* an explicit stop (or kill with the stop signal) */
	int64_t kill_at;    /* ms (monotonic) when stop escalates to SIGKILL; 0 */
	int64_t restart_at; /* ms when a restarting container starts again; 0 */
	int64_t started_ms; /* when this run started */
	int64_t idle_at;    /* ms when the loop re-executes as the idle monitor; 0: never */
	int64_t backoff_ms;
	bool trim_due; /* give memory back before the loop next waits */

	/*
	 * The record as just read (setup: for the first mount, or a --rm
	 * container's at its end: for its removal), taken by that next user; and
	 * whether this --rm container is removed at the end of the run.  NULL
	 * and false across the idle exec.
	 */
	struct berth_ctr *record;
	bool removing;
	pthread_t delete_thread; /* the runtime's delete of the cgroup, while deleting */
	bool deleting;
	bool cgroup_gone; /* that delete succeeded: the runtime's state is left to free */

	/*
	 * State files replaced by mon_write_state, held open so that their blocks
	 * are freed (a device discard each on some disks) off the paths a client
	 * waits on: by mon_reclaim, the idle exec (close-on-exec) or the exit.
	 */
	int reclaim[MON_RECLAIM_MAX];
	size_t n_reclaim;
};

int64_t mon_now_ms(void);

/* monitor-state.c: State writes and the record's settings. */
/*
 * The record's settings (and the record in *@keep, caller frees, if not
 * NULL); the log driver is opened, except a json-file one when the record is
 * kept: that file is created by mon_open_log once the container is started.
 */
int mon_load_settings(struct monitor *m, struct berth_ctr **keep, struct berth_error **err);
int mon_open_log(struct monitor *m, struct berth_ctr *c, struct berth_error **err);
int mon_write_state(struct monitor *m, struct berth_error **err);
void mon_timestamp(char *buf, size_t size);

/* monitor-log.c: the log driver (engine/log.h); errors are dropped, never fatal. */
int mon_log_open(const struct berth_log_info *info, struct berth_log **out,
		 struct berth_error **err);
void mon_log_write(struct berth_log *l, enum berth_log_stream stream, const char *buf, size_t len);
void mon_log_flush(struct berth_log *l);
/* At one stream's end: the other may still be mid-line. */
void mon_log_flush_stream(struct berth_log *l, enum berth_log_stream stream);
void mon_log_close(struct berth_log *l);

/* monitor-stdio.c: the container's stdio for one run, output copying, stdin. */
int mon_stdio_prepare(struct monitor *m, struct berth_error **err);
void mon_stdio_after_create(struct monitor *m);
void mon_stdio_close(struct monitor *m);
void mon_on_output(struct monitor *m, int *fd, enum berth_log_stream stream);
void mon_stdin_data(struct monitor *m, const char *buf, size_t len);
void mon_stdin_eof(struct monitor *m);
void mon_stdin_flush(struct monitor *m);
void mon_resize(struct monitor *m, uint16_t rows, uint16_t cols);

/* monitor-clients.c: attach clients and control requests. */
int mon_listen(struct monitor *m, struct berth_error **err);
int mon_client_add(struct monitor *m, int fd, unsigned want);
void mon_client_drop(struct monitor *m, size_t i);
void mon_on_accept(struct monitor *m);
void mon_on_client(struct monitor *m, size_t i);
/* Between create and start: apply the RESIZE messages clients sent first, nothing else. */
void mon_early_resize(struct monitor *m);
void mon_client_flush(struct monitor *m, size_t i);
void mon_broadcast(struct monitor *m, unsigned want, uint8_t type, const void *buf, size_t len);
void mon_close_clients(struct monitor *m);
void mon_flush_clients(struct monitor *m, int ms);

/* monitor-control.c: stop, kill, pause, unpause. */
int mon_control(struct monitor *m, uint8_t type, int32_t arg, struct berth_error **err);
void mon_stop_escalate(struct monitor *m);

/* monitor-run.c: one run of the container, its end, and the restart policy. */
int mon_start_run(struct monitor *m, struct berth_error **err);
/* Close the first run's cgroup channel (cgroup_fd) if still open. */
void mon_cgroup_fd_close(struct monitor *m);
void mon_end_run(struct monitor *m);
/*
 * --rm (a container removed at its end): mon_end_run starts the delete of the runtime
 * container's processes and cgroup in a thread (mon_end_delete, once the OOM
 * counter is read), joined by mon_end_wait before the client is told.
 */
void mon_end_delete(struct monitor *m);
void mon_end_wait(struct monitor *m);
/* After the client is told: the runtime's state (or all of the delete, if the cgroup's failed). */
void mon_end_delete_rest(struct monitor *m);

/* monitor-state.c: the held State files (struct monitor, reclaim). */
void mon_reclaim_add(struct monitor *m, int fd);
void mon_reclaim(struct monitor *m);
bool mon_should_restart(struct monitor *m);

/* monitor-loop.c: serve until the run ends (@running) or the restart delay passes. */
void mon_serve(struct monitor *m, bool running);

/* monitor.c: signals and subreaper; the runs after the first start, then the end. */
int mon_install_signals(struct monitor *m, struct berth_error **err);
int mon_resume(struct monitor *m);

/* monitor-mem.c: malloc settings (first thing in main); give back what idle does not need. */
void mon_mem_init(void);
void mon_trim_memory(void);

/*
 * monitor-idle.c: re-execute as the idle monitor; returns (memory trimmed) if it cannot.
 *
 * Only a run that lasts MON_IDLE_AFTER_MS is worth it.  The exec and the idle
 * image's start cost 3-4 ms of CPU, and a monitor busy with them handles its
 * container's exit that much later: a short container (`run --rm ... true`, a
 * script's one-shot) pays it on its critical path and gains nothing, since its
 * monitor is gone before the memory saved would matter.  Past a second the
 * container is a long-running one whose monitor sits idle for its lifetime,
 * and the cost is noise against it; a second of the larger setup image costs
 * at most a few hundred kB for a second.  The serve loop does it (a poll
 * deadline, monitor-loop.c), between events, where the state is consistent.
 */
#define MON_IDLE_AFTER_MS 1000
void mon_idle_exec(struct monitor *m);

#endif
