/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "engine/log-internal.h"
#include "engine/monitor-idle.h"
#include "engine/monitor-internal.h"
#include "engine/monitor.h"

/*
 * The idle monitor: the image monitor-idle.c executes once a run has started.
 * It takes the state and fds over, opens again what it needs (the engine, the
 * container's directory, the log driver, the self-pipe), closes anything else
 * it inherited, and serves the run on as the monitor that started it would.
 */

static int read_exact(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* st.status points at one of these constants (compared by value elsewhere, too). */
static const char *status_const(const char *s)
{
	static const char *const known[] = { BERTH_CTR_CREATED, BERTH_CTR_RUNNING,
					     BERTH_CTR_PAUSED,	BERTH_CTR_RESTARTING,
					     BERTH_CTR_EXITED,	BERTH_CTR_DEAD };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return BERTH_CTR_RUNNING;
}

static int read_clients(struct monitor *m, int fd, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct mon_idle_client ic;
		struct mon_client *c;

		if (read_exact(fd, &ic, sizeof(ic)) < 0 || ic.qlen > (64u << 20))
			return -1;
		if (mon_client_add(m, ic.fd, ic.want) < 0)
			return -1;
		if (ic.qlen == 0)
			continue;
		c = &m->clients[m->n_clients - 1];
		if ((c->queue = malloc(ic.qlen)) == NULL || read_exact(fd, c->queue, ic.qlen) < 0)
			return -1;
		c->qlen = ic.qlen;
	}
	return 0;
}

/* Unfinished log lines carried across the exec, written again once the log is open. */
struct pending {
	char *data[2];
	size_t len[2];
};

static int read_pending(int fd, const struct mon_idle_head *h, struct pending *p)
{
	for (int i = 0; i < 2; i++) {
		if (h->pend_len[i] == 0)
			continue;
		if (h->pend_len[i] > BERTH_LOG_LINE_MAX ||
		    (p->data[i] = malloc(h->pend_len[i])) == NULL ||
		    read_exact(fd, p->data[i], h->pend_len[i]) < 0)
			return -1;
		p->len[i] = h->pend_len[i];
	}
	return 0;
}

static void write_pending(struct monitor *m, struct pending *p)
{
	static const enum berth_log_stream streams[2] = { BERTH_LOG_STDOUT, BERTH_LOG_STDERR };

	for (int i = 0; i < 2; i++) {
		if (p->len[i] > 0)
			mon_log_write(m->log, streams[i], p->data[i], p->len[i]);
		free(p->data[i]);
		p->data[i] = NULL;
	}
}

