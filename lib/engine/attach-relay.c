/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "engine/attach.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* The attach client's loop: our stdio ↔ the monitor (run, start -a, attach). */

static const int proxied[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	char c = (char)sig;
	int saved = errno;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* full: the loop is behind, dropping a signal is acceptable */
	}
	errno = saved;
}

struct relay {
	const struct berth_attach_io *io;
	int sock;
	int tty_fd; /* where the window size is read, or -1 */
	bool in_open;
	struct termios saved;
	bool raw;
	struct sigaction old[BERTH_ARRAY_SIZE(proxied) + 1];
};

static void set_handlers(struct relay *r, bool on)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(proxied); i++)
		if (r->io->sig_proxy && !r->io->tty)
			sigaction(proxied[i], on ? &sa : &r->old[i], on ? &r->old[i] : NULL);
	if (r->tty_fd >= 0)
		sigaction(SIGWINCH, on ? &sa : &r->old[BERTH_ARRAY_SIZE(proxied)],
			  on ? &r->old[BERTH_ARRAY_SIZE(proxied)] : NULL);
}

static void send_size(struct relay *r)
{
	struct winsize ws;
	uint16_t rc[2];

	if (r->tty_fd < 0 || ioctl(r->tty_fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return;
	rc[0] = ws.ws_row;
	rc[1] = ws.ws_col;
	berth_attach_send(r->sock, BERTH_ATTACH_RESIZE, rc, sizeof(rc), NULL);
}

static void make_raw(struct relay *r)
{
	struct termios t;

	if (r->io->in_fd < 0 || !isatty(r->io->in_fd) || tcgetattr(r->io->in_fd, &r->saved) < 0)
		return;
	t = r->saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST; /* keep \n → \r\n for our own output */
	if (tcsetattr(r->io->in_fd, TCSANOW, &t) == 0)
		r->raw = true;
}

static int on_stdin(struct relay *r, struct berth_error **err)
{
	char buf[BERTH_ATTACH_MAX_DATA];
	ssize_t n = read(r->io->in_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		r->in_open = false;
		return berth_attach_send(r->sock, BERTH_ATTACH_EOF, NULL, 0, err);
	}
	return berth_attach_send(r->sock, BERTH_ATTACH_STDIN, buf, (size_t)n, err);
}

static void on_signals(struct relay *r)
{
	char sigs[32];
	ssize_t n = read(sig_pipe[0], sigs, sizeof(sigs));

	for (ssize_t i = 0; i < n; i++) {
		int32_t sig = sigs[i];

		if (sig == SIGWINCH)
			send_size(r);
		else
			berth_attach_send(r->sock, BERTH_ATTACH_KILL, &sig, sizeof(sig), NULL);
	}
}

/* 1: the exit message came (*code), 0: the monitor hung up, else a message was handled. */
static int on_message(struct relay *r, int *code, struct berth_error **err)
{
	char msg[BERTH_ATTACH_MAX_MSG];
	int32_t c;
	ssize_t n = recv(r->sock, msg, sizeof(msg), 0);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 2;
	if (n < 0)
		return berth_error_errno(err, "read from the monitor");
	if (n == 0)
		return 0;
	switch (msg[0]) {
	case BERTH_ATTACH_STDOUT:
	case BERTH_ATTACH_STDERR: {
		int fd = msg[0] == BERTH_ATTACH_STDOUT ? r->io->out_fd : r->io->err_fd;

		if (fd >= 0 && berth_write_all(fd, msg + 1, (size_t)n - 1) < 0 && errno != EPIPE)
			return berth_error_errno(err, "write the container's output");
		return 2;
	}
	case BERTH_ATTACH_EXIT:
		if ((size_t)n < 1 + sizeof(c))
			return 2;
		memcpy(&c, msg + 1, sizeof(c));
		*code = c;
		return 1;
	default:
		return 2; /* replies to proxied signals, future types */
	}
}

static int loop(struct relay *r, int *code, struct berth_error **err)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = r->sock, .events = POLLIN },
			{ .fd = sig_pipe[0], .events = POLLIN },
			{ .fd = r->in_open ? r->io->in_fd : -1, .events = POLLIN },
		};
		int ret;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_errno(err, "poll");
		}
		if (p[1].revents)
			on_signals(r);
		if (p[0].revents) {
			ret = on_message(r, code, err);
			if (ret < 2)
				return ret;
		}
		if (p[2].revents && (ret = on_stdin(r, err)) < 0) {
			/* the monitor is gone; its hang-up ends the loop */
			berth_error_clear(err);
			r->in_open = false;
		}
	}
}

int berth_attach_relay(int sock, const struct berth_attach_io *io, int *exit_code,
		       struct berth_error **err)
{
	struct relay r = { .io = io, .sock = sock, .tty_fd = -1, .in_open = io->in_fd >= 0 };
	int ret;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return berth_error_errno(err, "pipe");
	if (io->tty)
		r.tty_fd = io->in_fd >= 0 && isatty(io->in_fd)	   ? io->in_fd
			   : io->out_fd >= 0 && isatty(io->out_fd) ? io->out_fd
								   : -1;
	set_handlers(&r, true);
	if (io->tty) {
		make_raw(&r);
		send_size(&r);
	}
	ret = loop(&r, exit_code, err);
	if (r.raw)
		tcsetattr(io->in_fd, TCSANOW, &r.saved);
	set_handlers(&r, false);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	return ret;
}
