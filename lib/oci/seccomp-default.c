/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth's default seccomp profile.
 *
 * An allowlist in the spirit of Docker's default: every syscall not named
 * below fails with EPERM (defaultAction SCMP_ACT_ERRNO, defaultErrnoRet
 * EPERM), so a syscall added to the kernel later is denied until someone
 * decides it is safe.  EPERM rather than ENOSYS because libseccomp 2.5 cannot
 * tell "newer than the profile" from "deliberately denied" without patching
 * the BPF by hand; the one case where ENOSYS matters today is clone3, whose
 * flags live in a struct seccomp cannot read: it answers ENOSYS so that libc
 * falls back to clone(2), whose namespace flags are filtered.
 *
 * Like Docker's profile, some syscalls are unlocked by capabilities (the
 * gated[] table below): berth_seccomp_default_profile_caps() allows mount and
 * friends only to a container that holds CAP_SYS_ADMIN, chroot only with
 * CAP_SYS_CHROOT, ptrace only with CAP_SYS_PTRACE, and so on; the kernel's
 * own capability checks still apply to what is allowed.  Where berth is
 * stricter than Docker's default: ptrace and process_vm_* need
 * CAP_SYS_PTRACE (Docker allows them on kernels >= 4.8), and io_uring,
 * modify_ldt and memfd_secret are denied.  unshare without CLONE_NEW* flags
 * stays allowed (Docker denies unshare entirely without CAP_SYS_ADMIN): it
 * only un-shares the caller's own files and fs state, as clone(2) without
 * CLONE_FILES/CLONE_FS does.
 *
 * Denied whatever the capabilities, by family:
 *   keys:          add_key, keyctl, request_key (the keyring is not namespaced)
 *   kernel code:   kexec_load, kexec_file_load, create_module, query_module,
 *                  get_kernel_syms
 *   mounts:        pivot_root
 *   host state:    swapon, swapoff, nfsservctl, _sysctl, sysfs, ustat, uselib,
 *                  vm86, vm86old
 *   risky ifaces:  userfaultfd, io_uring_setup/enter/register, move_pages,
 *                  migrate_pages
 *   sockets:       socket(AF_VSOCK)
 *   personality:   only PER_LINUX, PER_LINUX32, UNAME26 and the query 0xffffffff
 * Denied unless a capability unlocks them: see gated[].
 *
 * x32: on x86-64 the architectures are X86_64 and X86 (32-bit binaries run),
 * not X32 as in Docker's: a syscall of the x32 ABI kills the process (the
 * filter's bad-architecture action).  x32 binaries are next to nonexistent,
 * Debian's kernel runs none unless booted with syscall.x32=y, and the x32
 * half of the filter was a third of its instructions: the kernel compiles
 * them at every container start (~0.1 ms of ~0.35 ms).  A profile that
 * lists SCMP_ARCH_X32 (--security-opt seccomp=...) gets it.
 */
#define _GNU_SOURCE
#include "oci/seccomp-default.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/cleanup.h"

