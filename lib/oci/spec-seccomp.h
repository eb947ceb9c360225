/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SPEC_SECCOMP_H
#define BERTH_OCI_SPEC_SECCOMP_H

/*
 * linux.seccomp of the OCI runtime-spec 1.1, parsed and validated.  Parsing
 * does no syscalls: actions, operators and architectures are translated to
 * libseccomp's constants here (so every unknown name is refused with its JSON
 * path), while syscall names stay names: they are resolved when the filter is
 * compiled (runtime/seccomp.c), and names libseccomp does not know are
 * skipped there, as runc does, because a profile may list syscalls newer than
 * the library.
 */

#include <json-c/json.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum berth_seccomp_flags {
	BERTH_SECCOMP_FLAG_TSYNC = 1 << 0,
	BERTH_SECCOMP_FLAG_LOG = 1 << 1,
	BERTH_SECCOMP_FLAG_SPEC_ALLOW = 1 << 2,
	BERTH_SECCOMP_FLAG_WAIT_KILLABLE_RECV = 1 << 3,
};

struct berth_seccomp_arg {
	unsigned int index; /* syscall argument, 0..5 */
	enum scmp_compare op;
	uint64_t value;	    /* libseccomp datum_a (the mask for SCMP_CMP_MASKED_EQ) */
	uint64_t value_two; /* libseccomp datum_b (0 when absent) */
};

struct berth_seccomp_rule {
	char **names;	 /* NULL-terminated, at least one */
	uint32_t action; /* libseccomp action value, errno / trace data included */
	struct berth_seccomp_arg *args;
	size_t n_args;
};

struct berth_seccomp {
	uint32_t default_action; /* libseccomp action value, never SCMP_ACT_NOTIFY */
	uint32_t *archs;	 /* SCMP_ARCH_* tokens, in document order */
	size_t n_archs;
	unsigned int flags;	 /* enum berth_seccomp_flags */
	char *listener_path;	 /* NULL when absent; set whenever a rule uses NOTIFY */
	char *listener_metadata; /* NULL when absent; only set with listener_path */
	struct berth_seccomp_rule *rules;
	size_t n_rules;
};

/*
 * Parse and validate linux.seccomp (@path: "linux.seccomp") into *@out, which
 * the caller frees with berth_seccomp_free().  Errors name the JSON path, e.g.
 * `linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"`; flags the
 * linked libseccomp cannot apply are refused here.
 */
int berth_seccomp_parse(json_object *obj, const char *path, struct berth_seccomp **out,
			struct berth_error **err);

/* NULL-safe. */
void berth_seccomp_free(struct berth_seccomp *s);

/* True when some rule uses SCMP_ACT_NOTIFY (the filter then has a listener fd). */
bool berth_seccomp_has_notify(const struct berth_seccomp *s);

/* listenerPath, or NULL when absent.  Owned by @s. */
const char *berth_seccomp_listener_path(const struct berth_seccomp *s);

enum berth_seccomp_names {
	BERTH_SECCOMP_NAMES_ACTIONS,
	BERTH_SECCOMP_NAMES_OPERATORS,
	BERTH_SECCOMP_NAMES_ARCHS,
	BERTH_SECCOMP_NAMES_FLAGS, /* element i is the flag 1 << i */
};

/* The names berth recognises (for the features document): a static NULL-terminated vector. */
const char *const *berth_seccomp_names(enum berth_seccomp_names which);

#endif
