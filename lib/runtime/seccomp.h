/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_SECCOMP_H
#define BERTH_RUNTIME_SECCOMP_H

/*
 * Compile a parsed linux.seccomp (oci/spec-seccomp.h) with libseccomp, load
 * it, and hand a SCMP_ACT_NOTIFY listener to the seccomp agent.
 */

#include <json-c/json.h>
#include <linux/filter.h>
#include <stddef.h>

#include "oci/spec-seccomp.h"
#include "util/error.h"

/*
 * Compile @s and load it into the calling process.  Called in the container
 * init right before execve, after capabilities are set: the caller has set
 * no_new_privs or holds CAP_SYS_ADMIN (berth does not set NNP here, so that
 * process.noNewPrivileges keeps its meaning).
 *
 * Syscall names libseccomp does not know are skipped; rules whose action is
 * the default action are skipped (they would change nothing).  Several
 * conditions on one rule are ANDed, except when two of them test the same
 * argument index: then, as runc does, every condition becomes a rule of its
 * own (ORed), since a conjunction on one argument is rarely what was meant.
 *
 * *@notify_fd receives the listener fd (O_CLOEXEC, owned by the caller) when
 * some rule uses SCMP_ACT_NOTIFY, else -1.  Written only on success.
 */
int berth_seccomp_load(const struct berth_seccomp *s, int *notify_fd, struct berth_error **err);

/*
 * Compile @s exactly as berth_seccomp_load() would and return the BPF
 * program libseccomp would load (seccomp_export_bpf): *@insns (the caller
 * frees) of *@n instructions, 1..BPF_MAXINSNS.  Loads nothing.
 */
int berth_seccomp_export(const struct berth_seccomp *s, struct sock_filter **insns, size_t *n,
			 struct berth_error **err);

/* The SECCOMP_FILTER_FLAG_* bits libseccomp passes to seccomp(2) for @s's flags. */
unsigned int berth_seccomp_kernel_flags(const struct berth_seccomp *s);

/*
 * Send the container process state to @s's listenerPath: connect a unix
 * stream socket, send one JSON document
 *   {"ociVersion", "fds": ["seccompFd"], "pid", "metadata"?, "state"}
 * with @notify_fd attached by SCM_RIGHTS to the first sendmsg, and close the
 * connection.  @state_json is the container's state (runtime-spec state.json:
 * ociVersion and pid are taken from it and required).  @notify_fd stays owned
 * by the caller.  Errors: -EINVAL when @s has no listenerPath or the state is
 * malformed, else the failing socket call's errno.
 */
int berth_seccomp_send_listener(const struct berth_seccomp *s, int notify_fd,
				const char *state_json, struct berth_error **err);

/*
 * The "linux.seccomp" object of the OCI features document: enabled, actions,
 * operators, archs, knownFlags, and supportedFlags (the known flags that both
 * the linked libseccomp and the running kernel accept, probed with seccomp(2)).
 * The caller owns the result; NULL on allocation failure.
 */
json_object *berth_seccomp_features(void);

#endif
