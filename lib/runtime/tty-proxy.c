/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/tty-proxy.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "util/fs.h"

static volatile sig_atomic_t winch = 1; /* pass the size once at start */

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static void pass_size(int master)
{
	struct winsize ws;

	winch = 0;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Copy what is readable on @from to @to; 0 at end of input, <0 on error, 1 otherwise. */
static int pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n < 0 && errno == EIO)
		return 0; /* a pty master reads EIO once every slave is closed */
	if (n <= 0)
		return (int)n;
	return berth_write_all(to, buf, (size_t)n) < 0 ? -1 : 1;
}

static int loop(int master)
{
	struct pollfd fds[2] = { { .fd = master, .events = POLLIN },
				 { .fd = STDIN_FILENO, .events = POLLIN } };
	bool stdin_open = true;

	for (;;) {
		int n, r;

		if (winch)
			pass_size(master);
		n = poll(fds, stdin_open ? 2 : 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = pump(master, STDOUT_FILENO);
			if (r <= 0)
				return r < 0 ? -errno : 0;
		}
		if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			r = pump(STDIN_FILENO, master);
			if (r <= 0) {
				/* Our input ended: the container reads end-of-file. */
				stdin_open = false;
				if (write(master, "\004", 1) < 0 && errno != EIO)
					return -errno;
			}
		}
	}
}

int berth_tty_proxy(int master, struct berth_error **err)
{
	struct sigaction sa = { .sa_handler = on_winch }, old;
	struct termios saved, raw;
	bool is_tty = tcgetattr(STDIN_FILENO, &saved) == 0;
	int ret;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, &old);
	if (is_tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	ret = loop(master);
	if (is_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	sigaction(SIGWINCH, &old, NULL);
	close(master);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "terminal");
	}
	return 0;
}
