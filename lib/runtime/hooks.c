/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

extern char **environ;

/* One running hook, as the parent sees it. */
struct hook_run {
	int in;	   /* our end of the hook's stdin (a socket: MSG_NOSIGNAL spares us SIGPIPE) */
	int out;   /* read end of the hook's stdout+stderr */
	int pidfd; /* readable once the hook has exited */
	pid_t pid;
	const char *state;
	size_t state_len, sent;
	char output[BERTH_HOOK_OUTPUT_MAX + 1];
	size_t len;
};

/* In the forked child: wire up stdio and exec; never returns. */
__attribute__((noreturn)) static void exec_hook(const struct berth_hook *h, int in, int out)
{
	char *default_args[] = { h->path, NULL };
	sigset_t none;
	char msg[256];
	int len;

	/* Move both above 2 so that the dup2 calls below cannot clobber either. */
	in = fcntl(in, F_DUPFD_CLOEXEC, 3);
	out = fcntl(out, F_DUPFD_CLOEXEC, 3);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execve(h->path, h->args ? h->args : default_args, h->env ? h->env : environ);
	len = snprintf(msg, sizeof(msg), "exec: %s", strerror(errno));
	if (len > 0 && write(2, msg, (size_t)len) < 0)
		_exit(127);
	_exit(127);
}

static int spawn(const struct berth_hook *h, struct hook_run *r, struct berth_error **err)
{
	cleanup_close int in_child = -1, out_child = -1;
	int sv[2], pv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return berth_error_errno(err, "socketpair");
	r->in = sv[0];
	in_child = sv[1];
	if (pipe2(pv, O_CLOEXEC) < 0)
		return berth_error_errno(err, "pipe");
	r->out = pv[0];
	out_child = pv[1];
	r->pid = fork();
	if (r->pid < 0)
		return berth_error_errno(err, "fork");
	if (r->pid == 0)
		exec_hook(h, in_child, out_child);
	r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (r->pidfd < 0) {
		int saved = errno;

		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = -1; /* reaped: its number may be reused */
		errno = saved;
		return berth_error_errno(err, "pidfd_open");
	}
	if (fcntl(r->out, F_SETFL, O_NONBLOCK) < 0 || fcntl(r->in, F_SETFL, O_NONBLOCK) < 0)
		return berth_error_errno(err, "set O_NONBLOCK");
	return 0;
}

/* Keep the first BERTH_HOOK_OUTPUT_MAX bytes, discard the rest; false at EOF. */
static bool read_output(struct hook_run *r)
{
	char discard[4096];

	for (;;) {
		size_t room = BERTH_HOOK_OUTPUT_MAX - r->len;
		char *dst = room > 0 ? r->output + r->len : discard;
		ssize_t n = read(r->out, dst, room > 0 ? room : sizeof(discard));

		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (room > 0)
			r->len += (size_t)n;
	}
}

static void write_state(struct hook_run *r)
{
	ssize_t n = send(r->in, r->state + r->sent, r->state_len - r->sent, MSG_NOSIGNAL);

	if (n > 0)
		r->sent += (size_t)n;
	/* All sent (the hook sees EOF), or the hook closed its stdin: stop writing. */
	if (r->sent == r->state_len || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(r->in);
		r->in = -1;
	}
}

static int remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (ms > 3600000 ? 3600000 : (int)ms);
}

/* Feed stdin and collect output until the hook exits (0) or the deadline passes (-ETIMEDOUT). */
static int pump(struct hook_run *r, const struct timespec *deadline, struct berth_error **err)
{
	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = r->in, .events = POLLOUT },
			{ .fd = r->out, .events = POLLIN },
			{ .fd = r->pidfd, .events = POLLIN },
		};
		int n = poll(fds, 3, deadline ? remaining_ms(deadline) : -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_errno(err, "poll");
		if (n == 0)
			return -ETIMEDOUT;
		if (fds[0].revents)
			write_state(r);
		if (fds[1].revents && !read_output(r)) {
			close(r->out);
			r->out = -1;
		}
		if (fds[2].revents) {
			if (r->out >= 0)
				read_output(r);
			return 0;
		}
	}
}

