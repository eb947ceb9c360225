/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "util/cleanup.h"
#include "util/json.h"

/* start, kill, delete, pause: the operations on an existing container. */

static int load(const char *root, const char *id, struct berth_state **st,
		enum berth_status *status, struct berth_error **err)
{
	int ret = berth_state_load(root, id, st, err);

	if (ret < 0)
		return ret;
	if (status != NULL)
		*status = berth_state_status(root, *st);
	return 0;
}

static char *state_string(const struct berth_state *st, enum berth_status status)
{
	json_object *o = berth_state_to_json(st, status);
	char *s = berth_json_dump(o);

	json_object_put(o);
	return s;
}

/* The config.json kept in the state directory at create. */
static int load_spec(const char *root, const char *id, struct berth_spec **spec,
		     struct berth_error **err)
{
	cleanup_close int dfd = berth_state_dir_open(root, id, err);

	if (dfd < 0)
		return dfd;
	return berth_spec_load(dfd, "config.json", spec, err);
}

int berth_container_start(const char *root, const char *id, struct berth_error **warn,
			  struct berth_error **err)
{
	struct berth_state *st = NULL;
	struct berth_spec *spec = NULL;
	cleanup_close int dfd = -1;
	cleanup_close int fifo = -1;
	cleanup_free char *state = NULL;
	enum berth_status status;
	int ret;

	if ((ret = load(root, id, &st, &status, err)) < 0)
		return ret;
	if (status != BERTH_STATUS_CREATED) {
		ret = berth_error_set(err, EBUSY, "cannot start a container that is %s",
				      berth_status_name(status));
		goto out;
	}
	if ((ret = load_spec(root, id, &spec, err)) < 0)
		goto out;
	dfd = berth_state_dir_open(root, id, err);
	if (dfd < 0) {
		ret = dfd;
		goto out;
	}
	/* Non-blocking: ENXIO means no init holds the fifo any more. */
	fifo = openat(dfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0 || write(fifo, "0", 1) != 1) {
		ret = berth_error_errno(err, "container \"%s\": signal the init to start", id);
		goto out;
	}
	unlinkat(dfd, "exec.fifo", 0);
	state = state_string(st, BERTH_STATUS_RUNNING);
	/* A failing poststart hook is a warning: the container runs on. */
	ret = berth_hooks_run_kind_warn(&spec->hooks, BERTH_HOOK_POSTSTART, state, warn);
out:
	berth_spec_free(spec);
	berth_state_free(st);
	return ret;
}

static int signal_init(const struct berth_state *st, int sig, struct berth_error **err)
{
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);

	/* A pidfd, checked against the recorded start time, cannot hit a reused pid. */
	if (pidfd < 0 || berth_proc_start_time(st->pid) != st->start_time)
		return berth_error_set(err, ESRCH, "container \"%s\" is not running", st->id);
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return berth_error_errno(err, "signal container \"%s\"", st->id);
	return 0;
}

static int open_cgroup(const struct berth_state *st, struct berth_cgroup **cg,
		       struct berth_error **err)
{
	if (st->cgroup == NULL)
		return berth_error_set(err, ENOENT, "container \"%s\" has no cgroup", st->id);
	return berth_cgroup_open(st->cgroup, cg, err);
}

int berth_container_kill(const char *root, const char *id, int sig, bool all,
			 struct berth_error **err)
{
	struct berth_state *st = NULL;
	struct berth_cgroup *cg = NULL;
	enum berth_status status;
	int ret;

	if ((ret = load(root, id, &st, &status, err)) < 0)
		return ret;
	if (status == BERTH_STATUS_STOPPED && !all)
		ret = berth_error_set(err, ESRCH, "container \"%s\" is not running", id);
	else if (all && (ret = open_cgroup(st, &cg, err)) == 0)
		ret = berth_cgroup_kill(cg, sig, err);
	else if (!all)
		ret = signal_init(st, sig, err);
	berth_cgroup_free(cg);
	berth_state_free(st);
	return ret;
}

/*
 * The recorded init still runs (never true of a pid <= 0: kill() would hit a
 * group, nor of a start time of 0, what a process gone reads as).
 */
static bool init_alive(const struct berth_state *st)
{
	return st->pid > 0 && st->start_time != 0 &&
	       berth_proc_start_time(st->pid) == st->start_time;
}

/* Kill everything left in the cgroup and wait (briefly) for the init to go. */
static int stop_all(struct berth_state *st, struct berth_cgroup *cg, struct berth_error **err)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int ret = 0;

	if (cg != NULL) {
		ret = berth_cgroup_kill(cg, SIGKILL, err);
		/* A frozen task dies only once thawed (v1 freezer). */
		if (ret == 0 && berth_cgroup_frozen(cg) == 1)
			ret = berth_cgroup_freeze(cg, false, err);
	} else if (init_alive(st))
		kill(st->pid, SIGKILL);
	for (int i = 0; i < 500 && init_alive(st); i++) {
		/* Our own child (run): reap it; otherwise its parent does. */
		waitpid(st->pid, NULL, WNOHANG);
		nanosleep(&ts, NULL);
	}
	return ret;
}

