/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/keyctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/spec-seccomp.h"
#include "runtime/console.h"
#include "runtime/hooks.h"
#include "runtime/lsm.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/sync.h"
#include "runtime/sysctl.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* The state JSON the parent sends with the go-ahead for the hooks run in the container. */
static char state_json[8192];

/* Report @err to the parent and exit: the end of every failing child. */
__attribute__((noreturn)) static void die_with(int sync, struct berth_error *err)
{
	berth_sync_send_error(sync, err);
	_exit(1);
}

static int wait_go(int sync, struct berth_error **err)
{
	struct berth_sync_msg m;

	return berth_sync_expect(sync, BERTH_SYNC_GO, &m, err);
}

/* Open every namespace path first: joining the mount namespace changes what paths mean. */
static int join_namespaces(const struct berth_spec *s, struct berth_error **err)
{
	int fds[BERTH_NS_COUNT];
	/* The user namespace first: it owns the others and grants the rights to join them. */
	static const enum berth_ns_type order[] = { BERTH_NS_USER, BERTH_NS_PID,  BERTH_NS_UTS,
						    BERTH_NS_IPC,  BERTH_NS_NET,  BERTH_NS_CGROUP,
						    BERTH_NS_TIME, BERTH_NS_MOUNT };
	int ret = 0;

	for (int i = 0; i < BERTH_NS_COUNT; i++) {
		fds[i] = -1;
		if (!s->ns[i].present || s->ns[i].path == NULL)
			continue;
		fds[i] = open(s->ns[i].path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			ret = berth_error_errno(err, "linux.namespaces: open '%s'", s->ns[i].path);
			goto out;
		}
	}
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(order); i++) {
		enum berth_ns_type t = order[i];

		if (fds[t] >= 0 && setns(fds[t], berth_ns_clone_flag(t)) < 0) {
			ret = berth_error_errno(err, "linux.namespaces: join %s namespace '%s'",
						berth_ns_name(t), s->ns[t].path);
			goto out;
		}
	}
out:
	for (int i = 0; i < BERTH_NS_COUNT; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

/* The parent has written our uid/gid maps once it says GO. */
static int become_userns_root(int sync, struct berth_error **err)
{
	int ret;

	if ((ret = wait_go(sync, err)) < 0)
		return ret;
	/* Become root of the new namespace so what we create is owned by its root. */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return berth_error_errno(err, "become root in the user namespace (is 0 mapped?)");
	return 0;
}

static int create_userns(const struct berth_launch *l, struct berth_error **err)
{
	int ret;

	if (unshare(CLONE_NEWUSER) < 0)
		return berth_error_errno(err, "create user namespace");
	ret = berth_sync_send(l->sync, BERTH_SYNC_USERNS, 0, -1, NULL);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "sync");
	}
	return become_userns_root(l->sync, err);
}

static int new_ns_flags(const struct berth_spec *s)
{
	int flags = 0;

	for (int i = 0; i < BERTH_NS_COUNT; i++) {
		if (i == BERTH_NS_USER || i == BERTH_NS_CGROUP)
			continue;
		if (s->ns[i].present && s->ns[i].path == NULL)
			flags |= berth_ns_clone_flag((enum berth_ns_type)i);
	}
	return flags;
}

int berth_launch_time_offsets(pid_t pid, const struct berth_spec *s, struct berth_error **err)
{
	char buf[128], path[64];
	int len = 0, ret;

	if (s->time_monotonic.present)
		len += snprintf(buf + len, sizeof(buf) - (size_t)len, "monotonic %lld %u\n",
				(long long)s->time_monotonic.secs, s->time_monotonic.nanosecs);
	if (s->time_boottime.present)
		len += snprintf(buf + len, sizeof(buf) - (size_t)len, "boottime %lld %u\n",
				(long long)s->time_boottime.secs, s->time_boottime.nanosecs);
	if (len == 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/timens_offsets", (int)pid);
	ret = berth_write_file_at(AT_FDCWD, path, buf, (size_t)len);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "linux.timeOffsets: write timens_offsets");
	}
	return 0;
}

/*
 * Into the cgroup first, before any namespace (cgroup.h).  The `tasks` fds
 * were opened by the parent as host root: cgroup v1 checks the opener's
 * credentials, so this works from a new user namespace too.
 */
static int join_cgroup(const struct berth_launch *l, struct berth_error **err)
{
	int ret;

	if (l->cg_join == NULL)
		return 0;
	ret = berth_cgroup_join_self(l->cg_join);
	berth_cgroup_join_close(l->cg_join);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "join the container's cgroup");
	}
	return 0;
}

/*
 * The parent writes the offsets of our new time namespace: in a new user
 * namespace our /proc files, non-dumpable, belong to the host's root.
 */