static int report(const struct berth_hook *h, int status, struct hook_run *r,
		  struct berth_error **err)
{
	while (r->len > 0 && r->output[r->len - 1] == '\n')
		r->len--;
	r->output[r->len] = '\0';
	if (WIFSIGNALED(status))
		return berth_error_set(err, ECHILD, "hook \"%s\": killed by signal %d%s%s", h->path,
				       WTERMSIG(status), r->len ? ": " : "", r->output);
	if (WEXITSTATUS(status) != 0)
		return berth_error_set(err, ECHILD, "hook \"%s\": exited with status %d%s%s",
				       h->path, WEXITSTATUS(status), r->len ? ": " : "", r->output);
	return 0;
}

static void run_release(struct hook_run *r)
{
	berth_closep(&r->in);
	berth_closep(&r->out);
	berth_closep(&r->pidfd);
}

static int run_one(const struct berth_hook *h, const char *state, struct berth_error **err)
{
	struct hook_run r = { .in = -1,
			      .out = -1,
			      .pidfd = -1,
			      .pid = -1,
			      .state = state,
			      .state_len = strlen(state) };
	struct timespec deadline;
	int ret, status = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += h->timeout;
	ret = spawn(h, &r, err);
	if (ret == 0) {
		ret = pump(&r, h->timeout > 0 ? &deadline : NULL, err);
	}
	/* Timed out or failed to watch it: never leave the hook running unwatched. */
	if (ret < 0 && r.pid > 0)
		kill(r.pid, SIGKILL);
	while (r.pid > 0 && waitpid(r.pid, &status, 0) < 0 && errno == EINTR)
		;
	run_release(&r);
	if (ret == -ETIMEDOUT)
		return berth_error_set(err, ETIMEDOUT, "hook \"%s\": timed out after %d s", h->path,
				       h->timeout);
	if (ret < 0)
		return berth_error_prefix(err, "hook \"%s\"", h->path);
	return report(h, status, &r, err);
}

int berth_hooks_run(const struct berth_hook *hooks, size_t n, const char *state_json,
		    struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		int ret = run_one(&hooks[i], state_json ? state_json : "", err);

		if (ret < 0)
			return ret;
	}
	return 0;
}

int berth_hooks_run_kind(const struct berth_hooks *all, enum berth_hook_kind kind,
			 const char *state_json, struct berth_error **err)
{
	const char *name = berth_hook_name(kind);

	if (name == NULL)
		return berth_error_set(err, EINVAL, "unknown hook kind %d", (int)kind);
	for (size_t i = 0; i < all->n[kind]; i++) {
		int ret = run_one(&all->list[kind][i], state_json ? state_json : "", err);

		if (ret < 0)
			return berth_error_prefix(err, "hooks.%s[%zu]", name, i);
	}
	return 0;
}

int berth_hooks_run_kind_warn(const struct berth_hooks *all, enum berth_hook_kind kind,
			      const char *state_json, struct berth_error **warn)
{
	const char *name = berth_hook_name(kind);

	for (size_t i = 0; name != NULL && i < all->n[kind]; i++) {
		struct berth_error *e = NULL;

		if (run_one(&all->list[kind][i], state_json ? state_json : "", &e) == 0)
			continue;
		/* Keep the first failure whole, count the others. */
		if (*warn == NULL) {
			berth_error_prefix(&e, "hooks.%s[%zu]", name, i);
			*warn = e;
		} else {
			berth_error_prefix(warn, "%s", "several hooks failed");
			berth_error_free(e);
		}
	}
	return 0;
}

bool berth_hooks_need_exchange(const struct berth_hooks *all)
{
	return all->n[BERTH_HOOK_PRESTART] + all->n[BERTH_HOOK_CREATE_RUNTIME] +
		   all->n[BERTH_HOOK_CREATE_CONTAINER] + all->n[BERTH_HOOK_START_CONTAINER] >
	       0;
}
