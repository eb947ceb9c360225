/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_CONTAINER_H
#define BERTH_RUNTIME_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/state.h"
#include "util/error.h"

/* The OCI lifecycle operations, as `berth-runc` and later `berth` call them. */

struct berth_create_opts {
	const char *root; /* state root */
	const char *id;
	const char *bundle;	    /* directory holding config.json */
	const char *console_socket; /* where the pty master goes when process.terminal is true */
	int *console_fd;	    /* or, without a socket: the master is returned here */
	const char *pid_file;	    /* written with the init's pid, or NULL */
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
	bool systemd_cgroup;
	/*
	 * Create and start in one call (`run`): the init goes on to exec as soon
	 * as it is ready, without waiting for berth_container_start; the state
	 * is recorded as running and the poststart hooks run (their failures
	 * are warnings, in *start_warn when it is set).
	 */
	bool start;
	struct berth_error **start_warn;
	/*
	 * The caller replaces the bundle's config.json only by rename, never
	 * rewriting it in place (berth's engine): the state directory may keep a
	 * hardlink to the file read instead of a copy, when that file is the
	 * runtime's own and not group/other-writable.
	 */
	bool link_config;
	/*
	 * When not NULL: BERTH_HELD_NS fds (close-on-exec) of the init's mount,
	 * network and IPC namespaces, opened before the init may exec; -1 for
	 * one that could not be.  While the caller holds them, these namespaces
	 * outlive the container's processes and are taken down when the caller
	 * closes them, not around the init's exit: the rootfs overlay's last
	 * reference syncs the whole filesystem, a network namespace is torn down
	 * by a kernel worker that waits for RCU grace periods, an IPC one too.
	 */
	int *held_ns;
	/*
	 * When not NULL: the bundle's config.json as its writer has it, the
	 * text written (@config_len bytes) and its document parsed (borrowed):
	 * the file is then not read nor parsed again (berth's monitor, forked
	 * by the `berth` that wrote it).
	 */
	const char *config_text;
	size_t config_len;
	json_object *config_doc;
	/*
	 * With config_doc, when not NULL: its spec as berth_container_spec()
	 * (container-cgroup.h) made it, taken over (freed by the runtime): not
	 * parsed again.
	 */
	struct berth_spec *config_spec;
	/*
	 * When not NULL: called with the init's pid while the init sets itself
	 * up (its mounts), before it may exec: the caller's own preparations
	 * run meanwhile.  A failure fails the create (the init is killed).
	 */
	int (*child_works)(void *arg, pid_t init, struct berth_error **err);
	void *child_works_arg;
	/*
	 * When not NULL: called once the cgroup is needed, for one the caller
	 * had made from this same config.json (berth_container_make_cgroup in
	 * container-cgroup.h, in another process while this one prepared the
	 * rest): 1 with *saved (its berth_cgroup_save() text, which the runtime
	 * frees), 0 to have it made here.  A cgroup taken is the runtime's from
	 * then on, removed by it on failure as one it made.
	 */
	int (*take_cgroup)(void *arg, char **saved);
	void *take_cgroup_arg;
};

/* The namespaces berth_create_opts.held_ns holds: "mnt", "net", "ipc". */
#define BERTH_HELD_NS 3

/*
 * create: the init waits for `start` on the exec fifo (unless @o->start).
 * *pid gets its pid.
 */
int berth_container_create(const struct berth_create_opts *o, pid_t *pid, struct berth_error **err);

/*
 * start: let a created container exec its process; runs the poststart hooks,
 * whose failures are warnings returned in *warn (the container runs on).
 */
int berth_container_start(const char *root, const char *id, struct berth_error **warn,
			  struct berth_error **err);

/* Send @sig to the init, or with @all to every process of the container's cgroup. */
int berth_container_kill(const char *root, const char *id, int sig, bool all,
			 struct berth_error **err);

/*
 * delete: remove a stopped (or created) container: its cgroup, state, and
 * run the poststop hooks (their failures are warnings, in *warn).  @force
 * kills a running one first.
 */
int berth_container_delete(const char *root, const char *id, bool force, struct berth_error **warn,
			   struct berth_error **err);

/*
 * delete in two steps, for a caller with something to do in between (the
 * engine's --rm: the container is gone for its user once its processes and
 * cgroup are; the state's files can go after it is told): _cgroup kills what
 * is left and removes the cgroup; _state, only after _cgroup succeeded,
 * removes the state and runs the poststop hooks (warnings in *warn).
 */
int berth_container_delete_cgroup(const char *root, const char *id, struct berth_error **err);
int berth_container_delete_state(const char *root, const char *id, struct berth_error **warn,
				 struct berth_error **err);

/* pause / resume through the cgroup freezer. */
int berth_container_pause(const char *root, const char *id, bool pause, struct berth_error **err);

/*
 * Wait for the init (a child of the caller after create) and return its
 * status as a shell would (code, or 128 + signal), forwarding @forward
 * signals to it meanwhile.
 */
int berth_container_wait(pid_t pid, struct berth_error **err);

/* Parse @sig: "KILL", "SIGKILL", "9". -EINVAL with a message naming it. */
int berth_signal_parse(const char *sig, struct berth_error **err);

#endif
