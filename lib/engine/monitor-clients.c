/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/monitor-internal.h"
#include "util/cleanup.h"

/*
 * Attach clients.  Output is sent without ever blocking: what a client cannot
 * take waits in its queue, and a client whose queue passes QUEUE_MAX is
 * dropped, so a stalled reader never stalls the container.
 */

#define QUEUE_MAX (1u << 20)
#define MAX_CLIENTS 64

/* The attach socket, on the runtime's tmpfs (berth_attach_dir): no inode on the data root. */
int mon_listen(struct monitor *m, struct berth_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_close int dfd = berth_attach_dir(m->e, true, err);

	if (dfd < 0)
		return berth_error_ret(err);
	unlinkat(dfd, m->id, 0);
	/* Through the directory fd: the data root's path may exceed sun_path. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, m->id);
	m->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->listen_fd < 0)
		return berth_error_errno(err, "attach socket");
	if (bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berth_error_errno(err, "bind the attach socket");
	if (fchmodat(dfd, m->id, 0600, 0) < 0 || listen(m->listen_fd, 16) < 0)
		return berth_error_errno(err, "listen on the attach socket");
	return 0;
}

int mon_client_add(struct monitor *m, int fd, unsigned want)
{
	struct mon_client *c;

	if (m->n_clients >= MAX_CLIENTS) {
		close(fd);
		return -EMFILE;
	}
	c = realloc(m->clients, (m->n_clients + 1) * sizeof(*c));
	if (c == NULL) {
		close(fd);
		return -ENOMEM;
	}
	m->clients = c;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	m->clients[m->n_clients++] = (struct mon_client){ .fd = fd, .want = want };
	return 0;
}

void mon_client_drop(struct monitor *m, size_t i)
{
	close(m->clients[i].fd);
	free(m->clients[i].queue);
	m->clients[i] = m->clients[--m->n_clients];
	if (m->n_clients == 0) {
		free(m->clients);
		m->clients = NULL;
	}
}

void mon_close_clients(struct monitor *m)
{
	while (m->n_clients > 0)
		mon_client_drop(m, m->n_clients - 1);
}

void mon_on_accept(struct monitor *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd >= 0)
		mon_client_add(m, fd, 0);
}

/* 0: sent or queued; -1: the client was dropped. */
static int client_send(struct monitor *m, size_t i, const char *msg, size_t len)
{
	struct mon_client *c = &m->clients[i];
	uint32_t l = (uint32_t)len;
	char *q;

	if (c->qlen == c->qoff) {
		ssize_t n = send(c->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n >= 0)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
			mon_client_drop(m, i);
			return -1;
		}
	}
	if (c->qlen - c->qoff + len > QUEUE_MAX) {
		mon_client_drop(m, i);
		return -1;
	}
	if (c->qoff > 0) { /* compact before growing */
		memmove(c->queue, c->queue + c->qoff, c->qlen - c->qoff);
		c->qlen -= c->qoff;
		c->qoff = 0;
	}
	q = realloc(c->queue, c->qlen + sizeof(l) + len);
	if (q == NULL) {
		mon_client_drop(m, i);
		return -1;
	}
	c->queue = q;
	memcpy(q + c->qlen, &l, sizeof(l));
	memcpy(q + c->qlen + sizeof(l), msg, len);
	c->qlen += sizeof(l) + len;
	return 0;
}