/* The first half of a delete: what is left in the cgroup, then the cgroup. */
static int destroy_cgroup(struct berth_state *st, struct berth_error **err)
{
	struct berth_cgroup *cg = NULL;
	int ret = 0;

	if (st->cgroup != NULL && (ret = open_cgroup(st, &cg, err)) < 0)
		return ret;
	if ((ret = stop_all(st, cg, err)) == 0 && cg != NULL)
		ret = berth_cgroup_destroy(cg, err);
	berth_cgroup_free(cg);
	return ret;
}

/* The second half: the state directory, then the poststop hooks. */
static int destroy_state(const char *root, struct berth_state *st, struct berth_error **warn,
			 struct berth_error **err)
{
	struct berth_spec *spec = NULL;
	cleanup_free char *state = NULL;
	int ret;

	/* The config only for its poststop hooks: not read when the state says there are none. */
	if (st->poststop != 0 && load_spec(root, st->id, &spec, err) < 0)
		berth_error_clear(err); /* no hooks to run without a config */
	if (spec != NULL)
		state = state_string(st, BERTH_STATUS_STOPPED);
	if ((ret = berth_state_remove(root, st->id, err)) == 0 && spec != NULL)
		ret = berth_hooks_run_kind_warn(&spec->hooks, BERTH_HOOK_POSTSTOP, state, warn);
	berth_spec_free(spec);
	return ret;
}

static int destroy(const char *root, struct berth_state *st, struct berth_error **warn,
		   struct berth_error **err)
{
	int ret = destroy_cgroup(st, err);

	return ret < 0 ? ret : destroy_state(root, st, warn, err);
}

int berth_container_delete_cgroup(const char *root, const char *id, struct berth_error **err)
{
	struct berth_state *st = NULL;
	int ret;

	if ((ret = load(root, id, &st, NULL, err)) < 0)
		return ret;
	ret = destroy_cgroup(st, err);
	berth_state_free(st);
	return ret;
}

int berth_container_delete_state(const char *root, const char *id, struct berth_error **warn,
				 struct berth_error **err)
{
	struct berth_state *st = NULL;
	int ret;

	if ((ret = load(root, id, &st, NULL, err)) < 0)
		return ret;
	ret = destroy_state(root, st, warn, err);
	berth_state_free(st);
	return ret;
}

int berth_container_delete(const char *root, const char *id, bool force, struct berth_error **warn,
			   struct berth_error **err)
{
	struct berth_state *st = NULL;
	enum berth_status status;
	int ret;

	ret = load(root, id, &st, &status, err);
	if (ret == -ENOENT && force) {
		/* A half-created container: its directory is all there is. */
		berth_error_clear(err);
		return berth_state_remove(root, id, err);
	}
	if (ret < 0)
		return ret;
	if ((status == BERTH_STATUS_RUNNING || status == BERTH_STATUS_PAUSED) && !force)
		ret = berth_error_set(err, EBUSY,
				      "cannot delete container \"%s\" that is %s: stop it or use "
				      "--force",
				      id, berth_status_name(status));
	else
		ret = destroy(root, st, warn, err);
	berth_state_free(st);
	return ret;
}

int berth_container_pause(const char *root, const char *id, bool pause, struct berth_error **err)
{
	struct berth_state *st = NULL;
	struct berth_cgroup *cg = NULL;
	enum berth_status status, want = pause ? BERTH_STATUS_RUNNING : BERTH_STATUS_PAUSED;
	int ret;

	if ((ret = load(root, id, &st, &status, err)) < 0)
		return ret;
	if (status != want)
		ret = berth_error_set(err, EBUSY, "container \"%s\" is %s, not %s", id,
				      berth_status_name(status), berth_status_name(want));
	else if ((ret = open_cgroup(st, &cg, err)) == 0)
		ret = berth_cgroup_freeze(cg, pause, err);
	berth_cgroup_free(cg);
	berth_state_free(st);
	return ret;
}

static pid_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

int berth_container_wait(pid_t pid, struct berth_error **err)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	struct sigaction sa = { .sa_handler = forward };
	int status;
	pid_t r;

	forward_to = pid;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	forward_to = 0;
	if (r < 0)
		return berth_error_errno(err, "wait for container process %d", (int)pid);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int berth_signal_parse(const char *sig, struct berth_error **err)
{
	const char *name = sig;
	char *end = NULL;
	long n;

	n = strtol(sig, &end, 10);
	if (*sig && end && *end == '\0') {
		if (n <= 0 || n > SIGRTMAX)
			return berth_error_set(err, EINVAL, "invalid signal \"%s\"", sig);
		return (int)n;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (int s = 1; s < NSIG; s++) {
		const char *abbrev = sigabbrev_np(s);

		if (abbrev != NULL && strcasecmp(abbrev, name) == 0)
			return s;
	}
	return berth_error_set(err, EINVAL, "invalid signal \"%s\"", sig);
}
