/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/monitor-internal.h"
#include "engine/remove.h"
#include "engine/rootfs.h"
#include "util/fs.h"

/*
 * The monitor's life: lock, start the container, serve it, record its end,
 * restart it as the policy says, clean up, exit.  Its State writes are the
 * transitions of docs/containers.md ("The monitor").
 */

static int sigchld_fd = -1;

static void on_sigchld(int sig)
{
	int saved = errno;

	(void)sig;
	if (write(sigchld_fd, "c", 1) < 0) {
		/* the pipe is full: a wake-up is pending already */
	}
	errno = saved;
}

static void on_sigpipe(int sig)
{
	(void)sig; /* a handler, not SIG_IGN: the container must not inherit an ignored SIGPIPE */
}

int mon_install_signals(struct monitor *m, struct berth_error **err)
{
	struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };

	if (pipe2(m->sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return berth_error_errno(err, "pipe");
	sigchld_fd = m->sig_pipe[1];
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return berth_error_errno(err, "sigaction");
	sa.sa_handler = on_sigpipe;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGPIPE, &sa, NULL);
	/* The container's processes are our children or grandchildren: reap them all. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return berth_error_errno(err, "PR_SET_CHILD_SUBREAPER");
	return 0;
}

static int take_lock(struct monitor *m, struct berth_error **err)
{
	/* the directory itself, in an open file description of the lock's own */
	int fd = openat(m->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return berth_error_errno(err, "open the container's directory");
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		if (errno == EWOULDBLOCK)
			return berth_error_set(err, EBUSY, "container %.12s is already running",
					       m->id);
		return berth_error_errno(err, "lock the container's directory");
	}
	m->lock_fd = fd;
	return 0; /* held until exit (across the idle re-exec too): the fd is never closed */
}

static int setup(struct monitor *m, const char *root, const char *conf_path, const char *id,
		 struct berth_error **err)
{
	int ret;

	snprintf(m->id, sizeof(m->id), "%s", id);
	if ((ret = berth_engine_open(root, conf_path, &m->e, err)) < 0)
		return ret;
	m->dirfd = berth_ctr_dirfd(m->e, m->id, err);
	if (m->dirfd < 0)
		return m->dirfd;
	/* attach.sock and a json-file log come once the container is started (mon_start_run) */
	if ((ret = take_lock(m, err)) < 0 || (ret = mon_install_signals(m, err)) < 0 ||
	    (ret = mon_load_settings(m, &m->record, err)) < 0)
		return ret;
	return 0;
}

