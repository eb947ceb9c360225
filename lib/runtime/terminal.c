/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util/cleanup.h"

#define PTMX_NAME "/dev/ptmx"

int berth_terminal_open(int *master, char **slave_path, struct berth_error **err)
{
	cleanup_close int fd = -1;
	char name[64];
	char *copy;
	int ret;

	fd = open(PTMX_NAME, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "process.terminal: open '%s'", PTMX_NAME);
	if (unlockpt(fd) < 0)
		return berth_error_errno(err, "process.terminal: unlockpt");
	ret = ptsname_r(fd, name, sizeof(name));
	if (ret != 0) {
		errno = ret;
		return berth_error_errno(err, "process.terminal: ptsname");
	}
	copy = strdup(name);
	if (copy == NULL)
		return berth_error_set(err, ENOMEM, "process.terminal: out of memory");
	*slave_path = copy;
	*master = steal_fd(&fd);
	return 0;
}

static int dup_stdio(int fd, struct berth_error **err)
{
	for (int target = 0; target < 3; target++) {
		/* dup2 onto itself keeps O_CLOEXEC, which execve would then honour. */
		if (target == fd && fcntl(fd, F_SETFD, 0) < 0)
			return berth_error_errno(err, "process.terminal: clear FD_CLOEXEC");
		if (target != fd && dup2(fd, target) < 0)
			return berth_error_errno(err, "process.terminal: dup2 onto fd %d", target);
	}
	return 0;
}

int berth_terminal_setup_slave(const char *slave_path, unsigned height, unsigned width,
			       struct berth_error **err)
{
	cleanup_close int fd = -1;
	int ret;

	/* A new session has no controlling terminal, so TIOCSCTTY can take this one. */
	if (setsid() < 0)
		return berth_error_errno(err, "process.terminal: setsid");
	fd = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "process.terminal: open '%s'", slave_path);
	if (ioctl(fd, TIOCSCTTY, 0) < 0)
		return berth_error_errno(err, "process.terminal: TIOCSCTTY '%s'", slave_path);
	if (height > 0 && width > 0) {
		struct winsize ws = { .ws_row = (unsigned short)height,
				      .ws_col = (unsigned short)width };

		if (height > 0xffff || width > 0xffff)
			return berth_error_set(
			    err, EINVAL, "process.consoleSize: %ux%u is too large", height, width);
		if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
			return berth_error_errno(err, "process.consoleSize: TIOCSWINSZ");
	}
	ret = dup_stdio(fd, err);
	if (ret < 0)
		return ret;
	if (fd < 3)
		fd = -1; /* it is one of the stdio fds now: keep it */
	return 0;
}

int berth_terminal_connect(const char *path, struct berth_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	cleanup_close int fd = -1;
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(addr.sun_path))
		return berth_error_set(
		    err, ENAMETOOLONG,
		    "console socket '%s': path is empty or longer than %zu bytes", path,
		    sizeof(addr.sun_path) - 1);
	memcpy(addr.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_errno(err, "console socket: socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return berth_error_errno(err, "connect to console socket '%s'", path);
	return steal_fd(&fd);
}

int berth_terminal_send_master_fd(int sock, int master, struct berth_error **err)
{
	char name[] = PTMX_NAME;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(control.buf, 0, sizeof(control.buf));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_errno(err, "console socket: send the terminal master");
	return 0;
}

int berth_terminal_send_master(const char *console_socket_path, int master,
			       struct berth_error **err)
{
	cleanup_close int sock = -1;

	sock = berth_terminal_connect(console_socket_path, err);
	if (sock < 0)
		return sock;
	return berth_terminal_send_master_fd(sock, master, err);
}