/* Unconditionally allowed; names unknown to an architecture are skipped at load. */
static const char *const allowed[] = {
	"_llseek",
	"_newselect",
	"accept",
	"accept4",
	"access",
	"adjtimex",
	"alarm",
	"arch_prctl",
	"arm_fadvise64_64",
	"arm_sync_file_range",
	"bind",
	"breakpoint",
	"brk",
	"cacheflush",
	"capget",
	"capset",
	"chdir",
	"chmod",
	"chown",
	"chown32",
	"clock_adjtime",
	"clock_adjtime64",
	"clock_getres",
	"clock_getres_time64",
	"clock_gettime",
	"clock_gettime64",
	"clock_nanosleep",
	"clock_nanosleep_time64",
	"close",
	"close_range",
	"connect",
	"copy_file_range",
	"creat",
	"dup",
	"dup2",
	"dup3",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_ctl_old",
	"epoll_pwait",
	"epoll_pwait2",
	"epoll_wait",
	"epoll_wait_old",
	"eventfd",
	"eventfd2",
	"execve",
	"execveat",
	"exit",
	"exit_group",
	"faccessat",
	"faccessat2",
	"fadvise64",
	"fadvise64_64",
	"fallocate",
	"fanotify_mark",
	"fchdir",
	"fchmod",
	"fchmodat",
	"fchmodat2",
	"fchown",
	"fchown32",
	"fchownat",
	"fcntl",
	"fcntl64",
	"fdatasync",
	"fgetxattr",
	"flistxattr",
	"flock",
	"fork",
	"fremovexattr",
	"fsetxattr",
	"fstat",
	"fstat64",
	"fstatat64",
	"fstatfs",
	"fstatfs64",
	"fsync",
	"ftruncate",
	"ftruncate64",
	"futex",
	"futex_time64",
	"futex_waitv",
	"futimesat",
	"get_robust_list",
	"get_thread_area",
	"getcpu",
	"getcwd",
	"getdents",
	"getdents64",
	"getegid",
	"getegid32",
	"geteuid",
	"geteuid32",
	"getgid",
	"getgid32",
	"getgroups",
	"getgroups32",
	"getitimer",
	"getpeername",
	"getpgid",
	"getpgrp",
	"getpid",
	"getppid",
	"getpriority",
	"getrandom",
	"getresgid",
	"getresgid32",
	"getresuid",
	"getresuid32",
	"getrlimit",
	"getrusage",
	"getsid",
	"getsockname",
	"getsockopt",
	"gettid",
	"gettimeofday",
	"getuid",
	"getuid32",
	"getxattr",
	"inotify_add_watch",
	"inotify_init",
	"inotify_init1",
	"inotify_rm_watch",
	"io_cancel",
	"io_destroy",
	"io_getevents",
	"io_pgetevents",
	"io_pgetevents_time64",
	"io_setup",
	"io_submit",
	"ioctl",
	"ioprio_get",
	"ioprio_set",
	"ipc",
	"kill",
	"landlock_add_rule",
	"landlock_create_ruleset",
	"landlock_restrict_self",
	"lchown",
	"lchown32",
	"lgetxattr",
	"link",
	"linkat",
	"listen",
	"listxattr",
	"llistxattr",
	"lremovexattr",
	"lseek",
	"lsetxattr",
	"lstat",
	"lstat64",
	"madvise",
	"membarrier",
	"memfd_create",
	"mincore",
	"mkdir",
	"mkdirat",
	"mknod",
	"mknodat",
	"mlock",
	"mlock2",
	"mlockall",
	"mmap",
	"mmap2",
	"mprotect",
	"mq_getsetattr",
	"mq_notify",
	"mq_open",
	"mq_timedreceive",
	"mq_timedreceive_time64",
	"mq_timedsend",
	"mq_timedsend_time64",
	"mq_unlink",
	"mremap",
	"msgctl",
	"msgget",
	"msgrcv",
	"msgsnd",
	"msync",
	"munlock",
	"munlockall",
	"munmap",
	"name_to_handle_at",
	"nanosleep",
	"newfstatat",
	"open",
	"openat",
	"openat2",
	"pause",
	"pidfd_open",
	"pidfd_send_signal",
	"pipe",
	"pipe2",
	"pkey_alloc",
	"pkey_free",
	"pkey_mprotect",
	"poll",
	"ppoll",
	"ppoll_time64",
	"prctl",
	"pread64",
	"preadv",
	"preadv2",
	"prlimit64",
	"process_mrelease",
	"pselect6",
	"pselect6_time64",
	"pwrite64",
	"pwritev",
	"pwritev2",
	"read",
	"readahead",
	"readlink",
	"readlinkat",
	"readv",
	"recv",
	"recvfrom",
	"recvmmsg",
	"recvmmsg_time64",
	"recvmsg",
	"remap_file_pages",
	"removexattr",
	"rename",
	"renameat",
	"renameat2",
	"restart_syscall",
	"riscv_flush_icache",
	"rmdir",
	"rseq",
	"rt_sigaction",
	"rt_sigpending",
	"rt_sigprocmask",
	"rt_sigqueueinfo",
	"rt_sigreturn",
	"rt_sigsuspend",
	"rt_sigtimedwait",
	"rt_sigtimedwait_time64",
	"rt_tgsigqueueinfo",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"sched_getaffinity",
	"sched_getattr",
	"sched_getparam",
	"sched_getscheduler",
	"sched_rr_get_interval",
	"sched_rr_get_interval_time64",
	"sched_setaffinity",
	"sched_setattr",
	"sched_setparam",
	"sched_setscheduler",
	"sched_yield",
	"seccomp",
	"select",
	"semctl",
	"semget",
	"semop",
	"semtimedop",
	"semtimedop_time64",
	"send",
	"sendfile",
	"sendfile64",
	"sendmmsg",
	"sendmsg",
	"sendto",
	"set_robust_list",
	"set_thread_area",
	"set_tid_address",
	"set_tls",
	"setfsgid",
	"setfsgid32",
	"setfsuid",
	"setfsuid32",
	"setgid",
	"setgid32",
	"setgroups",
	"setgroups32",
	"setitimer",
	"setpgid",
	"setpriority",
	"setregid",
	"setregid32",
	"setresgid",
	"setresgid32",
	"setresuid",
	"setresuid32",
	"setreuid",
	"setreuid32",
	"setrlimit",
	"setsid",
	"setsockopt",
	"setuid",
	"setuid32",
	"setxattr",
	"shmat",
	"shmctl",
	"shmdt",
	"shmget",
	"shutdown",
	"sigaltstack",
	"signalfd",
	"signalfd4",
	"sigprocmask",
	"sigreturn",
	"socketcall",
	"socketpair",
	"splice",
	"stat",
	"stat64",
	"statfs",
	"statfs64",
	"statx",
	"symlink",
	"symlinkat",
	"sync",
	"sync_file_range",
	"sync_file_range2",
	"syncfs",
	"sysinfo",
	"tee",
	"tgkill",
	"time",
	"timer_create",
	"timer_delete",
	"timer_getoverrun",
	"timer_gettime",
	"timer_gettime64",
	"timer_settime",
	"timer_settime64",
	"timerfd_create",
	"timerfd_gettime",
	"timerfd_gettime64",
	"timerfd_settime",
	"timerfd_settime64",
	"times",
	"tkill",
	"truncate",
	"truncate64",
	"ugetrlimit",
	"umask",
	"uname",
	"unlink",
	"unlinkat",
	"utime",
	"utimensat",
	"utimensat_time64",
	"utimes",
	"vfork",
	"vmsplice",
	"wait4",
	"waitid",
	"waitpid",
	"write",
	"writev",
};