void mon_client_flush(struct monitor *m, size_t i)
{
	struct mon_client *c = &m->clients[i];

	while (c->qoff < c->qlen) {
		uint32_t l;
		ssize_t n;

		memcpy(&l, c->queue + c->qoff, sizeof(l));
		n = send(c->fd, c->queue + c->qoff + sizeof(l), l, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			return;
		if (n < 0) {
			mon_client_drop(m, i);
			return;
		}
		c->qoff += sizeof(l) + l;
	}
	free(c->queue);
	c->queue = NULL;
	c->qlen = c->qoff = 0;
}

void mon_broadcast(struct monitor *m, unsigned want, uint8_t type, const void *buf, size_t len)
{
	char msg[BERTH_ATTACH_MAX_MSG];

	if (len > BERTH_ATTACH_MAX_DATA)
		len = BERTH_ATTACH_MAX_DATA;
	msg[0] = (char)type;
	memcpy(msg + 1, buf, len);
	/* backwards: a drop moves the last client into the dropped one's slot */
	for (size_t i = m->n_clients; i-- > 0;)
		if (want == 0 || (m->clients[i].want & want))
			client_send(m, i, msg, len + 1);
}

static void reply(struct monitor *m, size_t i, int code, const char *text)
{
	char msg[512];
	int32_t c = code;
	size_t tl = strlen(text);

	if (tl > sizeof(msg) - 1 - sizeof(c))
		tl = sizeof(msg) - 1 - sizeof(c);
	msg[0] = BERTH_ATTACH_REPLY;
	memcpy(msg + 1, &c, sizeof(c));
	memcpy(msg + 1 + sizeof(c), text, tl);
	client_send(m, i, msg, 1 + sizeof(c) + tl);
}

static void request(struct monitor *m, size_t i, const char *msg, size_t n)
{
	struct berth_error *err = NULL;
	int32_t arg = 0;
	int ret;

	if (n >= 1 + sizeof(arg))
		memcpy(&arg, msg + 1, sizeof(arg));
	ret = mon_control(m, (uint8_t)msg[0], arg, &err);
	reply(m, i, ret < 0 ? -ret : 0, err != NULL ? err->msg : "");
	berth_error_free(err);
}

void mon_on_client(struct monitor *m, size_t i)
{
	char msg[BERTH_ATTACH_MAX_MSG];
	ssize_t n = recv(m->clients[i].fd, msg, sizeof(msg), MSG_DONTWAIT);
	uint16_t rc[2];

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		mon_client_drop(m, i);
		return;
	}
	switch (msg[0]) {
	case BERTH_ATTACH_HELLO:
		if (n >= 2)
			m->clients[i].want = (unsigned char)msg[1] & BERTH_ATTACH_WANT_ALL;
		break;
	case BERTH_ATTACH_STDIN:
		mon_stdin_data(m, msg + 1, (size_t)n - 1);
		break;
	case BERTH_ATTACH_EOF:
		mon_stdin_eof(m);
		break;
	case BERTH_ATTACH_RESIZE:
		if ((size_t)n >= 1 + sizeof(rc)) {
			memcpy(rc, msg + 1, sizeof(rc));
			mon_resize(m, rc[0], rc[1]);
		}
		break;
	case BERTH_ATTACH_STOP:
	case BERTH_ATTACH_KILL:
	case BERTH_ATTACH_PAUSE:
	case BERTH_ATTACH_UNPAUSE:
		request(m, i, msg, (size_t)n);
		break;
	default:
		break; /* unknown types are ignored: newer clients */
	}
}

/* Before exiting: give clients up to @ms to take what is queued for them. */
void mon_flush_clients(struct monitor *m, int ms)
{
	int64_t end = mon_now_ms() + ms;

	for (;;) {
		struct pollfd p[MAX_CLIENTS];
		size_t n = 0;
		int64_t left = end - mon_now_ms();

		for (size_t i = 0; i < m->n_clients; i++)
			if (m->clients[i].qlen > m->clients[i].qoff)
				p[n++] =
				    (struct pollfd){ .fd = m->clients[i].fd, .events = POLLOUT };
		if (n == 0 || left <= 0 || poll(p, n, (int)left) <= 0)
			return;
		for (size_t k = 0; k < n; k++) {
			size_t i;

			for (i = 0; i < m->n_clients && m->clients[i].fd != p[k].fd; i++)
				;
			if (i < m->n_clients && p[k].revents)
				mon_client_flush(m, i);
		}
	}
}

void mon_early_resize(struct monitor *m)
{
	char msg[1 + 2 * sizeof(uint16_t)];
	uint16_t rc[2];

	for (size_t i = 0; i < m->n_clients; i++) {
		for (;;) {
			ssize_t n =
			    recv(m->clients[i].fd, msg, sizeof(msg), MSG_PEEK | MSG_DONTWAIT);

			/* Anything else waits for the serve loop, which consumes it then. */
			if (n != (ssize_t)sizeof(msg) || msg[0] != BERTH_ATTACH_RESIZE)
				break;
			if (recv(m->clients[i].fd, msg, sizeof(msg), MSG_DONTWAIT) != n)
				break;
			memcpy(rc, msg + 1, sizeof(rc));
			mon_resize(m, rc[0], rc[1]);
		}
	}
}
