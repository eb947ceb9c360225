/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/process-attrs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <linux/sched/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* "deny" in /proc/self/setgroups: a user namespace forbids setgroups(2). */
static bool setgroups_denied(void)
{
	char buf[8] = { 0 };
	cleanup_close int fd = -1;

	fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		return false;
	return strncmp(buf, "deny", 4) == 0;
}

/* setgroups(2) first: /proc/self/setgroups is read only to explain an EPERM. */
static int set_groups(const struct berth_user *u, struct berth_error **err)
{
	int saved;

	if (setgroups(u->n_additional_gids, u->additional_gids) == 0)
		return 0;
	saved = errno;
	if (saved == EPERM && setgroups_denied()) {
		if (u->n_additional_gids == 0)
			return 0;
		return berth_error_set(err, EPERM,
				       "process.user.additionalGids: setgroups is denied in this "
				       "user namespace (/proc/self/setgroups is \"deny\")");
	}
	errno = saved;
	return berth_error_errno(err, "process.user.additionalGids: setgroups");
}

int berth_process_set_user(const struct berth_user *u, struct berth_error **err)
{
	int ret;

	ret = set_groups(u, err);
	if (ret < 0)
		return ret;
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return berth_error_errno(err, "process.user.gid: setresgid(%u)", (unsigned)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return berth_error_errno(err, "process.user.uid: setresuid(%u)", (unsigned)u->uid);
	if (u->umask >= 0)
		umask((mode_t)u->umask & 0777);
	return 0;
}

static rlim_t to_rlim(uint64_t v)
{
	return v == UINT64_MAX ? RLIM_INFINITY : (rlim_t)v;
}

static int set_rlimit(const struct berth_rlimit *r, struct berth_error **err)
{
	const char *name = berth_rlimit_name(r->resource);
	struct rlimit want = { to_rlim(r->soft), to_rlim(r->hard) }, cur;

	if (name == NULL)
		return berth_error_set(err, EINVAL, "process.rlimits: unknown resource %d",
				       r->resource);
	if (r->soft > r->hard)
		return berth_error_set(err, EINVAL,
				       "process.rlimits: %s: soft limit %" PRIu64
				       " is above the hard limit %" PRIu64,
				       name, r->soft, r->hard);
	if (prlimit(0, (enum __rlimit_resource)r->resource, &want, NULL) == 0)
		return 0;
	if (errno == EPERM && getrlimit((enum __rlimit_resource)r->resource, &cur) == 0 &&
	    want.rlim_max > cur.rlim_max)
		return berth_error_set(err, EPERM,
				       "process.rlimits: %s: hard limit %" PRIu64
				       " is above the current hard limit %llu and raising it "
				       "needs CAP_SYS_RESOURCE",
				       name, r->hard, (unsigned long long)cur.rlim_max);
	return berth_error_errno(err, "process.rlimits: %s: setrlimit", name);
}

int berth_process_set_rlimits(const struct berth_rlimit *r, size_t n, struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		int ret = set_rlimit(&r[i], err);

		if (ret < 0)
			return ret;
	}
	return 0;
}

int berth_process_set_oom_score_adj(int value, struct berth_error **err)
{
	char buf[16];
	int len, ret;

	if (value < -1000 || value > 1000)
		return berth_error_set(err, EINVAL,
				       "process.oomScoreAdj: %d is outside -1000..1000", value);
	len = snprintf(buf, sizeof(buf), "%d", value);
	ret = berth_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t)len);
	if (ret < 0) {
		errno = -ret;
		if (ret == -EACCES || ret == -EPERM)
			return berth_error_errno(err,
						 "process.oomScoreAdj: lowering to %d needs "
						 "CAP_SYS_RESOURCE",
						 value);
		return berth_error_errno(err, "process.oomScoreAdj: write %d", value);
	}
	return 0;
}

