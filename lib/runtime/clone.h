/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_CLONE_H
#define BERTH_RUNTIME_CLONE_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * The runtime's children, born where they belong: clone3 with
 * CLONE_INTO_CGROUP puts a child in a cgroup2 directory at birth (no
 * migration, which waits for an RCU grace period; see cgroup.h).
 */

/*
 * fork(), born in the cgroup2 directory @v2_dir when there is one.  *into
 * says whether it was; a kernel or seccomp profile without clone3 gets a
 * plain fork().
 */
pid_t berth_fork_into(int v2_dir, bool *into);

/*
 * clone3 with the namespace flags @ns_flags (CLONE_NEW*), born in @v2_dir
 * when it is >= 0: the child is in its new namespaces from its first
 * instruction.  -1 with errno when clone3 cannot do it (no fallback).
 */
pid_t berth_clone_into(int ns_flags, int v2_dir);

#endif
