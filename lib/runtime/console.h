/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_CONSOLE_H
#define BERTH_RUNTIME_CONSOLE_H

#include "util/error.h"

/*
 * After pivot_root: bind the pty slave @slave (a path in the container's
 * devpts) on /dev/console, creating the file inside the root if needed.
 */
int berth_rootfs_bind_console(const char *slave, struct berth_error **err);

#endif
