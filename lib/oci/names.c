/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Name <-> number tables for capabilities, rlimits, namespaces and hooks,
 * spelt as config.json spells them.  Shared by the parser and `features`.
 * Pure tables apart from berth_cap_last(), which asks the kernel once.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "oci/spec.h"
#include "util/cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Index = capability number (linux/capability.h). */
static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static const char *const rlimit_names[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = "RLIMIT_CPU",	       [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	[RLIMIT_DATA] = "RLIMIT_DATA",	       [RLIMIT_STACK] = "RLIMIT_STACK",
	[RLIMIT_CORE] = "RLIMIT_CORE",	       [RLIMIT_RSS] = "RLIMIT_RSS",
	[RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
	[RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
	[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

static const struct {
	const char *name;
	int flag;
} namespaces[BERTH_NS_COUNT] = {
	[BERTH_NS_PID] = { "pid", CLONE_NEWPID },
	[BERTH_NS_NET] = { "network", CLONE_NEWNET },
	[BERTH_NS_MOUNT] = { "mount", CLONE_NEWNS },
	[BERTH_NS_IPC] = { "ipc", CLONE_NEWIPC },
	[BERTH_NS_UTS] = { "uts", CLONE_NEWUTS },
	[BERTH_NS_USER] = { "user", CLONE_NEWUSER },
	[BERTH_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
	[BERTH_NS_TIME] = { "time", CLONE_NEWTIME },
};

static const char *const hook_names[BERTH_HOOK_COUNT] = {
	[BERTH_HOOK_PRESTART] = "prestart",
	[BERTH_HOOK_CREATE_RUNTIME] = "createRuntime",
	[BERTH_HOOK_CREATE_CONTAINER] = "createContainer",
	[BERTH_HOOK_START_CONTAINER] = "startContainer",
	[BERTH_HOOK_POSTSTART] = "poststart",
	[BERTH_HOOK_POSTSTOP] = "poststop",
};

int berth_cap_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(cap_names); i++)
		if (strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *berth_cap_name(int cap)
{
	if (cap < 0 || (size_t)cap >= BERTH_ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

/* The kernel's cap_last_cap, or -1 when it cannot be read. */
static int kernel_cap_last(void)
{
	char buf[16] = { 0 };
	cleanup_close int fd = -1;
	ssize_t n;
	char *end;
	long v;

	fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	v = strtol(buf, &end, 10);
	if (end == buf || v < 0 || v > 63)
		return -1;
	return (int)v;
}

int berth_cap_last(void)
{
	/* Computed once; the value cannot change while the machine is up. */
	static int last = -2;
	int known = (int)BERTH_ARRAY_SIZE(cap_names) - 1;

	if (last == -2) {
		int k = kernel_cap_last();

		last = (k >= 0 && k < known) ? k : known;
	}
	return last;
}

int berth_rlimit_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(rlimit_names); i++)
		if (rlimit_names[i] != NULL && strcmp(rlimit_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *berth_rlimit_name(int resource)
{
	if (resource < 0 || (size_t)resource >= BERTH_ARRAY_SIZE(rlimit_names))
		return NULL;
	return rlimit_names[resource];
}

const char *berth_ns_name(enum berth_ns_type t)
{
	if ((int)t < 0 || t >= BERTH_NS_COUNT)
		return NULL;
	return namespaces[t].name;
}

int berth_ns_clone_flag(enum berth_ns_type t)
{
	if ((int)t < 0 || t >= BERTH_NS_COUNT)
		return 0;
	return namespaces[t].flag;
}

const char *berth_hook_name(enum berth_hook_kind k)
{
	if ((int)k < 0 || k >= BERTH_HOOK_COUNT)
		return NULL;
	return hook_names[k];
}
