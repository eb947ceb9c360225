/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SECCOMP_DEFAULT_H
#define BERTH_OCI_SECCOMP_DEFAULT_H

#include <json-c/json.h>
#include <stdint.h>

/*
 * berth's default linux.seccomp object (an allowlist; see seccomp-default.c
 * for what it denies and why), for `berth-runc spec` and the engine.  The
 * caller owns the result; NULL on allocation failure.
 */
json_object *berth_seccomp_default_profile(void);

/*
 * The same profile for a container whose capability set (bounding) is @caps,
 * a mask of 1 << CAP_*: the syscalls those capabilities unlock are allowed,
 * as in Docker's default profile (mount with CAP_SYS_ADMIN, chroot with
 * CAP_SYS_CHROOT...).  berth_seccomp_default_profile() is this with 0.
 */
json_object *berth_seccomp_default_profile_caps(uint64_t caps);

#endif
