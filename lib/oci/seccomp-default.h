/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SECCOMP_DEFAULT_H
#define BERTH_OCI_SECCOMP_DEFAULT_H

#include <json-c/json.h>

/*
 * berth's default linux.seccomp object (an allowlist; see seccomp-default.c
 * for what it denies and why), for `berth-runc spec` and the engine.  The
 * caller owns the result; NULL on allocation failure.
 */
json_object *berth_seccomp_default_profile(void);

#endif
