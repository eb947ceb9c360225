/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/terminal.h"
#include "unit.h"

static int listen_at(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	CHECK(strlen(path) < sizeof(addr.sun_path));
	memcpy(addr.sun_path, path, strlen(path) + 1);
	CHECK(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	CHECK(listen(fd, 1) == 0);
	return fd;
}

/* Receive one fd with SCM_RIGHTS; the payload goes to @name. */
static int recv_fd(int sock, char *name, size_t size)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = name, .iov_len = size - 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cmsg;
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	int fd;

	CHECK(n > 0);
	name[n] = '\0';
	cmsg = CMSG_FIRSTHDR(&msg);
	CHECK(cmsg != NULL && cmsg->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	return fd;
}

/* Read from @fd into @buf until @want shows up (or 10 s pass). */
static void read_until(int fd, char *buf, size_t size, const char *want)
{
	size_t len = strlen(buf);

	while (strstr(buf, want) == NULL) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			FAIL("timed out waiting for \"%s\", got \"%s\"", want, buf);
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			FAIL("terminal closed before \"%s\", got \"%s\"", want, buf);
		len += (size_t)n;
		buf[len] = '\0';
	}
}

__attribute__((noreturn)) static void container_side(const char *sock_path)
{
	struct berth_error *err = NULL;
	char *slave = NULL;
	int master = -1;

	if (berth_terminal_open(&master, &slave, &err) < 0 ||
	    berth_terminal_send_master(sock_path, master, &err) < 0 ||
	    berth_terminal_setup_slave(slave, 24, 80, &err) < 0) {
		fprintf(stderr, "# %s\n", err->msg);
		_exit(2);
	}
	close(master);
	execl("/bin/busybox", "sh", "-c", "stty size; read x; echo got:$x; [ -t 0 ] && [ -t 2 ]",
	      (char *)NULL);
	_exit(3);
}

BERTH_TEST(terminal_master_reaches_console_socket)
{
	char dir[] = "/tmp/berth-term-XXXXXX", path[128], name[64], buf[4096] = { 0 };
	int lfd, conn, master, status;
	pid_t pid;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/console.sock", dir);
	lfd = listen_at(path);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		container_side(path);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	unlink(path);
	rmdir(dir);
	CHECK(conn >= 0);
	master = recv_fd(conn, name, sizeof(name));
	CHECK_STR(name, "/dev/ptmx");
	read_until(master, buf, sizeof(buf), "24 80");
	CHECK(write(master, "ping\n", 5) == 5);
	read_until(master, buf, sizeof(buf), "got:ping");
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), ==, 0);
}

BERTH_TEST(terminal_console_socket_errors_name_the_path)
{
	struct berth_error *err = NULL;

	CHECK_INT(berth_terminal_send_master("/nonexistent/berth.sock", 0, &err), ==, -ENOENT);
	CHECK_STR(err->msg, "connect to console socket '/nonexistent/berth.sock': No such file "
			    "or directory");
	berth_error_free(err);
}
