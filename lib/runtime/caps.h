/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_CAPS_H
#define BERTH_RUNTIME_CAPS_H

/*
 * Capabilities of the container process (process.capabilities).  Called in
 * the forked init, single-threaded, before execve.
 */

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

/*
 * Keep (or stop keeping) the permitted set across the switch away from uid 0
 * (PR_SET_KEEPCAPS).  Call with true before berth_process_set_user() and let
 * berth_caps_apply() run afterwards; the kernel resets the flag on execve.
 */
int berth_caps_keep_across_setuid(bool on, struct berth_error **err);

/*
 * Make the calling process's capability sets exactly @c: every bounding
 * capability not in c->bounding is dropped, then inheritable, permitted and
 * effective are set with capset(2), then the ambient set is cleared and each
 * capability of c->ambient raised.  Run it after the uid/gid switch.
 *
 * When process.capabilities is absent the parser leaves every mask empty and
 * the process ends up with no capability at all (what runc does).
 * Capabilities above berth_cap_last() (unknown to this kernel) are ignored.
 * An ambient capability missing from permitted or inheritable is refused
 * (EINVAL) naming it, since the kernel would refuse to raise it.  Needs
 * CAP_SETPCAP in the permitted set (it is raised in the effective set here).
 */
int berth_caps_apply(const struct berth_capabilities *c, struct berth_error **err);

#endif
