/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_EXEC_H
#define BERTH_RUNTIME_EXEC_H

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

struct berth_exec_opts {
	const char *root;
	const char *id;
	const struct berth_process *process; /* what to run, complete */
	const char *console_socket;	     /* where the pty master goes with process->terminal */
	int *console_fd;		     /* or, without a socket: returned here */
	const char *pid_file;
	bool detach;
	int preserve_fds;
};

/* The config.json saved at create (defaults for the exec'd process). */
int berth_container_config(const char *root, const char *id, struct berth_spec **spec,
			   struct berth_error **err);

/*
 * Run a new process in a running container's namespaces and cgroup, with
 * the container's seccomp profile.  Without @detach, waits and returns the
 * process's exit status (128 + signal when killed); with it, returns 0.
 */
int berth_container_exec(const struct berth_exec_opts *o, struct berth_error **err);

#endif
