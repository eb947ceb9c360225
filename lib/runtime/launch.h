/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_LAUNCH_H
#define BERTH_RUNTIME_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "runtime/seccomp-cache.h"

/*
 * Turning a parsed spec into the container's init process.
 *
 * When the spec joins no namespace by path and has no time namespace, the
 * parent clones the init directly into all its new namespaces (one clone3,
 * berth_launch_direct_flags): the init joins the v1 cgroups, waits for the
 * parent to write its uid/gid maps (a GO, only with a new user namespace) and
 * goes on as below.  Otherwise the parent forks a stage-1 child, which joins
 * the namespaces given by path, creates the user namespace (the parent writes
 * its maps), unshares the other namespaces, writes the time offsets and clones
 * the init with CLONE_PARENT, so the init is a child of the runtime (which
 * can wait for it) and PID 1 of its new PID namespace.
 * The init then builds the rootfs and the process and blocks on the exec
 * fifo until `start`.  See docs/ARCHITECTURE.md for the message sequence.
 */

struct berth_launch {
	const struct berth_spec *spec;
	const char *bundle; /* absolute */
	const char *rootfs; /* absolute host path of the root */
	int sync;	    /* child end of the sync socket */
	int fifo;	    /* exec fifo, opened O_RDWR; -1 for exec */
	int preserve_fds;   /* fds 3..3+n-1 are passed to the process */
	bool no_pivot;
	bool no_new_keyring;
	const char *id;
	/* stage-1 writes itself into these v1 cgroups first (NULL: the parent moves it) */
	struct berth_cgroup_join *cg_join;
	/* the init was cloned into its namespaces by the parent (berth_launch_direct) */
	bool direct;
	/* spec->seccomp compiled by the parent (NULL: compiled here by libseccomp) */
	const struct berth_seccomp_prog *seccomp_prog;
	/* the host's cgroup layout read by the parent (NULL: read here, rootfs.h) */
	const struct berth_cgroup_layout *cgroup_layout;
};

/* Stage-1 child: never returns. */
__attribute__((noreturn)) void berth_launch_stage1(const struct berth_launch *l);

/*
 * The clone flags that create every namespace of @s at once (the direct
 * path), or -1 when a stage-1 is needed: a namespace joined by path (joined
 * before the others are created) or a time namespace (its offsets are written
 * before any process enters it).  Never CLONE_NEWCGROUP: the init unshares it
 * once in its cgroup.
 */
int berth_launch_direct_flags(const struct berth_spec *s);

/* The init cloned with berth_launch_direct_flags(): never returns. */
__attribute__((noreturn)) void berth_launch_direct(const struct berth_launch *l);

/*
 * Write linux.timeOffsets to the time namespace @pid created for its children
 * (stage-1 asks with BERTH_SYNC_TIMENS, before any process is in it).
 */
int berth_launch_time_offsets(pid_t pid, const struct berth_spec *s, struct berth_error **err);

/* The init: never returns (execs the process or exits after sending an error). */
__attribute__((noreturn)) void berth_launch_init(const struct berth_launch *l);

/*
 * Everything between "namespaces are set up" and "execve" that `exec` shares
 * with the init: terminal slave, attributes, fds, user, capabilities, cwd.
 * @pty_slave: fd of the pty slave to make the controlling terminal, or -1.
 * A seccomp profile with a NOTIFY action is loaded here and its listener sent
 * on @sync as BERTH_SYNC_SECCOMP.  @prog is spec->seccomp compiled by the
 * parent (berth_seccomp_prog_get), loaded with seccomp(2) directly; NULL
 * compiles and loads the profile with libseccomp here.  Returns the resolved
 * executable path in *exe (the caller frees).
 */
int berth_process_prepare(const struct berth_spec *spec, const struct berth_seccomp_prog *prog,
			  const struct berth_process *p, int preserve_fds, int sync, char **exe,
			  struct berth_error **err);

/* Load seccomp (if any, as above) and execve; returns only on failure. */
int berth_process_exec(const struct berth_spec *spec, const struct berth_seccomp_prog *prog,
		       const struct berth_process *p, const char *exe, struct berth_error **err);

/* Join (or create) the session keyring "_ses.<id>" of container @id. */
int berth_join_session_keyring(const char *id, struct berth_error **err);

/* Find @file in PATH of @env (or a default PATH) as execvp would; the caller frees. */
int berth_find_executable(const char *file, char *const *env, char **out, struct berth_error **err);

#endif
