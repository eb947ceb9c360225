/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_LSM_H
#define BERTH_RUNTIME_LSM_H

/*
 * Linux security modules for the container process: process.apparmorProfile
 * and process.selinuxLabel take effect at the next execve.  Asked for on a
 * host without the module, they are refused, never silently ignored.
 */

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

/* AppArmor is loaded and enabled (securityfs entry and module parameter "Y"). */
bool berth_lsm_apparmor_enabled(void);

/* SELinux is enabled (selinuxfs mounted at /sys/fs/selinux). */
bool berth_lsm_selinux_enabled(void);

/*
 * Have the next execve switch to AppArmor @profile: "exec <profile>" is
 * written to /proc/thread-self/attr/apparmor/exec (or attr/exec on older
 * kernels).  ENOTSUP when AppArmor is not enabled.
 */
int berth_lsm_apparmor_exec(const char *profile, struct berth_error **err);

/* Have the next execve run with SELinux @label (/proc/thread-self/attr/exec). */
int berth_lsm_selinux_exec(const char *label, struct berth_error **err);

/* Both of the above for @p, each only when set in the spec. */
int berth_lsm_apply(const struct berth_process *p, struct berth_error **err);

#endif
