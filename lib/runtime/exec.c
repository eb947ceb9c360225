/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "oci/spec-seccomp.h"
#include "runtime/container.h"
#include "runtime/launch.h"
#include "runtime/seccomp-cache.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/tty-proxy.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

int berth_container_config(const char *root, const char *id, struct berth_spec **spec,
			   struct berth_error **err)
{
	cleanup_close int dfd = berth_state_dir_open(root, id, err);

	if (dfd < 0)
		return dfd;
	return berth_spec_load(dfd, "config.json", spec, err);
}

/* The namespaces of @pid that differ from ours: joining our own user ns is EINVAL. */
static int differing_namespaces(pid_t pid)
{
	int flags = 0;

	for (int t = 0; t < BERTH_NS_COUNT; t++) {
		const char *name = berth_ns_name((enum berth_ns_type)t);
		char a[64], b[64];
		struct stat sa, sb;

		if (strcmp(name, "network") == 0)
			name = "net";
		else if (strcmp(name, "mount") == 0)
			name = "mnt";
		snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, name);
		snprintf(b, sizeof(b), "/proc/self/ns/%s", name);
		if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino != sb.st_ino)
			flags |= berth_ns_clone_flag((enum berth_ns_type)t);
	}
	return flags;
}

struct joiner {
	const struct berth_exec_opts *o;
	const struct berth_spec *spec;
	const struct berth_seccomp_prog *prog;
	int pidfd, nsflags, sync;
};

static int open_terminal(int sync, const struct berth_process *p, struct berth_error **err)
{
	cleanup_close int master = -1;
	cleanup_free char *slave = NULL;
	int ret;

	if ((ret = berth_terminal_open(&master, &slave, err)) < 0)
		return ret;
	ret = berth_sync_send(sync, BERTH_SYNC_PTY, 0, master, NULL);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "send pty master");
	}
	return berth_terminal_setup_slave(slave, p->console_height, p->console_width, err);
}

__attribute__((noreturn)) static void exec_process(const struct joiner *j)
{
	struct berth_error *err = NULL;
	cleanup_free char *exe = NULL;
	struct berth_sync_msg m;
	int ret;

	/* Speak only once the parent has the joiner's PID message: one socket, one order. */
	ret = berth_sync_expect(j->sync, BERTH_SYNC_GO, &m, &err);
	if (ret == 0)
		ret = berth_join_session_keyring(j->o->id, &err);
	if (ret == 0 && j->o->process->terminal)
		ret = open_terminal(j->sync, j->o->process, &err);
	if (ret == 0)
		ret = berth_process_prepare(j->spec, j->prog, j->o->process, j->o->preserve_fds,
					    j->sync, &exe, &err);
	if (ret == 0) {
		berth_sync_send(j->sync, BERTH_SYNC_READY, 0, -1, NULL);
		berth_process_exec(j->spec, j->prog, j->o->process, exe, &err);
	}
	berth_sync_send_error(j->sync, err);
	_exit(127);
}

__attribute__((noreturn)) static void join(const struct joiner *j)
{
	struct berth_error *err = NULL;
	struct berth_sync_msg m;
	pid_t pid;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (berth_sync_expect(j->sync, BERTH_SYNC_GO, &m, &err) < 0)
		goto fail;
	if (setns(j->pidfd, j->nsflags) < 0) {
		berth_error_errno(&err, "join the container's namespaces");
		goto fail;
	}
	/* A new pid namespace applies to children: fork once more, as a sibling. */
	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0) {
		berth_error_errno(&err, "clone");
		goto fail;
	}
	if (pid == 0)
		exec_process(j);
	berth_sync_send(j->sync, BERTH_SYNC_PID, pid, -1, NULL);
	_exit(0);
fail:
	berth_sync_send_error(j->sync, err);
	_exit(1);
}

static int enter_cgroup(const struct berth_state *st, pid_t pid, struct berth_error **err)
{
	struct berth_cgroup *cg = NULL;
	int ret;

	if (st->cgroup == NULL)
		return 0;
	if ((ret = berth_cgroup_open(st->cgroup, &cg, err)) == 0)
		ret = berth_cgroup_enter(cg, pid, err);
	berth_cgroup_free(cg);
	return ret;
}

static int check_running(const char *root, const struct berth_state *st, struct berth_error **err)
{
	enum berth_status s = berth_state_status(root, st);

	if (s == BERTH_STATUS_CREATED || s == BERTH_STATUS_RUNNING)
		return 0;
	return berth_error_set(err, EBUSY, "cannot exec in a %s container", berth_status_name(s));
}