static int ask_time_offsets(const struct berth_launch *l, struct berth_error **err)
{
	int ret;

	if (!l->spec->ns[BERTH_NS_TIME].present || l->spec->ns[BERTH_NS_TIME].path != NULL)
		return 0;
	ret = berth_sync_send(l->sync, BERTH_SYNC_TIMENS, 0, -1, NULL);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "sync");
	}
	return wait_go(l->sync, err);
}

static int stage1(const struct berth_launch *l, pid_t *init, struct berth_error **err)
{
	const struct berth_spec *s = l->spec;
	int ret;

	if ((ret = join_cgroup(l, err)) < 0 || (ret = join_namespaces(s, err)) < 0)
		return ret;
	if (s->ns[BERTH_NS_USER].present && s->ns[BERTH_NS_USER].path == NULL &&
	    (ret = create_userns(l, err)) < 0)
		return ret;
	if (unshare(new_ns_flags(s)) < 0)
		return berth_error_errno(err, "create namespaces");
	if ((ret = ask_time_offsets(l, err)) < 0)
		return ret;
	/* We are in the cgroup once the parent says so (or joined above); the init inherits it. */
	if ((ret = wait_go(l->sync, err)) < 0)
		return ret;
	/*
	 * CLONE_PARENT: the init becomes the runtime's child, so `run` can wait
	 * for it, and (after unshare(CLONE_NEWPID)) PID 1 of the new namespace.
	 */
	*init = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
	if (*init < 0)
		return berth_error_errno(err, "clone container init");
	return 0;
}

void berth_launch_stage1(const struct berth_launch *l)
{
	struct berth_error *err = NULL;
	pid_t init = -1;

	/* Not dumpable: nothing in the container may ptrace or open us (CVE-2016-9962). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (stage1(l, &init, &err) < 0)
		die_with(l->sync, err);
	if (init == 0)
		berth_launch_init(l);
	berth_sync_send(l->sync, BERTH_SYNC_PID, init, -1, NULL);
	_exit(0);
}

int berth_launch_direct_flags(const struct berth_spec *s)
{
	for (int i = 0; i < BERTH_NS_COUNT; i++)
		if (s->ns[i].present && s->ns[i].path != NULL)
			return -1;
	if (s->ns[BERTH_NS_TIME].present)
		return -1;
	return new_ns_flags(s) | (s->ns[BERTH_NS_USER].present ? CLONE_NEWUSER : 0);
}

void berth_launch_direct(const struct berth_launch *l)
{
	struct berth_error *err = NULL;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (join_cgroup(l, &err) < 0 ||
	    (l->spec->ns[BERTH_NS_USER].present && become_userns_root(l->sync, &err) < 0))
		die_with(l->sync, err);
	berth_launch_init(l);
}

/* Hostname and domain name (a new network namespace's lo is the parent's: loopback.c). */
static int set_names(const struct berth_spec *s, struct berth_error **err)
{
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return berth_error_errno(err, "hostname: set '%s'", s->hostname);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return berth_error_errno(err, "domainname: set '%s'", s->domainname);
	return 0;
}

/* Ask the parent to run the runtime-namespace hooks, then run createContainer here. */
static int creation_hooks(const struct berth_launch *l, struct berth_error **err)
{
	int ret;

	if (!berth_hooks_need_exchange(&l->spec->hooks))
		return 0;
	ret = berth_sync_send(l->sync, BERTH_SYNC_HOOKS, 0, -1, NULL);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "sync");
	}
	{
		struct berth_sync_msg m;

		if ((ret = berth_sync_expect(l->sync, BERTH_SYNC_GO, &m, err)) < 0)
			return ret;
		memcpy(state_json, m.text, sizeof(state_json));
	}
	if (l->spec->hooks.n[BERTH_HOOK_CREATE_CONTAINER] == 0)
		return 0;
	return berth_hooks_run_kind(&l->spec->hooks, BERTH_HOOK_CREATE_CONTAINER, state_json, err);
}

