/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/clone.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* struct clone_args up to .cgroup (CLONE_ARGS_SIZE_VER2), without <linux/sched.h>. */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

#define BERTH_CLONE_INTO_CGROUP 0x200000000ULL

pid_t berth_fork_into(int v2_dir, bool *into)
{
	struct clone_args_v2 a = {
		.flags = BERTH_CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)v2_dir,
	};
	pid_t pid;

	*into = false;
	if (v2_dir >= 0) {
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			*into = true;
			return pid;
		}
		if (errno != ENOSYS && errno != EINVAL && errno != E2BIG && errno != EPERM &&
		    errno != EOPNOTSUPP)
			return -1;
	}
	return fork();
}

pid_t berth_clone_into(int ns_flags, int v2_dir)
{
	struct clone_args_v2 a = {
		.flags = (uint64_t)(unsigned int)ns_flags,
		.exit_signal = SIGCHLD,
	};

	if (v2_dir >= 0) {
		a.flags |= BERTH_CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)v2_dir;
	}
	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}
