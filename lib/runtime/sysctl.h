/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_SYSCTL_H
#define BERTH_RUNTIME_SYSCTL_H

/*
 * linux.sysctl: kernel parameters set inside the container.  Only keys that
 * belong to a namespace the container has of its own are allowed; anything
 * else would change the host.
 */

#include <stdbool.h>
#include <stddef.h>

#include "oci/spec.h"
#include "util/error.h"

/*
 * Refuse (EINVAL, naming the key) any key that is not namespaced by one of the
 * container's own namespaces (runc's rules): kernel.msgmax, kernel.msgmnb,
 * kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni,
 * kernel.shm_rmid_forced and fs.mqueue.* need an ipc namespace; net.* a
 * network namespace; kernel.hostname and kernel.domainname a uts namespace.
 * Keys may be written with "." or "/" separators.  No syscalls.
 */
int berth_sysctl_validate(const struct berth_sysctl *s, size_t n,
			  const bool ns_present[BERTH_NS_COUNT], struct berth_error **err);

/*
 * Write each value to /proc/sys/<key> ("." becomes "/" unless the key already
 * uses "/"), resolved inside /proc/sys so a key with ".." cannot leave it.
 * Run in the container once its /proc is mounted.
 */
int berth_sysctl_apply(const struct berth_sysctl *s, size_t n, struct berth_error **err);

#endif
