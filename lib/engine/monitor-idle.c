/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/monitor-idle.h"
#include "engine/monitor-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/*
 * Shedding the setup: once a run has lasted MON_IDLE_AFTER_MS (monitor-internal.h),
 * the monitor re-executes in idle mode as the berth-monitor executable: the
 * path `berth` resolved before forking it (start.c), or /proc/self/exe once
 * it is berth-monitor (the very file it runs, even if replaced on disk
 * since).  Creating the container with the runtime library (and, forked from
 * `berth`, the client's heap) left a fragmented heap and a deep stack behind;
 * the new image starts from a fresh heap and stack and has never touched the
 * runtime library, so only what the idle loop uses is resident.  The pid
 * stays, so the init stays our child.
 *
 * Crossing the exec: every fd the loop needs (the lock on the container's directory — the same open
 * file description, so the flock holds —, the attach socket and clients, the
 * container's stdio) loses close-on-exec for the exec only; everything else
 * (the engine's directories, the log file, the self-pipe) is close-on-exec and
 * is opened again.  The rest of the state goes in a memfd (monitor-idle.h).
 */

static int put(int fd, const void *buf, size_t len)
{
	return len == 0 ? 0 : berth_write_all(fd, buf, len);
}

/*
 * The log driver's settings from the record, so the idle image opens the
 * driver without parsing the record (json-c's freed blocks would stay in its
 * fresh heap).  NULL (the idle image reads the record itself) on any failure.
 */
static char *log_settings(struct monitor *m, size_t *len)
{
	struct berth_ctr *c = NULL;
	json_object *lc = NULL;
	const char *image = "", *image_id = "", *conf = "", *name;
	char *out = NULL;
	size_t n[4];

	if (berth_ctr_load(m->e, m->id, &c, NULL) < 0)
		return NULL;
	berth_json_string(berth_ctr_config(c), "Config", "Image", &image, NULL);
	berth_json_string(c->record, "", "Image", &image_id, NULL);
	if (berth_json_object(berth_ctr_hostconfig(c), "HostConfig", "LogConfig", &lc, NULL) == 1)
		conf = json_object_to_json_string_ext(lc, JSON_C_TO_STRING_PLAIN);
	name = berth_ctr_name(c) != NULL ? berth_ctr_name(c) : "";
	n[0] = strlen(name) + 1;
	n[1] = strlen(image) + 1;
	n[2] = strlen(image_id) + 1;
	n[3] = strlen(conf) + 1;
	*len = n[0] + n[1] + n[2] + n[3];
	if ((out = malloc(*len)) != NULL) {
		memcpy(out, name, n[0]);
		memcpy(out + n[0], image, n[1]);
		memcpy(out + n[0] + n[1], image_id, n[2]);
		memcpy(out + n[0] + n[1] + n[2], conf, n[3]);
	}
	berth_ctr_free(c);
	return out;
}

/* The blob: header, log settings, stdin not yet taken, each client and its queue. */
static int save(struct monitor *m, int fd)
{
	struct mon_idle_head h = {
		.magic = MON_IDLE_MAGIC,
		.size = sizeof(h),
		.m = *m,
		.in_len = m->in_len,
		.n_clients = m->n_clients,
	};
	size_t log_len = 0;
	cleanup_free char *log = log_settings(m, &log_len);
	const char *pend[2] = { NULL, NULL };

	if (m->log != NULL) {
		h.pend_len[0] = berth_log_pending(m->log, BERTH_LOG_STDOUT, &pend[0]);
		h.pend_len[1] = berth_log_pending(m->log, BERTH_LOG_STDERR, &pend[1]);
	}
	h.log_len = log != NULL ? log_len : 0;
	snprintf(h.status, sizeof(h.status), "%s", m->st.status != NULL ? m->st.status : "");
	if (put(fd, &h, sizeof(h)) < 0 || put(fd, log, h.log_len) < 0 ||
	    put(fd, m->in_buf, m->in_len) < 0 || put(fd, pend[0], h.pend_len[0]) < 0 ||
	    put(fd, pend[1], h.pend_len[1]) < 0)
		return -1;
	for (size_t i = 0; i < m->n_clients; i++) {
		const struct mon_client *c = &m->clients[i];
		struct mon_idle_client ic = { .fd = c->fd,
					      .want = c->want,
					      .qlen = c->qlen - c->qoff };

		if (put(fd, &ic, sizeof(ic)) < 0 || put(fd, c->queue + c->qoff, ic.qlen) < 0)
			return -1;
	}
	return 0;
}

static void set_cloexec(int fd, bool on)
{
	int fl;

	if (fd < 0 || (fl = fcntl(fd, F_GETFD)) < 0)
		return;
	fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

/* The fds the idle process takes over: inherited across the exec iff @keep. */
static void pass_fds(struct monitor *m, int state_fd, bool keep)
{
	int fds[] = { m->lock_fd, m->listen_fd, m->out_fd, m->err_fd, m->in_fd, state_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		set_cloexec(fds[i], !keep);
	for (size_t i = 0; i < m->n_clients; i++)
		set_cloexec(m->clients[i].fd, !keep);
}

static void do_exec(struct monitor *m, int state_fd)
{
	extern char **environ;
	char fdarg[16];
	char *argv[] = {
		"berth-monitor", "--root", m->e->root, "--config", (char *)m->e->conf_path,
		"--idle",	 fdarg,	   m->id,      NULL,
	};

	snprintf(fdarg, sizeof(fdarg), "%d", state_fd);
	pass_fds(m, state_fd, true);
	execve(m->exe, argv, environ);
	pass_fds(m, state_fd, false); /* failed: carry on in this process */
}

void mon_idle_exec(struct monitor *m)
{
	int fd;

	m->trim_due = false;
	if (getenv("BERTH_MONITOR_NO_REEXEC") == NULL && m->lock_fd >= 0 && m->e != NULL) {
		fd = memfd_create("berth-monitor-state", MFD_CLOEXEC);
		if (fd >= 0 && save(m, fd) == 0 && lseek(fd, 0, SEEK_SET) == 0)
			do_exec(m, fd);
		if (fd >= 0)
			close(fd);
	}
	m->trim_due = true; /* no fresh image: make the best of this one */
}
