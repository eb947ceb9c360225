/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "engine/monitor.h"
#include "util/cleanup.h"

/*
 * berth_ctr_start: spawn the container's monitor, detached (its own session,
 * reparented at once by a double fork), with exactly fds 0-2 on /dev/null,
 * 3 the status pipe and 4 the attach socket; then wait for its report.
 */

#define MONITOR_NAME "berth-monitor"

/* $BERTH_MONITOR, or berth-monitor next to the running executable. */
static int monitor_path(char *out, size_t size, struct berth_error **err)
{
	const char *env = getenv("BERTH_MONITOR");
	char self[PATH_MAX];
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(out, size, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return berth_error_errno(err, "readlink /proc/self/exe");
	self[n] = '\0';
	snprintf(out, size, "%s/" MONITOR_NAME, dirname(self));
	if (access(out, X_OK) < 0)
		return berth_error_errno(err, "monitor '%s'", out);
	return 0;
}

/* In the grandchild: only async-signal-safe calls from here to execv. */
static void exec_monitor(const char *path, char *const argv[], int status_w, int attach_fd)
{
	int nul = open("/dev/null", O_RDWR);
	int s = fcntl(status_w, F_DUPFD, 10);
	int a = attach_fd >= 0 ? fcntl(attach_fd, F_DUPFD, 10) : -1;

	if (nul < 0 || s < 0 || chdir("/") < 0)
		_exit(127);
	dup2(nul, 0);
	dup2(nul, 1);
	dup2(nul, 2);
	dup2(s, 3);
	if (a >= 0)
		dup2(a, 4);
	else
		dup2(nul, 4);
	syscall(SYS_close_range, 5, ~0U, 0);
	execv(path, argv);
	if (write(3, "err 2 cannot execute the monitor", 32) < 0)
		_exit(127);
	_exit(127);
}

static int spawn(const char *path, char *const argv[], int status_w, int attach_fd,
		 struct berth_error **err)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return berth_error_errno(err, "fork");
	if (pid == 0) {
		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid == 0)
			exec_monitor(path, argv, status_w, attach_fd);
		_exit(pid < 0 ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return berth_error_set(err, ECHILD, "could not spawn the monitor");
	return 0;
}

/* "ok", or "err <errno> <message>"; nothing means the monitor died early. */
static int read_report(int fd, const char *id, struct berth_error **err)
{
	char buf[1100];
	size_t len = 0;
	ssize_t n;
	int code;
	int off = 0;

	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_errno(err, "read the monitor's report");
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (strcmp(buf, "ok") == 0)
		return 0;
	if (sscanf(buf, "err %d %n", &code, &off) == 1 && off > 0 && code > 0)
		return berth_error_set(err, code, "%s", buf + off);
	return berth_error_set(err, EIO, "the monitor of %.12s exited before starting it", id);
}

int berth_ctr_start(struct berth_engine *e, const char *id, int attach_fd, struct berth_error **err)
{
	char path[PATH_MAX], idbuf[BERTH_CTR_ID_LEN + 1];
	char *argv[8];
	int argc = 0, p[2], ret;

	if (berth_ctr_monitor_alive(e, id))
		return berth_error_set(err, EALREADY, "container %.12s is already running", id);
	if ((ret = monitor_path(path, sizeof(path), err)) < 0)
		return ret;
	snprintf(idbuf, sizeof(idbuf), "%s", id);
	argv[argc++] = (char *)MONITOR_NAME;
	argv[argc++] = (char *)"--root";
	argv[argc++] = e->root;
	if (e->conf_path != NULL) {
		argv[argc++] = (char *)"--config";
		argv[argc++] = (char *)e->conf_path;
	}
	argv[argc++] = idbuf;
	argv[argc] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return berth_error_errno(err, "pipe");
	ret = spawn(path, argv, p[1], attach_fd, err);
	close(p[1]);
	if (ret == 0)
		ret = read_report(p[0], id, err);
	close(p[0]);
	return ret;
}
