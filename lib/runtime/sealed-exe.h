/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_SEALED_EXE_H
#define BERTH_RUNTIME_SEALED_EXE_H

#include "util/error.h"

/*
 * runc CVE-2019-5736: a process in the container that opens
 * /proc/<runtime pid>/exe while the runtime joins the container could
 * overwrite the runtime's binary on the host.  Before creating or joining a
 * container, berth-runc re-executes itself from a sealed memfd copy, so
 * /proc/self/exe is an anonymous, immutable file: writes fail with EPERM.
 *
 * Returns 0 when already running from the sealed copy; otherwise execs (and
 * returns only on failure).
 */
int berth_sealed_exe_ensure(char **argv, struct berth_error **err);

/* 1 when /proc/self/exe is a sealed memfd, 0 if not. */
int berth_sealed_exe_active(void);

#endif