/* The status fd: "ok", or "err <errno> <message>"; then closed. */
static void report(struct monitor *m, int code, const char *msg)
{
	char buf[1024];
	int n;

	if (m->status_fd < 0)
		return;
	if (code == 0)
		n = snprintf(buf, sizeof(buf), "ok");
	else
		n = snprintf(buf, sizeof(buf), "err %d %s", code, msg);
	berth_write_all(m->status_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	close(m->status_fd);
	m->status_fd = -1;
}

/* A start that failed: the State says why, with the shell's exit codes. */
static void record_failure(struct monitor *m, const struct berth_error *err)
{
	int code = err != NULL ? err->code : EIO;

	m->st.status =
	    m->was_created && m->st.restart_count == 0 ? BERTH_CTR_CREATED : BERTH_CTR_EXITED;
	m->st.running = m->st.paused = m->st.restarting = false;
	m->st.pid = 0;
	m->st.exit_code = code == ENOENT ? 127 : code == EACCES || code == EPERM ? 126 : 128;
	snprintf(m->st.error, sizeof(m->st.error), "%s", err != NULL ? err->msg : "start failed");
	mon_write_state(m, NULL);
	report(m, code, m->st.error);
}

static void set_restarting(struct monitor *m)
{
	m->st.status = BERTH_CTR_RESTARTING;
	m->st.running = m->st.restarting = true;
}

static void broadcast_exit(struct monitor *m)
{
	int32_t code = m->st.exit_code;

	mon_broadcast(m, 0, BERTH_ATTACH_EXIT, &code, sizeof(code));
}

/* A --rm container that will not restart: removed at the end of this run (finish). */
static void begin_removal(struct monitor *m)
{
	if (m->auto_remove && strcmp(m->policy, "no") == 0)
		m->removing = true;
}

/* Serves runs until the container is to stay down; one has just started. */
static void serve_runs(struct monitor *m)
{
	struct berth_error *err = NULL;

	for (;;) {
		bool again;

		mon_serve(m, true);
		if (!m->exited) { /* the loop failed: end the run the hard way */
			mon_stop_escalate(m);
			waitpid(m->init, &m->wait_status, 0);
		}
		mon_end_run(m); /* the cgroup's delete first: the longest part of a removal */
		begin_removal(m);
		if ((again = mon_should_restart(m)))
			set_restarting(m);
		if (m->removing && !again) /* --rm: removed next, no State to write first */
			berth_ctr_load(m->e, m->id, &m->record, NULL);
		else
			mon_write_state(m, NULL);
		broadcast_exit(m);
		if (!again)
			return;
		mon_serve(m, false);
		m->restart_at = 0;
		if (m->no_restart) { /* stopped while waiting to restart */
			m->st.status = BERTH_CTR_EXITED;
			m->st.running = m->st.restarting = false;
			mon_write_state(m, NULL);
			return;
		}
		if (mon_start_run(m, &err) < 0) {
			record_failure(m, err);
			berth_error_clear(&err);
			return;
		}
	}
}

/* Runs until the container is to stay down. */
static void life(struct monitor *m)
{
	struct berth_error *err = NULL;

	if (mon_start_run(m, &err) < 0) {
		record_failure(m, err);
		berth_error_free(err);
		return;
	}
	report(m, 0, "");
	serve_runs(m); /* re-executes as the idle monitor if the run lasts (monitor-loop.c) */
}

/*
 * --rm: the processes, cgroup and rootfs are gone, the directory set aside
 * and the name and anonymous volumes released (the record as last written,
 * if there is one) when this returns; what is left to free, after the client
 * is told (finish), is files.
 */
static void remove_container(struct monitor *m)
{
	struct berth_error *err = NULL;

	/*
	 * The rootfs off here, while the cgroup goes in its thread (mon_end_delete):
	 * one thread more would wait for a CPU (two here) as long as it saves.
	 */
	berth_ctr_rootfs_umount(m->e, m->id, NULL);
	mon_end_wait(m);
	if (m->record != NULL) {
		if (berth_ctr_remove_loaded(m->e, m->record, true, true, &err) < 0)
			mon_write_state(m, NULL); /* it stays: its end, as `ps -a` shows it */
	} else {
		berth_ctr_remove_files_volumes(m->e, m->id, true, &err);
	}
	m->removing = false;
	berth_error_free(err);
	berth_ctr_free(m->record);
	m->record = NULL;
}

static void finish(struct monitor *m)
{
	struct berth_error *err = NULL;

	mon_flush_clients(m, 5000);
	/* --rm: unmounted by remove_container, below */
	if (!m->auto_remove && berth_ctr_rootfs_umount(m->e, m->id, &err) < 0) {
		snprintf(m->st.error, sizeof(m->st.error), "%s", err->msg);
		mon_write_state(m, NULL);
		berth_error_clear(&err);
	}
	mon_log_close(m->log);
	m->log = NULL;
	berth_attach_unlink(m->e, m->id); /* connected clients stay */
	if (!m->auto_remove) {
		mon_close_clients(m);
		return;
	}
	remove_container(m);
	mon_close_clients(m); /* `run --rm` returns: the container is gone */
	/* Files only from here: nothing any command sees, nothing anyone waits for. */
	mon_end_delete_rest(m);
	mon_reclaim(m);
	berth_ctr_reclaim_removed(m->e);
}

/* The idle image (monitor-idle-main.c) goes on from here: a run is under way. */
int mon_resume(struct monitor *m)
{
	serve_runs(m);
	finish(m);
	berth_engine_free(m->e);
	return 0;
}

int berth_monitor_main(const char *exe, const char *root, const char *conf_path, const char *id,
		       int status_fd, int attach_fd, int cgroup_fd)
{
	struct monitor m = {
		.exe = exe,
		.dirfd = -1,
		.lock_fd = -1,
		.listen_fd = -1,
		.status_fd = status_fd,
		.cgroup_fd = cgroup_fd,
		.sig_pipe = { -1, -1 },
		.out_fd = -1,
		.err_fd = -1,
		.in_fd = -1,
		.console = -1,
	};
	struct berth_error *err = NULL;

	mon_mem_init();
	if (attach_fd >= 0)
		mon_client_add(&m, attach_fd, BERTH_ATTACH_WANT_ALL);
	if (setup(&m, root, conf_path, id, &err) < 0) {
		mon_cgroup_fd_close(&m);
		report(&m, err->code, err->msg);
		berth_error_free(err);
		berth_ctr_free(m.record);
		return 1;
	}
	life(&m);
	finish(&m);
	berth_engine_free(m.e);
	return 0;
}
