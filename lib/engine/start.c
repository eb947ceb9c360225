/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/cgroup-ahead.h"
#include "engine/ctr.h"
#include "engine/monitor.h"
#include "util/cleanup.h"

/*
 * berth_ctr_start: fork the container's monitor, detached (its own session),
 * with exactly fds 0-2 on /dev/null, 3 the status pipe, 4 the attach socket
 * and, at a first start from the `berth` that created the container, 5 the
 * socket on which this client sends the cgroup it makes meanwhile
 * (cgroup-ahead.h); then wait for its report.
 *
 * The child runs the monitor's body (berth_monitor_main) as it is, with
 * no exec: loading berth-monitor and opening its libraries again cost more
 * than a millisecond on the path of every start.  What it has of the client
 * is dealt with here: fds (close_range; the store's flock fds with them),
 * signal handlers and mask (reset as an exec would), stdio buffers (flushed
 * before the fork, never flushed again: _exit), atexit handlers (_exit), the
 * command line (rewritten, berth_monitor_set_title).  The heap it shares
 * with the client is shed with the rest of the setup image when a run lasts
 * and the monitor re-executes as the idle berth-monitor, whose path is
 * resolved here, before the fork.
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

/* What the child needs: copies, since the title overwrites the client's argv. */
struct spawn_args {
	char exe[PATH_MAX];
	char root[PATH_MAX];
	char conf[PATH_MAX];
	char id[BERTH_CTR_ID_LEN + 1];
	int status_w, attach_fd, cgroup_r;
};

/* The monitor's fds; the cgroup socket stays close-on-exec (no container may inherit it). */
static void arrange_fds(int status_w, int attach_fd, int cgroup_r)
{
	int nul = open("/dev/null", O_RDWR);
	int s = fcntl(status_w, F_DUPFD, 10);
	int a = attach_fd >= 0 ? fcntl(attach_fd, F_DUPFD, 10) : -1;
	int c = cgroup_r >= 0 ? fcntl(cgroup_r, F_DUPFD, 10) : -1;

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
	if (c >= 0)
		dup3(c, 5, O_CLOEXEC);
	syscall(SYS_close_range, c >= 0 ? 6 : 5, ~0U, 0);
}

/* As an exec would leave them: handlers back to the default (ignored stays ignored). */
static void reset_signals(void)
{
	struct sigaction old, dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	sigemptyset(&dfl.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_DFL &&
		    old.sa_handler != SIG_IGN)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static _Noreturn void run_monitor(const struct spawn_args *a)
{
	arrange_fds(a->status_w, a->attach_fd, a->cgroup_r);
	reset_signals();
	berth_monitor_set_title(a->root, a->id);
	_exit(berth_monitor_main(a->exe, a->root, a->conf[0] != '\0' ? a->conf : NULL, a->id, 3, 4,
				 a->cgroup_r >= 0 ? 5 : -1));
}

/*
 * One fork: the child starts its own session and is the monitor.  The client
 * never waits for it (a second fork to have it reparented at once cost a
 * fork and an exit on the path of every start): it is reparented when the
 * client exits, and a monitor that ends first is reaped by
 * berth_engine_reap_monitors (at the next start and at berth_engine_free).
 */
static int spawn(struct berth_engine *e, const struct spawn_args *a, struct berth_error **err)
{
	pid_t pid;

	berth_engine_reap_monitors(e);
	fflush(NULL); /* nothing buffered may be written twice */
	pid = fork();
	if (pid < 0)
		return berth_error_errno(err, "fork");
	if (pid == 0) {
		if (setsid() < 0)
			_exit(1);
		run_monitor(a);
	}
	berth_engine_add_monitor(e, pid);
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

/* The channel of the cgroup made ahead, when there is one: the monitor's end in a->cgroup_r. */
static int cgroup_channel(struct berth_cgroup_ahead *ahead, struct spawn_args *a, const char *id)
{
	int p[2];

	a->cgroup_r = -1;
	/* A socket, not a pipe: a monitor gone early costs an EPIPE, not a SIGPIPE (hand). */
	if (!berth_cgroup_ahead_begin(ahead, id) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -1;
	a->cgroup_r = p[0];
	return p[1];
}

int berth_ctr_start(struct berth_engine *e, const char *id, int attach_fd, struct berth_error **err)
{
	cleanup_free struct spawn_args *a = NULL;
	struct berth_cgroup_ahead ahead = { 0 };
	int p[2], ret, cgroup_w;

	if (berth_ctr_monitor_alive(e, id))
		return berth_error_set(err, EALREADY, "container %.12s is already running", id);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if ((ret = monitor_path(a->exe, sizeof(a->exe), err)) < 0)
		return ret;
	snprintf(a->root, sizeof(a->root), "%s", e->root);
	if (e->conf_path != NULL)
		snprintf(a->conf, sizeof(a->conf), "%s", e->conf_path);
	snprintf(a->id, sizeof(a->id), "%s", id);
	a->attach_fd = attach_fd;
	if (pipe2(p, O_CLOEXEC) < 0)
		return berth_error_errno(err, "pipe");
	a->status_w = p[1];
	cgroup_w = cgroup_channel(&ahead, a, id);
	ret = spawn(e, a, err);
	close(p[1]);
	if (a->cgroup_r >= 0)
		close(a->cgroup_r);
	if (cgroup_w >= 0 && ret == 0) /* while the monitor sets itself up */
		berth_cgroup_ahead_hand(&ahead, cgroup_w);
	else if (cgroup_w >= 0)
		close(cgroup_w);
	if (ret == 0)
		ret = read_report(p[0], id, err);
	close(p[0]);
	berth_cgroup_ahead_end(&ahead, ret == 0);
	return ret;
}