/* CLONE_NEW* flags clone(2) can carry (CLONE_NEWTIME overlaps the exit signal there). */
#define CLONE_NS_FLAGS                                                                             \
	((uint64_t)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |  \
		    CLONE_NEWPID | CLONE_NEWNET))
#define CLONE_NEWTIME_FLAG 0x80ULL
#define AF_VSOCK_FAMILY 40
#define CAP_BIT(c) (1ULL << (c))

/*
 * Syscalls allowed (or answered) only for some argument values: one condition
 * per row.  A row is left out when the container holds a capability of
 * @unless_caps: then a broader rule of gated[] allows the syscall outright.
 */
static const struct cond_rule {
	const char *name;
	const char *action;
	int errno_ret;	/* 0: none */
	const char *op; /* NULL: no condition */
	uint64_t value, value_two;
	uint64_t unless_caps;
} conditional[] = {
	{ "personality", "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0x0, 0, 0 },	 /* PER_LINUX */
	{ "personality", "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0x8, 0, 0 },	 /* PER_LINUX32 */
	{ "personality", "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0x20000, 0, 0 },	 /* UNAME26 */
	{ "personality", "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0x20008, 0, 0 },	 /* both */
	{ "personality", "SCMP_ACT_ALLOW", 0, "SCMP_CMP_EQ", 0xffffffff, 0, 0 }, /* query */
	/* vsock reaches the hypervisor's services, not the container's network. */
	{ "socket", "SCMP_ACT_ALLOW", 0, "SCMP_CMP_NE", AF_VSOCK_FAMILY, 0, 0 },
	{ "clone", "SCMP_ACT_ALLOW", 0, "SCMP_CMP_MASKED_EQ", CLONE_NS_FLAGS, 0,
	  CAP_BIT(CAP_SYS_ADMIN) },
	{ "unshare", "SCMP_ACT_ALLOW", 0, "SCMP_CMP_MASKED_EQ", CLONE_NS_FLAGS | CLONE_NEWTIME_FLAG,
	  0, CAP_BIT(CAP_SYS_ADMIN) },
	{ "clone3", "SCMP_ACT_ERRNO", ENOSYS, NULL, 0, 0, CAP_BIT(CAP_SYS_ADMIN) },
};

/*
 * What a capability unlocks, as Docker's default profile does: the syscalls
 * are allowed only when the container's capability set holds @cap (the
 * kernel still checks the capability itself).  pivot_root, kexec_*, swapon,
 * swapoff, userfaultfd and io_uring stay denied whatever the capabilities.
 */
static const struct gated_rule {
	int cap;
	const char *const names[16];
} gated[] = {
	{ CAP_SYS_ADMIN,
	  { "mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "open_tree",
	    "move_mount", "mount_setattr", "setns", "unshare", "clone", "clone3", "sethostname",
	    "setdomainname" } },
	{ CAP_SYS_ADMIN,
	  { "quotactl", "quotactl_fd", "syslog", "fanotify_init", "lookup_dcookie", "bpf",
	    "perf_event_open" } },
	{ CAP_SYS_CHROOT, { "chroot" } },
	{ CAP_SYS_BOOT, { "reboot" } },
	{ CAP_SYS_MODULE, { "init_module", "finit_module", "delete_module" } },
	{ CAP_SYS_PACCT, { "acct" } },
	{ CAP_SYS_PTRACE,
	  { "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	    "process_madvise" } },
	{ CAP_SYS_RAWIO, { "iopl", "ioperm" } },
	{ CAP_SYS_TIME, { "settimeofday", "stime", "clock_settime", "clock_settime64" } },
	{ CAP_SYS_TTY_CONFIG, { "vhangup" } },
	{ CAP_SYS_NICE, { "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node" } },
	{ CAP_SYSLOG, { "syslog" } },
	{ CAP_BPF, { "bpf" } },
	{ CAP_PERFMON, { "perf_event_open" } },
	{ CAP_DAC_READ_SEARCH, { "open_by_handle_at" } },
};

static json_object *architectures(void)
{
	json_object *a = json_object_new_array();

	if (a == NULL)
		return NULL;
#if defined(__x86_64__)
	/* Not X32, unlike Docker: see "x32" at the top. */
	json_object_array_add(a, json_object_new_string("SCMP_ARCH_X86_64"));
	json_object_array_add(a, json_object_new_string("SCMP_ARCH_X86"));
#elif defined(__aarch64__)
	json_object_array_add(a, json_object_new_string("SCMP_ARCH_AARCH64"));
	json_object_array_add(a, json_object_new_string("SCMP_ARCH_ARM"));
#endif
	return a;
}

static json_object *names_rule(const char *const *names, size_t n)
{
	json_object *rule = json_object_new_object();
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr != NULL && i < n && names[i] != NULL; i++)
		json_object_array_add(arr, json_object_new_string(names[i]));
	json_object_object_add(rule, "names", arr);
	json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_ALLOW"));
	return rule;
}

static json_object *cond_rule(const struct cond_rule *c)
{
	json_object *rule = json_object_new_object();
	json_object *names = json_object_new_array();
	json_object *args, *arg;

	json_object_array_add(names, json_object_new_string(c->name));
	json_object_object_add(rule, "names", names);
	json_object_object_add(rule, "action", json_object_new_string(c->action));
	if (c->errno_ret != 0)
		json_object_object_add(rule, "errnoRet", json_object_new_int(c->errno_ret));
	if (c->op == NULL)
		return rule;
	args = json_object_new_array();
	arg = json_object_new_object();
	json_object_object_add(arg, "index", json_object_new_int(0));
	json_object_object_add(arg, "value", json_object_new_uint64(c->value));
	json_object_object_add(arg, "valueTwo", json_object_new_uint64(c->value_two));
	json_object_object_add(arg, "op", json_object_new_string(c->op));
	json_object_array_add(args, arg);
	json_object_object_add(rule, "args", args);
	return rule;
}

/* The gated names @caps unlock, each once (libseccomp refuses a second identical rule). */
static json_object *gated_rule(uint64_t caps)
{
	const char *names[BERTH_ARRAY_SIZE(gated) * 16];
	size_t n = 0;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(gated); i++) {
		if (!(caps & CAP_BIT(gated[i].cap)))
			continue;
		for (size_t j = 0; j < 16 && gated[i].names[j] != NULL; j++) {
			bool seen = false;

			for (size_t k = 0; k < n && !seen; k++)
				seen = strcmp(names[k], gated[i].names[j]) == 0;
			if (!seen)
				names[n++] = gated[i].names[j];
		}
	}
	return n == 0 ? NULL : names_rule(names, n);
}

json_object *berth_seccomp_default_profile_caps(uint64_t caps)
{
	json_object *p = json_object_new_object();
	json_object *rules = json_object_new_array();
	json_object *g;

	if (p == NULL || rules == NULL) {
		json_object_put(p);
		json_object_put(rules);
		return NULL;
	}
	json_object_object_add(p, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(p, "defaultErrnoRet", json_object_new_int(EPERM));
	json_object_object_add(p, "architectures", architectures());
	json_object_array_add(rules, names_rule(allowed, BERTH_ARRAY_SIZE(allowed)));
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(conditional); i++)
		if (!(caps & conditional[i].unless_caps))
			json_object_array_add(rules, cond_rule(&conditional[i]));
	if ((g = gated_rule(caps)) != NULL)
		json_object_array_add(rules, g);
	json_object_object_add(p, "syscalls", rules);
	return p;
}

json_object *berth_seccomp_default_profile(void)
{
	return berth_seccomp_default_profile_caps(0);
}