static int restore(struct monitor *m, int fd, char **log, size_t *log_len, struct pending *p)
{
	struct mon_idle_head h;

	if (read_exact(fd, &h, sizeof(h)) < 0 || h.magic != MON_IDLE_MAGIC || h.size != sizeof(h) ||
	    h.in_len > (1u << 20) || h.log_len > (1u << 20))
		return -1;
	if (h.log_len > 0) {
		/* the exec side wrote four NUL-terminated strings */
		if ((*log = malloc(h.log_len)) == NULL || read_exact(fd, *log, h.log_len) < 0 ||
		    (*log)[h.log_len - 1] != '\0')
			return -1;
		*log_len = h.log_len;
	}
	*m = h.m;
	m->exe = "/proc/self/exe"; /* berth-monitor now: the next run re-executes as itself */
	m->e = NULL;
	m->log = NULL;
	m->clients = NULL;
	m->n_clients = 0;
	m->removing = false;
	m->record = NULL;
	m->cg = NULL; /* reopened from the runtime's state at the run's end */
	m->deleting = m->cgroup_gone = false;
	m->n_reclaim = 0; /* closed by the exec: those files are freed */
	m->in_buf = NULL;
	m->in_len = 0;
	m->dirfd = m->status_fd = m->console = m->cgroup_fd = -1;
	m->sig_pipe[0] = m->sig_pipe[1] = -1;
	h.status[sizeof(h.status) - 1] = '\0';
	m->st.status = status_const(h.status);
	if (h.in_len > 0) {
		if ((m->in_buf = malloc(h.in_len)) == NULL ||
		    read_exact(fd, m->in_buf, h.in_len) < 0)
			return -1;
		m->in_len = h.in_len;
	}
	if (read_pending(fd, &h, p) < 0)
		return -1;
	return read_clients(m, fd, h.n_clients);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every inherited fd above 2 but the ones taken over; those get close-on-exec back. */
static void tidy_fds(struct monitor *m)
{
	int keep[8 + 64], n = 0, prev = 2;

	keep[n++] = m->lock_fd;
	keep[n++] = m->listen_fd;
	keep[n++] = m->out_fd;
	keep[n++] = m->err_fd;
	keep[n++] = m->in_fd;
	for (size_t i = 0; i < m->n_clients && n < (int)(sizeof(keep) / sizeof(keep[0])); i++)
		keep[n++] = m->clients[i].fd;
	qsort(keep, (size_t)n, sizeof(keep[0]), cmp_int);
	for (int i = 0; i < n; i++) {
		if (keep[i] <= prev)
			continue;
		if (keep[i] > prev + 1)
			close_range((unsigned)prev + 1, (unsigned)keep[i] - 1, 0);
		fcntl(keep[i], F_SETFD, FD_CLOEXEC);
		prev = keep[i];
	}
	close_range((unsigned)prev + 1, ~0u, 0);
}

/* The next of the NUL-terminated strings in [*p, end), or "" past the end. */
static const char *next_str(const char **p, const char *end)
{
	const char *s = *p;

	if (s >= end)
		return "";
	*p = s + strlen(s) + 1;
	return s;
}

/* The log driver from the settings the old image saved (monitor-idle.c). */
static int open_saved_log(struct monitor *m, const char *log, size_t len)
{
	const char *p = log, *end = log + len, *conf;
	struct berth_log_info info = { .id = m->id };
	json_object *lc = NULL;
	struct berth_error *err = NULL;
	char *dir = berth_ctr_dir(m->e, m->id);
	int ret;

	info.name = next_str(&p, end);
	info.image_name = next_str(&p, end);
	info.image_id = next_str(&p, end);
	conf = next_str(&p, end);
	info.dir = dir;
	if (dir == NULL || (conf[0] != '\0' && (lc = json_tokener_parse(conf)) == NULL)) {
		free(dir);
		return -1;
	}
	info.log_config = lc;
	ret = mon_log_open(&info, &m->log, &err);
	berth_error_free(err);
	json_object_put(lc);
	free(dir);
	return ret;
}

/* Settings from the record, for the log driver; the rest as the old image had it. */
static void open_log(struct monitor *m)
{
	struct monitor saved = *m;
	struct berth_error *err = NULL;
	struct berth_log *log;

	if (mon_load_settings(m, NULL, &err) < 0)
		berth_error_free(err); /* the run goes on unlogged rather than unmonitored */
	log = m->log;
	*m = saved;
	m->log = log;
}

int berth_monitor_idle_main(const char *root, const char *conf_path, const char *id, int state_fd)
{
	struct monitor m;
	struct berth_error *err = NULL;
	struct pending pend = { { NULL, NULL }, { 0, 0 } };
	char *log = NULL;
	size_t log_len = 0;
	int ret;

	mon_mem_init();
	prctl(PR_SET_NAME, "berth-monitor"); /* not "exe" */
	ret = restore(&m, state_fd, &log, &log_len, &pend);
	close(state_fd);
	if (ret < 0 || strcmp(m.id, id) != 0) {
		free(log);
		free(pend.data[0]);
		free(pend.data[1]);
		return 1; /* as a killed monitor: `rm -f` cleans up, `stop` kills */
	}
	tidy_fds(&m);
	if (berth_engine_open(root, conf_path, &m.e, &err) < 0 ||
	    (m.dirfd = berth_ctr_dirfd(m.e, m.id, &err)) < 0 || mon_install_signals(&m, &err) < 0) {
		berth_error_free(err);
		free(log);
		free(pend.data[0]);
		free(pend.data[1]);
		return 1;
	}
	/* the init may have ended during the exec, its SIGCHLD lost: reap now */
	if (write(m.sig_pipe[1], "c", 1) < 0) {
		/* cannot happen: a fresh pipe has room */
	}
	if (log == NULL || open_saved_log(&m, log, log_len) < 0)
		open_log(&m);
	free(log);
	write_pending(&m, &pend);
	m.trim_due = true; /* what the setup touched goes once the loop waits */
	return mon_resume(&m);
}
