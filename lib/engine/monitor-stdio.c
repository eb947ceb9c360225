/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/monitor-internal.h"
#include "util/cleanup.h"

/*
 * The container's stdio.  The init inherits the monitor's fds 0-2 at
 * create, so they are pointed at fresh pipes for the create and back at
 * /dev/null after; with a terminal the runtime hands the pty master over.
 */

/* Stdin the container has not read yet, at most this much, then clients wait. */
#define STDIN_BUF_MAX (64u << 10)

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Put @fd on @target (without close-on-exec) and close @fd. */
static int move_to(int fd, int target)
{
	if (dup2(fd, target) < 0)
		return -1;
	close(fd);
	return 0;
}

static int pipes(struct monitor *m, struct berth_error **err)
{
	int out[2], errp[2], in[2];

	if (pipe2(out, O_CLOEXEC) < 0)
		return berth_error_errno(err, "pipe");
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return berth_error_errno(err, "pipe");
	}
	m->out_fd = out[0];
	m->err_fd = errp[0];
	if (move_to(out[1], 1) < 0 || move_to(errp[1], 2) < 0)
		return berth_error_errno(err, "dup2");
	if (!m->open_stdin)
		return 0;
	if (pipe2(in, O_CLOEXEC) < 0)
		return berth_error_errno(err, "pipe");
	m->in_fd = in[1];
	if (move_to(in[0], 0) < 0)
		return berth_error_errno(err, "dup2");
	return 0;
}

int mon_stdio_prepare(struct monitor *m, struct berth_error **err)
{
	m->out_fd = m->err_fd = m->in_fd = m->console = -1;
	m->in_len = 0;
	m->in_close = false;
	if (m->tty)
		return 0; /* the runtime hands the master over in m->console */
	return pipes(m, err);
}

static void null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		dup2(fd, i);
	close(fd);
}

/* After create (successful or not): the monitor's 0-2 go back to /dev/null. */
void mon_stdio_after_create(struct monitor *m)
{
	int console_fd = m->console;

	m->console = -1;
	null_stdio();
	if (m->tty && console_fd >= 0) {
		fcntl(console_fd, F_SETFD, FD_CLOEXEC);
		fcntl(console_fd, F_SETFL, fcntl(console_fd, F_GETFL) | O_NONBLOCK);
		m->out_fd = console_fd;
		if (m->open_stdin)
			m->in_fd = fcntl(console_fd, F_DUPFD_CLOEXEC, 3);
	}
	if (m->out_fd >= 0 && !m->tty)
		fcntl(m->out_fd, F_SETFL, O_NONBLOCK);
	if (m->err_fd >= 0)
		fcntl(m->err_fd, F_SETFL, O_NONBLOCK);
	if (m->in_fd >= 0 && !m->tty)
		fcntl(m->in_fd, F_SETFL, O_NONBLOCK);
}

void mon_stdio_close(struct monitor *m)
{
	close_fd(&m->out_fd);
	close_fd(&m->err_fd);
	close_fd(&m->in_fd);
	free(m->in_buf);
	m->in_buf = NULL;
	m->in_len = 0;
}

/* Readable (or hung up) output: to the log driver and to the clients. */
void mon_on_output(struct monitor *m, int *fd, enum berth_log_stream stream)
{
	char buf[BERTH_ATTACH_MAX_DATA];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* EOF, or EIO from a pty whose slave is gone */
		mon_log_flush_stream(m->log, stream);
		if (m->tty && *fd == m->out_fd)
			close_fd(&m->in_fd);
		close_fd(fd);
		return;
	}
	mon_log_write(m->log, stream, buf, (size_t)n);
	if (stream == BERTH_LOG_STDOUT)
		mon_broadcast(m, BERTH_ATTACH_WANT_STDOUT, BERTH_ATTACH_STDOUT, buf, (size_t)n);
	else
		mon_broadcast(m, BERTH_ATTACH_WANT_STDERR, BERTH_ATTACH_STDERR, buf, (size_t)n);
}

/* Write what is buffered without blocking; the rest waits for POLLOUT. */
void mon_stdin_flush(struct monitor *m)
{
	while (m->in_fd >= 0 && m->in_len > 0) {
		ssize_t n = write(m->in_fd, m->in_buf, m->in_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) { /* the container closed its stdin */
			m->in_len = 0;
			close_fd(&m->in_fd);
			return;
		}
		memmove(m->in_buf, m->in_buf + n, m->in_len - (size_t)n);
		m->in_len -= (size_t)n;
	}
	if (m->in_len == 0 && m->in_close) {
		m->in_close = false;
		if (m->tty) {
			/* a terminal's end of input is an EOF character */
			if (m->in_fd >= 0 && write(m->in_fd, "\x04", 1) < 0) {
				/* the pty is gone: nothing to end */
			}
			return;
		}
		close_fd(&m->in_fd);
	}
}

void mon_stdin_data(struct monitor *m, const char *buf, size_t len)
{
	char *p;

	if (m->in_fd < 0 || len == 0 || m->in_len + len > STDIN_BUF_MAX + BERTH_ATTACH_MAX_DATA)
		return;
	p = realloc(m->in_buf, m->in_len + len);
	if (p == NULL)
		return;
	m->in_buf = p;
	memcpy(m->in_buf + m->in_len, buf, len);
	m->in_len += len;
	mon_stdin_flush(m);
}

void mon_stdin_eof(struct monitor *m)
{
	m->in_close = true;
	mon_stdin_flush(m);
}

void mon_resize(struct monitor *m, uint16_t rows, uint16_t cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };

	if (m->tty && m->out_fd >= 0)
		ioctl(m->out_fd, TIOCSWINSZ, &ws);
}