/* The parent's side: cgroup, then the pid, terminal and readiness of the process. */
static int hand_out_pty(const struct berth_exec_opts *o, int sync, struct berth_error **err)
{
	struct berth_sync_msg m;
	int ret;

	if ((ret = berth_sync_expect(sync, BERTH_SYNC_PTY, &m, err)) < 0)
		return ret;
	if (o->console_socket == NULL) {
		*o->console_fd = m.fd;
		return 0;
	}
	ret = berth_terminal_send_master(o->console_socket, m.fd, err);
	close(m.fd);
	return ret;
}

/* A NOTIFY profile: the listener goes to listenerPath with the exec'd process's state. */
static int hand_out_listener(const struct berth_spec *spec, const struct berth_state *st, pid_t pid,
			     int sync, struct berth_error **err)
{
	struct berth_state mine = *st;
	struct berth_sync_msg m;
	json_object *o;
	char *state;
	int ret;

	if ((ret = berth_sync_expect(sync, BERTH_SYNC_SECCOMP, &m, err)) < 0)
		return ret;
	mine.pid = pid;
	o = berth_state_to_json(&mine, BERTH_STATUS_RUNNING);
	state = berth_json_dump(o);
	json_object_put(o);
	ret = berth_seccomp_send_listener(spec->seccomp, m.fd, state, err);
	free(state);
	close(m.fd);
	return ret;
}

/* The parent's side: cgroup, then the pid, terminal, listener and readiness of the process. */
static int follow(const struct berth_exec_opts *o, const struct berth_state *st,
		  const struct berth_spec *spec, int sync, pid_t joiner, pid_t *pid,
		  struct berth_error **err)
{
	struct berth_sync_msg m;
	int ret;

	if ((ret = enter_cgroup(st, joiner, err)) < 0)
		return ret;
	berth_sync_send(sync, BERTH_SYNC_GO, 0, -1, NULL);
	ret = berth_sync_expect(sync, BERTH_SYNC_PID, &m, err);
	waitpid(joiner, NULL, 0);
	if (ret < 0)
		return ret;
	*pid = m.value;
	berth_sync_send(sync, BERTH_SYNC_GO, 0, -1, NULL);
	if (o->process->terminal && (ret = hand_out_pty(o, sync, err)) < 0)
		return ret;
	if (berth_seccomp_has_notify(spec->seccomp) &&
	    (ret = hand_out_listener(spec, st, *pid, sync, err)) < 0)
		return ret;
	return berth_sync_expect(sync, BERTH_SYNC_READY, &m, err);
}

static int write_pid_file(const char *path, pid_t pid, struct berth_error **err)
{
	char buf[32];

	if (path == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return berth_write_file_replace(AT_FDCWD, path, buf, strlen(buf), 0644, err);
}

static int run_exec(const struct berth_exec_opts *o, struct berth_state *st,
		    struct berth_spec *spec, const struct berth_seccomp_prog *prog,
		    struct berth_error **err)
{
	cleanup_close int pidfd = -1;
	int sync[2] = { -1, -1 }, ret;
	pid_t joiner, pid = -1;

	pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pidfd < 0 || berth_proc_start_time(st->pid) != st->start_time)
		return berth_error_set(err, ESRCH, "container \"%s\" is not running", o->id);
	if ((ret = berth_sync_pair(sync, err)) < 0)
		return ret;
	joiner = fork();
	if (joiner == 0) {
		struct joiner j = { o, spec, prog, pidfd, differing_namespaces(st->pid), sync[1] };

		close(sync[0]);
		join(&j);
	}
	close(sync[1]);
	ret = joiner < 0 ? berth_error_errno(err, "fork")
			 : follow(o, st, spec, sync[0], joiner, &pid, err);
	close(sync[0]);
	if (ret == 0)
		ret = write_pid_file(o->pid_file, pid, err);
	if (ret < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return ret;
	}
	if (o->detach)
		return 0;
	if (o->console_fd != NULL && *o->console_fd >= 0) {
		ret = berth_tty_proxy(steal_fd(o->console_fd), err);
		if (ret < 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return ret;
		}
	}
	return berth_container_wait(pid, err);
}

int berth_container_exec(const struct berth_exec_opts *o, struct berth_error **err)
{
	struct berth_state *st = NULL;
	struct berth_spec *spec = NULL;
	struct berth_seccomp_prog *prog = NULL;
	int ret;

	if (o->process->terminal && o->console_socket == NULL && o->console_fd == NULL)
		return berth_error_set(err, EINVAL, "exec with a terminal needs --console-socket");
	if ((ret = berth_state_load(o->root, o->id, &st, err)) < 0)
		return ret;
	if ((ret = check_running(o->root, st, err)) == 0 &&
	    (ret = berth_container_config(o->root, o->id, &spec, err)) == 0 &&
	    (ret = berth_seccomp_prog_get(spec->seccomp, o->root, &prog, err)) == 0)
		ret = run_exec(o, st, spec, prog, err);
	berth_seccomp_prog_free(prog);
	berth_spec_free(spec);
	berth_state_free(st);
	return ret;
}
