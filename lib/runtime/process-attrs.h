/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_PROCESS_ATTRS_H
#define BERTH_RUNTIME_PROCESS_ATTRS_H

/*
 * Attributes of the container process set by the forked init before execve
 * (single-threaded): user and groups, rlimits, oom_score_adj, I/O priority,
 * scheduler, no_new_privs, personality, and the fd sweep.  Each returns 0 or
 * -errno with *err set; messages name the config.json field.
 */

#include <stdbool.h>
#include <stddef.h>

#include "oci/spec.h"
#include "util/error.h"

/*
 * Switch to @u: supplementary groups (additionalGids; when there are none the
 * list is emptied, unless /proc/self/setgroups says "deny" in a user
 * namespace), then setresgid, setresuid, and umask when u->umask >= 0.
 * Asking for additionalGids where setgroups is denied fails with EPERM.
 * Capabilities are kept only if berth_caps_keep_across_setuid(true) was called.
 */
int berth_process_set_user(const struct berth_user *u, struct berth_error **err);

/*
 * Apply each of @r (soft and hard; UINT64_MAX means unlimited).  Raising a hard
 * limit without CAP_SYS_RESOURCE fails with EPERM naming the rlimit and the
 * current hard limit; soft above hard fails with EINVAL.
 */
int berth_process_set_rlimits(const struct berth_rlimit *r, size_t n, struct berth_error **err);

/* Write @value (-1000..1000) to /proc/self/oom_score_adj. */
int berth_process_set_oom_score_adj(int value, struct berth_error **err);

/* ioprio_set(IOPRIO_WHO_PROCESS, 0) with io->class (IOPRIO_CLASS_*) and priority 0..7. */
int berth_process_set_ioprio(const struct berth_io_priority *io, struct berth_error **err);

/*
 * sched_setattr(2) for the calling thread with s->policy (SCHED_OTHER, BATCH,
 * IDLE, FIFO, RR, DEADLINE), nice, priority, flags and the deadline
 * parameters (nanoseconds).  nice with a policy other than SCHED_OTHER or
 * SCHED_BATCH is refused (the kernel would ignore it); what the kernel refuses
 * is reported with the policy named.
 */
int berth_process_set_scheduler(const struct berth_scheduler *s, struct berth_error **err);

/* prctl(PR_SET_NO_NEW_PRIVS, 1): execve can no longer grant privileges. */
int berth_process_set_no_new_privs(struct berth_error **err);

/* personality(2) for linux.personality.domain "LINUX" or "LINUX32". */
int berth_process_set_personality(const char *domain, struct berth_error **err);

/*
 * Mark every fd from 3 + @preserve up close-on-exec (close_range with
 * CLOSE_RANGE_CLOEXEC, or a /proc/self/fd walk where that is missing) and
 * clear close-on-exec on fds 3 .. 3 + @preserve - 1 (LISTEN_FDS style), so no
 * host fd survives the execve of the container process (CVE-2024-21626)
 * while the init can still use its own fds until then.
 */
int berth_process_close_fds(unsigned preserve, struct berth_error **err);

#endif
