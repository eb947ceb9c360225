/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_EXEC_H
#define BERTH_ENGINE_EXEC_H

#include <stdbool.h>

#include "engine/engine.h"
#include "util/error.h"

/*
 * `berth exec`: a new process in a running container, started from the
 * container's own process (bundle config.json as the runtime saved it: env,
 * capabilities, rlimits, no_new_privs, LSM labels) with Docker's changes.
 */
struct berth_ctr_exec_opts {
	const char *ref;  /* container id, prefix or name */
	char **args;	  /* the command, at least one word */
	char **env;	  /* KEY=VALUE, NULL-terminated (the CLI resolves a bare KEY) */
	const char *user; /* -u: resolved in the container's /etc/passwd; NULL: the container's */
	const char *workdir; /* -w; NULL: the container's */
	bool tty;	     /* a pty, relayed to our stdin/stdout unless @detach */
	bool detach;
	bool privileged; /* every capability */
};

/*
 * Run it; without @detach wait and return the process's exit status (128 +
 * signal when killed), with it return 0 once it runs.  A container that is
 * not running: EINVAL "container ID is not running".
 */
int berth_ctr_exec(struct berth_engine *e, const struct berth_ctr_exec_opts *o,
		   struct berth_error **err);

/*
 * Merge @add (KEY=VALUE) into the environment @env: a key already there is
 * replaced in place, a new one appended.  Returns the new vector (the caller
 * frees with berth_strv_free) or NULL when out of memory.
 */
char **berth_env_merge(char *const *env, char *const *add);

#endif
