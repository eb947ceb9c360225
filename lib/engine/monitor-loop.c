/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/monitor-internal.h"

/* The monitor's one poll loop: children, output, stdin, clients, timers. */

/* Output still arriving after the init's exit is read for at most this long. */
#define DRAIN_MS 2000
#define MAX_POLL (6 + 64)

/* SIGCHLD wrote to the self-pipe: reap every child, noting the init's status. */
static void reap(struct monitor *m)
{
	char buf[64];
	int status;
	pid_t pid;

	while (read(m->sig_pipe[0], buf, sizeof(buf)) > 0)
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == m->init) {
			m->exited = true;
			m->wait_status = status;
		}
}

/* Milliseconds until the nearest deadline, or -1. */
static __attribute__((hot)) int next_timeout(struct monitor *m, bool running, int64_t drain_until)
{
	int64_t now = mon_now_ms(), t = -1;
	int64_t dl[3] = { m->kill_at, running ? drain_until : m->restart_at,
			  running && !m->exited ? m->idle_at : 0 };

	for (int i = 0; i < 3; i++)
		if (dl[i] > 0 && (t < 0 || dl[i] - now < t))
			t = dl[i] > now ? dl[i] - now : 0;
	return (int)t;
}

static __attribute__((hot)) bool finished(struct monitor *m, bool running, int64_t *drain_until)
{
	int64_t now = mon_now_ms();

	if (!running)
		return m->no_restart || now >= m->restart_at;
	if (!m->exited)
		return false;
	if (m->out_fd < 0 && m->err_fd < 0)
		return true;
	if (*drain_until == 0)
		*drain_until = now + DRAIN_MS;
	return now >= *drain_until;
}

static __attribute__((hot)) size_t add(struct pollfd *p, size_t n, int fd, short events)
{
	p[n] = (struct pollfd){ .fd = fd, .events = events };
	return n + 1;
}

static __attribute__((hot)) size_t fill(struct monitor *m, struct pollfd *p)
{
	bool stdin_full = m->in_len >= BERTH_ATTACH_MAX_DATA * 4;
	size_t n = 0;

	n = add(p, n, m->sig_pipe[0], POLLIN);
	n = add(p, n, m->listen_fd, POLLIN);
	n = add(p, n, m->out_fd, POLLIN);
	n = add(p, n, m->err_fd, POLLIN);
	n = add(p, n, m->in_len > 0 ? m->in_fd : -1, POLLOUT);
	for (size_t i = 0; i < m->n_clients && n < MAX_POLL; i++) {
		const struct mon_client *c = &m->clients[i];
		short ev = 0;

		if (!stdin_full || !(c->want & BERTH_ATTACH_WANT_STDIN))
			ev |= POLLIN;
		if (c->qlen > c->qoff)
			ev |= POLLOUT;
		n = add(p, n, c->fd, ev);
	}
	return n;
}

static void on_clients(struct monitor *m, struct pollfd *p, size_t n)
{
	for (size_t k = 5; k < n; k++) {
		size_t i;

		if (p[k].revents == 0)
			continue;
		/* earlier handling may have dropped clients and moved others */
		for (i = 0; i < m->n_clients && m->clients[i].fd != p[k].fd; i++)
			;
		if (i == m->n_clients)
			continue;
		if (p[k].revents & POLLOUT)
			mon_client_flush(m, i);
		if (i < m->n_clients && m->clients[i].fd == p[k].fd &&
		    (p[k].revents & (POLLIN | POLLHUP | POLLERR)))
			mon_on_client(m, i);
	}
}

/* hot: the idle path, grouped in .text.hot so few pages of it stay mapped */
__attribute__((hot)) void mon_serve(struct monitor *m, bool running)
{
	int64_t drain_until = 0;
	struct pollfd p[MAX_POLL];

	while (!finished(m, running, &drain_until)) {
		size_t n;
		int timeout;

		if (m->kill_at > 0 && mon_now_ms() >= m->kill_at)
			mon_stop_escalate(m);
		if (running && !m->exited && m->idle_at > 0 && mon_now_ms() >= m->idle_at) {
			m->idle_at = 0;
			mon_idle_exec(m); /* returns only if it could not */
		}
		n = fill(m, p);
		timeout = next_timeout(m, running, drain_until);
		/* about to wait with nothing to do: the rest is idle, trim now (monitor-mem.c) */
		if (m->trim_due && timeout != 0 && poll(p, n, 0) == 0) {
			m->trim_due = false;
			mon_trim_memory();
		}
		if (poll(p, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents)
			reap(m);
		if (p[2].revents)
			mon_on_output(m, &m->out_fd, BERTH_LOG_STDOUT);
		if (p[3].revents)
			mon_on_output(m, &m->err_fd, BERTH_LOG_STDERR);
		if (p[4].revents)
			mon_stdin_flush(m);
		on_clients(m, p, n);
		if (p[1].revents)
			mon_on_accept(m);
	}
}
