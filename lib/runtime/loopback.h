/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_LOOPBACK_H
#define BERTH_RUNTIME_LOOPBACK_H

#include <sys/types.h>

#include "util/error.h"

/*
 * A new network namespace has its loopback down; Docker's and podman's
 * `--network none` bring it up, and programs expect 127.0.0.1 to work.
 */

/*
 * `lo` up in the network namespace of process @pid, from outside: the calling
 * thread enters it for the two ioctls and returns to its own.  The runtime
 * does this while the init sets up its root, on the CPU the init does not use.
 */
int berth_loopback_up_in(pid_t pid, struct berth_error **err);

#endif
