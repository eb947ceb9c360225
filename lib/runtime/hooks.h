/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_HOOKS_H
#define BERTH_RUNTIME_HOOKS_H

/*
 * OCI hooks: each hook is forked and executed with its args and env, the
 * container state JSON on its stdin, and its timeout enforced.  Hooks of one
 * kind run one after the other; the first failure stops the list.
 */

#include <stdbool.h>
#include <stddef.h>

#include "oci/spec.h"
#include "util/error.h"

/* At most this much of a failing hook's stdout and stderr goes into the error. */
#define BERTH_HOOK_OUTPUT_MAX 4096

/*
 * Run @hooks[0..n) in order.  For each: execve(path, args, env) where args
 * defaults to { path } and env, when absent, to the caller's environment (as
 * runc); stdin reads @state_json then EOF; stdout and stderr are captured.  A
 * hook still running after its timeout is killed with SIGKILL and the call
 * fails with ETIMEDOUT: `hook "/path": timed out after N s`.  A non-zero exit
 * or death by a signal fails with ECHILD, naming the hook, its status and its
 * output (capped at BERTH_HOOK_OUTPUT_MAX bytes).  Leaves no child behind.
 */
int berth_hooks_run(const struct berth_hook *hooks, size_t n, const char *state_json,
		    struct berth_error **err);

/* berth_hooks_run() for the hooks of @kind in @all; errors say "hooks.<kind>[i]: ...". */
int berth_hooks_run_kind(const struct berth_hooks *all, enum berth_hook_kind kind,
			 const char *state_json, struct berth_error **err);

/*
 * For poststart and poststop, whose failures the spec makes warnings: run
 * every hook of @kind even when one fails; failures are returned in *warn
 * (if it is still NULL) and the call itself succeeds.
 */
int berth_hooks_run_kind_warn(const struct berth_hooks *all, enum berth_hook_kind kind,
			      const char *state_json, struct berth_error **warn);

/*
 * Whether creation needs the hooks exchange between the runtime and the init
 * (the init's HOOKS, the runtime's GO with the state): only when a prestart,
 * createRuntime, createContainer or startContainer hook is there to run.
 * Both sides ask it of the same spec, so both skip it together.
 */
bool berth_hooks_need_exchange(const struct berth_hooks *all);

#endif