static const char *ioprio_class_name(int class)
{
	static const char *const names[] = { "IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT",
					     "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };

	return class >= 0 && class < 4 ? names[class] : "unknown";
}

int berth_process_set_ioprio(const struct berth_io_priority *io, struct berth_error **err)
{
	const char *name = ioprio_class_name(io->class);

	if (io->class < 1 || io->class > 3)
		return berth_error_set(err, EINVAL, "process.ioPriority.class: unknown class %d",
				       io->class);
	if (io->priority < 0 || io->priority > 7)
		return berth_error_set(
		    err, EINVAL, "process.ioPriority.priority: %d is outside 0..7", io->priority);
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
		    (io->class << IOPRIO_CLASS_SHIFT) | io->priority) < 0)
		return berth_error_errno(err, "process.ioPriority: ioprio_set %s priority %d", name,
					 io->priority);
	return 0;
}

static const char *sched_policy_name(int policy)
{
	static const char *const names[] = {
		[SCHED_NORMAL] = "SCHED_OTHER", [SCHED_FIFO] = "SCHED_FIFO",
		[SCHED_RR] = "SCHED_RR",	[SCHED_BATCH] = "SCHED_BATCH",
		[SCHED_IDLE] = "SCHED_IDLE",	[SCHED_DEADLINE] = "SCHED_DEADLINE",
	};

	if (policy < 0 || (size_t)policy >= BERTH_ARRAY_SIZE(names) || names[policy] == NULL)
		return NULL;
	return names[policy];
}

int berth_process_set_scheduler(const struct berth_scheduler *s, struct berth_error **err)
{
	const char *name = sched_policy_name(s->policy);
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = (uint32_t)s->policy,
		.sched_flags = s->flags,
		.sched_nice = s->nice,
		.sched_priority = (uint32_t)s->priority,
		.sched_runtime = s->runtime,
		.sched_deadline = s->deadline,
		.sched_period = s->period,
	};

	if (name == NULL)
		return berth_error_set(err, EINVAL, "process.scheduler.policy: unknown policy %d",
				       s->policy);
	/* The kernel ignores nice for the other policies; refuse rather than drop it. */
	if (s->nice != 0 && s->policy != SCHED_NORMAL && s->policy != SCHED_BATCH)
		return berth_error_set(err, EINVAL,
				       "process.scheduler.nice: %s does not use nice, only "
				       "SCHED_OTHER and SCHED_BATCH do",
				       name);
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return berth_error_errno(err,
					 "process.scheduler: the kernel refused %s (nice %d, "
					 "priority %d, flags %#" PRIx64 ")",
					 name, s->nice, s->priority, s->flags);
	return 0;
}

int berth_process_set_no_new_privs(struct berth_error **err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berth_error_errno(err, "process.noNewPrivileges: prctl");
	return 0;
}

int berth_process_set_personality(const char *domain, struct berth_error **err)
{
	unsigned long persona;

	if (strcmp(domain, "LINUX") == 0)
		persona = PER_LINUX;
	else if (strcmp(domain, "LINUX32") == 0)
		persona = PER_LINUX32;
	else
		return berth_error_set(err, EINVAL,
				       "linux.personality.domain: unknown domain \"%s\"", domain);
	if (personality(persona) < 0)
		return berth_error_errno(err, "linux.personality.domain: personality(%s)", domain);
	return 0;
}

/* The fallback sweep when close_range(2) is missing (old kernels, valgrind). */
static int cloexec_from_proc(int first, struct berth_error **err)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (d == NULL)
		return berth_error_errno(err, "open '/proc/self/fd'");
	while ((de = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end != '\0' || end == de->d_name || fd < first || fd == dirfd(d))
			continue;
		if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF) {
			int saved = errno;

			closedir(d);
			errno = saved;
			return berth_error_errno(err, "mark fd %ld close-on-exec", fd);
		}
	}
	closedir(d);
	return 0;
}

int berth_process_close_fds(unsigned preserve, struct berth_error **err)
{
	int first = 3 + (int)preserve;
	int ret;

	if (preserve > 65536)
		return berth_error_set(err, EINVAL, "preserve-fds: %u is too many", preserve);
	for (int fd = 3; fd < first; fd++) {
		if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
			return berth_error_errno(err, "preserve fd %d", fd);
	}
	ret = close_range((unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC);
	if (ret == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return berth_error_errno(err, "close_range(%d, CLOSE_RANGE_CLOEXEC)", first);
	return cloexec_from_proc(first, err);
}