/* Like runc, create a missing process.cwd while the root is still writable. */
static int make_cwd(const struct berth_launch *l, struct berth_error **err)
{
	const char *cwd = l->spec->process.cwd;
	cleanup_close int root = -1;
	int fd;

	if (cwd == NULL || strcmp(cwd, "/") == 0)
		return 0;
	root = open(l->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return berth_error_errno(err, "open '%s'", l->rootfs);
	fd = berth_mkdir_p_in_root(root, cwd, 0755);
	if (fd < 0) {
		errno = -fd;
		return berth_error_errno(err, "process.cwd: create '%s'", cwd);
	}
	close(fd);
	return 0;
}

static int setup_rootfs(const struct berth_launch *l, const char *self_cgroup,
			struct berth_error **err)
{
	const struct berth_spec *s = l->spec;
	struct berth_rootfs_opts o = {
		.rootfs = l->rootfs,
		.userns = s->ns[BERTH_NS_USER].present,
		.new_netns = s->ns[BERTH_NS_NET].present && s->ns[BERTH_NS_NET].path == NULL,
		.console = NULL,
		.no_pivot = l->no_pivot,
		.cgroupns = s->ns[BERTH_NS_CGROUP].present,
		.self_cgroup = self_cgroup,
		.cgroup_layout = l->cgroup_layout,
		/* Without SELinux the label means nothing: ignored, as runc does. */
		.mount_label = berth_lsm_selinux_enabled() ? s->mount_label : NULL,
	};
	int ret;

	if (!s->ns[BERTH_NS_MOUNT].present)
		return berth_error_set(err, EINVAL,
				       "linux.namespaces: a mount namespace is required");
	if ((ret = berth_rootfs_mount(s, &o, err)) < 0 || (ret = make_cwd(l, err)) < 0 ||
	    (ret = creation_hooks(l, err)) < 0 || (ret = berth_rootfs_pivot(s, &o, err)) < 0)
		return ret;
	return 0;
}

/* Allocate the pty, give /dev/console to it, hand the master to the parent. */
static int setup_terminal(const struct berth_launch *l, struct berth_error **err)
{
	const struct berth_process *p = &l->spec->process;
	cleanup_close int master = -1;
	cleanup_free char *slave = NULL;
	int ret;

	if ((ret = berth_terminal_open(&master, &slave, err)) < 0)
		return ret;
	if ((ret = berth_rootfs_bind_console(slave, err)) < 0)
		return ret;
	ret = berth_sync_send(l->sync, BERTH_SYNC_PTY, 0, master, NULL);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "send pty master");
	}
	return berth_terminal_setup_slave(slave, p->console_height, p->console_width, err);
}

static int init_steps(const struct berth_launch *l, char **exe, struct berth_error **err)
{
	const struct berth_spec *s = l->spec;
	cleanup_free char *self_cgroup = NULL;
	int ret;

	/* Speak only once the parent has stage-1's PID message: one socket, one order. */
	if ((!l->direct && (ret = wait_go(l->sync, err)) < 0) ||
	    (!l->no_new_keyring && (ret = berth_join_session_keyring(l->id, err)) < 0))
		return ret;
	/* Our real cgroup paths, for binding them where cgroupfs cannot be mounted fresh. */
	if ((ret = berth_read_file_at(AT_FDCWD, "/proc/self/cgroup", 65536, &self_cgroup, NULL,
				      err)) < 0)
		return ret;
	if (s->ns[BERTH_NS_CGROUP].present && s->ns[BERTH_NS_CGROUP].path == NULL &&
	    unshare(CLONE_NEWCGROUP) < 0)
		return berth_error_errno(err, "create cgroup namespace");
	/* sysctls need /proc/sys writable: before readonlyPaths, as runc does. */
	if ((ret = setup_rootfs(l, self_cgroup, err)) < 0 || (ret = set_names(s, err)) < 0 ||
	    (ret = berth_sysctl_apply(s->sysctl, s->n_sysctl, err)) < 0 ||
	    (ret = berth_rootfs_finalize(s, err)) < 0)
		return ret;
	if (s->process.terminal && (ret = setup_terminal(l, err)) < 0)
		return ret;
	return berth_process_prepare(s, l->seccomp_prog, &s->process, l->preserve_fds, l->sync, exe,
				     err);
}

/* Block until `start` writes to the exec fifo. */
static int wait_start(int fifo, struct berth_error **err)
{
	char c;
	ssize_t n;

	do
		n = read(fifo, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return berth_error_errno(err, "read exec fifo");
	close(fifo);
	return 0;
}

void berth_launch_init(const struct berth_launch *l)
{
	struct berth_error *err = NULL;
	cleanup_free char *exe = NULL;
	int ret;

	ret = init_steps(l, &exe, &err);
	if (ret < 0)
		die_with(l->sync, err);
	berth_sync_send(l->sync, BERTH_SYNC_READY, 0, -1, NULL);
	close(l->sync);
	if (wait_start(l->fifo, &err) < 0)
		goto fail;
	if (l->spec->hooks.n[BERTH_HOOK_START_CONTAINER] > 0 &&
	    berth_hooks_run_kind(&l->spec->hooks, BERTH_HOOK_START_CONTAINER, state_json, &err) < 0)
		goto fail;
	berth_process_exec(l->spec, l->seccomp_prog, &l->spec->process, exe, &err);
fail:
	/* The parent is gone: the container's stderr is the only place left. */
	dprintf(STDERR_FILENO, "berth-runc: %s\n", err ? err->msg : "container init failed");
	_exit(127);
}
