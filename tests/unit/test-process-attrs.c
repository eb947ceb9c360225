/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/lsm.h"
#include "runtime/process-attrs.h"
#include "runtime/sysctl.h"
#include "unit.h"
#include "util/fs.h"

/* The line of /proc/self/status starting with @field, without the newline. */
static const char *status_line(const char *field)
{
	static char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, strlen(field)) == 0) {
			line[strcspn(line, "\n")] = '\0';
			fclose(f);
			return line;
		}
	}
	FAIL("no %s in /proc/self/status", field);
}

BERTH_TEST(attrs_rlimits_applied)
{
	struct berth_rlimit r[] = {
		{ .resource = RLIMIT_NOFILE, .soft = 512, .hard = 1024 },
		{ .resource = RLIMIT_CORE, .soft = 0, .hard = UINT64_MAX },
	};
	struct berth_error *err = NULL;
	struct rlimit got;

	CHECK_OK(berth_process_set_rlimits(r, 2, &err), &err);
	CHECK(getrlimit(RLIMIT_NOFILE, &got) == 0);
	CHECK_INT(got.rlim_cur, ==, 512);
	CHECK_INT(got.rlim_max, ==, 1024);
	CHECK(getrlimit(RLIMIT_CORE, &got) == 0);
	CHECK_INT(got.rlim_cur, ==, 0);
	CHECK(got.rlim_max == RLIM_INFINITY);
}

BERTH_TEST(attrs_rlimit_above_hard_limit_is_named)
{
	struct berth_rlimit r = { .resource = RLIMIT_NOFILE, .soft = 1024, .hard = 30000 };
	struct berth_error *err = NULL;
	struct rlimit cur;
	char want[256];

	CHECK(getrlimit(RLIMIT_NOFILE, &cur) == 0);
	if (cur.rlim_max == RLIM_INFINITY || cur.rlim_max >= 30000)
		SKIP("RLIMIT_NOFILE hard limit is not below 30000 here");
	if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 1024, 30000 }) == 0)
		SKIP("this process can raise hard limits (CAP_SYS_RESOURCE)");
	CHECK_INT(berth_process_set_rlimits(&r, 1, &err), ==, -EPERM);
	snprintf(want, sizeof(want),
		 "process.rlimits: RLIMIT_NOFILE: hard limit 30000 is above the current hard "
		 "limit %llu and raising it needs CAP_SYS_RESOURCE",
		 (unsigned long long)cur.rlim_max);
	CHECK_STR(err->msg, want);
	berth_error_clear(&err);
	r.soft = 2000;
	r.hard = 1000;
	CHECK_INT(berth_process_set_rlimits(&r, 1, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "process.rlimits: RLIMIT_NOFILE: soft limit 2000 is above the hard "
			    "limit 1000");
	berth_error_free(err);
}

BERTH_TEST(attrs_user_switch_with_groups_and_umask)
{
	gid_t groups[] = { 10, 20 };
	struct berth_user u = { .uid = 1000,
				.gid = 1001,
				.umask = 027,
				.additional_gids = groups,
				.n_additional_gids = 2 };
	struct berth_error *err = NULL;

	CHECK_OK(berth_process_set_user(&u, &err), &err);
	CHECK_STR(status_line("Uid:"), "Uid:\t1000\t1000\t1000\t1000");
	CHECK_STR(status_line("Gid:"), "Gid:\t1001\t1001\t1001\t1001");
	CHECK_STR(status_line("Groups:"), "Groups:\t10 20 ");
	CHECK_INT(umask(0), ==, 027);
}

BERTH_TEST(attrs_user_switch_clears_groups)
{
	struct berth_user u = { .uid = 0, .gid = 0, .umask = -1 };
	struct berth_error *err = NULL;
	gid_t one = 30;

	CHECK(setgroups(1, &one) == 0);
	CHECK_OK(berth_process_set_user(&u, &err), &err);
	CHECK(strspn(status_line("Groups:") + strlen("Groups:"), " \t") ==
	      strlen(status_line("Groups:")) - strlen("Groups:"));
}

/* A user namespace mapping only uid/gid 0 with setgroups denied. */
static void enter_userns(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	CHECK(unshare(CLONE_NEWUSER) == 0);
	CHECK(berth_write_file_at(AT_FDCWD, "/proc/self/setgroups", "deny", 4) == 0);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	CHECK(berth_write_file_at(AT_FDCWD, "/proc/self/uid_map", map, strlen(map)) == 0);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	CHECK(berth_write_file_at(AT_FDCWD, "/proc/self/gid_map", map, strlen(map)) == 0);
}

BERTH_TEST(attrs_user_switch_where_setgroups_is_denied)
{
	gid_t groups[] = { 0 };
	struct berth_user u = { .uid = 0, .gid = 0, .umask = -1 };
	struct berth_error *err = NULL;

	enter_userns();
	CHECK_OK(berth_process_set_user(&u, &err), &err);
	u.additional_gids = groups;
	u.n_additional_gids = 1;
	CHECK_INT(berth_process_set_user(&u, &err), ==, -EPERM);
	CHECK_STR(err->msg, "process.user.additionalGids: setgroups is denied in this user "
			    "namespace (/proc/self/setgroups is \"deny\")");
	berth_error_free(err);
}

BERTH_TEST(attrs_oom_score_adj)
{
	struct berth_error *err = NULL;
	char *buf = NULL;

	CHECK_OK(berth_process_set_oom_score_adj(500, &err), &err);
	CHECK_OK(berth_read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", 64, &buf, NULL, &err),
		 &err);
	CHECK_STR(buf, "500\n");
	free(buf);
	CHECK_INT(berth_process_set_oom_score_adj(1001, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "process.oomScoreAdj: 1001 is outside -1000..1000");
	berth_error_free(err);
}

BERTH_TEST(attrs_ioprio_read_back)
{
	struct berth_io_priority io = { .present = true, .class = 2, .priority = 5 };
	struct berth_error *err = NULL;

	CHECK_OK(berth_process_set_ioprio(&io, &err), &err);
	CHECK_INT(syscall(SYS_ioprio_get, 1, 0), ==, (2 << 13) | 5);
	io.class = 3;
	io.priority = 0;
	CHECK_OK(berth_process_set_ioprio(&io, &err), &err);
	CHECK_INT(syscall(SYS_ioprio_get, 1, 0), ==, 3 << 13);
	io.priority = 8;
	CHECK_INT(berth_process_set_ioprio(&io, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "process.ioPriority.priority: 8 is outside 0..7");
	berth_error_free(err);
}

/* The kernel's struct sched_attr (linux/sched/types.h clashes with <sched.h>). */
struct sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

static struct sched_attr get_sched(void)
{
	struct sched_attr a = { 0 };

	CHECK(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0);
	return a;
}

BERTH_TEST(attrs_scheduler_read_back)
{
	struct berth_scheduler s = { .present = true, .policy = SCHED_BATCH, .nice = 5 };
	struct berth_error *err = NULL;
	struct sched_attr a;

	CHECK_OK(berth_process_set_scheduler(&s, &err), &err);
	a = get_sched();
	CHECK_INT(a.sched_policy, ==, SCHED_BATCH);
	CHECK_INT(a.sched_nice, ==, 5);
	s.policy = SCHED_IDLE;
	s.nice = 0;
	CHECK_OK(berth_process_set_scheduler(&s, &err), &err);
	a = get_sched();
	CHECK_INT(a.sched_policy, ==, SCHED_IDLE);
	s.nice = 7;
	CHECK_INT(berth_process_set_scheduler(&s, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "process.scheduler.nice: SCHED_IDLE does not use nice, only "
			    "SCHED_OTHER and SCHED_BATCH do");
	berth_error_free(err);
}

BERTH_TEST(attrs_scheduler_refused_clearly)
{
	struct berth_scheduler s = { .present = true,
				     .policy = SCHED_DEADLINE,
				     .runtime = 20000000,
				     .deadline = 10000000,
				     .period = 30000000 };
	struct berth_error *err = NULL;

	CHECK_INT(berth_process_set_scheduler(&s, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "process.scheduler: the kernel refused SCHED_DEADLINE (nice 0, "
			    "priority 0, flags 0): Invalid argument");
	berth_error_clear(&err);
	s.policy = 42;
	CHECK_INT(berth_process_set_scheduler(&s, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "process.scheduler.policy: unknown policy 42");
	berth_error_free(err);
}

BERTH_TEST(attrs_no_new_privs_and_personality)
{
	struct berth_error *err = NULL;

	CHECK_STR(status_line("NoNewPrivs:"), "NoNewPrivs:\t0");
	CHECK_OK(berth_process_set_no_new_privs(&err), &err);
	CHECK_STR(status_line("NoNewPrivs:"), "NoNewPrivs:\t1");
	CHECK_OK(berth_process_set_personality("LINUX32", &err), &err);
	CHECK_INT(personality(0xffffffff), ==, PER_LINUX32);
	CHECK_OK(berth_process_set_personality("LINUX", &err), &err);
	CHECK_INT(personality(0xffffffff), ==, PER_LINUX);
	CHECK_INT(berth_process_set_personality("LINUX64", &err), ==, -EINVAL);
	CHECK_STR(err->msg, "linux.personality.domain: unknown domain \"LINUX64\"");
	berth_error_free(err);
}

BERTH_TEST(attrs_close_fds_keeps_only_preserved)
{
	struct berth_error *err = NULL;
	int status;
	pid_t pid;

	/* Fill 3..9 with fds; fd 3 and 4 are "preserved" (LISTEN_FDS=2). */
	for (int fd = 3; fd < 10; fd++) {
		CHECK(dup2(0, fd) == fd);
		CHECK(fcntl(fd, F_SETFD, fd == 4 ? FD_CLOEXEC : 0) == 0);
	}
	CHECK_OK(berth_process_close_fds(2, &err), &err);
	CHECK_INT(fcntl(3, F_GETFD), ==, 0);
	CHECK_INT(fcntl(4, F_GETFD), ==, 0);
	for (int fd = 5; fd < 10; fd++)
		CHECK_INT(fcntl(fd, F_GETFD), ==, FD_CLOEXEC);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execl("/bin/busybox", "sh", "-c",
		      "[ -e /proc/$$/fd/3 ] && [ -e /proc/$$/fd/4 ] && ! [ -e /proc/$$/fd/5 ] && "
		      "! [ -e /proc/$$/fd/9 ]",
		      (char *)NULL);
		_exit(99);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), ==, 0);
}

BERTH_TEST(attrs_lsm_refused_when_not_enabled)
{
	struct berth_process p = { .apparmor_profile = "berth-default" };
	struct berth_error *err = NULL;

	if (berth_lsm_apparmor_enabled() || berth_lsm_selinux_enabled())
		SKIP("an LSM is enabled on this host");
	CHECK_INT(berth_lsm_apply(&p, &err), ==, -ENOTSUP);
	CHECK_STR(err->msg, "process.apparmorProfile: AppArmor is not enabled on this host");
	berth_error_clear(&err);
	p.apparmor_profile = NULL;
	p.selinux_label = "system_u:system_r:container_t:s0";
	CHECK_INT(berth_lsm_apply(&p, &err), ==, -ENOTSUP);
	CHECK_STR(err->msg, "process.selinuxLabel: SELinux is not enabled on this host");
	berth_error_clear(&err);
	p.selinux_label = NULL;
	CHECK_OK(berth_lsm_apply(&p, &err), &err);
}

BERTH_TEST(sysctl_validation_follows_namespaces)
{
	bool ns[BERTH_NS_COUNT] = { false };
	struct berth_sysctl ipc[] = { { "kernel.shmmax", "1" },
				      { "fs.mqueue.msg_max", "1" },
				      { "kernel/sem", "1" } };
	struct berth_sysctl net = { "net.ipv4.ip_forward", "1" };
	struct berth_sysctl uts = { "kernel.hostname", "x" };
	struct berth_sysctl host = { "kernel.pid_max", "1" };
	struct berth_sysctl bad = { "net..ipv4", "1" };
	struct berth_error *err = NULL;

	CHECK_INT(berth_sysctl_validate(ipc, 3, ns, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "linux.sysctl: \"kernel.shmmax\" needs the container's own ipc "
			    "namespace");
	berth_error_clear(&err);
	ns[BERTH_NS_IPC] = true;
	CHECK_OK(berth_sysctl_validate(ipc, 3, ns, &err), &err);
	CHECK_INT(berth_sysctl_validate(&net, 1, ns, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "linux.sysctl: \"net.ipv4.ip_forward\" needs the container's own "
			    "network namespace");
	berth_error_clear(&err);
	ns[BERTH_NS_NET] = true;
	CHECK_OK(berth_sysctl_validate(&net, 1, ns, &err), &err);
	CHECK_INT(berth_sysctl_validate(&uts, 1, ns, &err), ==, -EINVAL);
	berth_error_clear(&err);
	ns[BERTH_NS_UTS] = true;
	CHECK_OK(berth_sysctl_validate(&uts, 1, ns, &err), &err);
	for (int i = 0; i < BERTH_NS_COUNT; i++)
		ns[i] = true;
	CHECK_INT(berth_sysctl_validate(&host, 1, ns, &err), ==, -EINVAL);
	CHECK_STR(err->msg,
		  "linux.sysctl: \"kernel.pid_max\" is not in a separate kernel namespace");
	berth_error_clear(&err);
	CHECK_INT(berth_sysctl_validate(&bad, 1, ns, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "linux.sysctl: invalid key \"net..ipv4\"");
	berth_error_free(err);
}

BERTH_TEST(sysctl_apply_in_private_namespaces)
{
	struct berth_sysctl s[] = { { "kernel.hostname", "berth-sysctl-test" },
				    { "kernel/shmmni", "1234" } };
	struct berth_sysctl missing = { "kernel.no_such_knob", "1" };
	struct berth_error *err = NULL;
	char host[64], *buf = NULL;

	/* Fresh uts and ipc namespaces: the host's values are never touched. */
	CHECK(unshare(CLONE_NEWUTS | CLONE_NEWIPC) == 0);
	CHECK_OK(berth_sysctl_apply(s, 2, &err), &err);
	CHECK(gethostname(host, sizeof(host)) == 0);
	CHECK_STR(host, "berth-sysctl-test");
	CHECK_OK(berth_read_file_at(AT_FDCWD, "/proc/sys/kernel/shmmni", 64, &buf, NULL, &err),
		 &err);
	CHECK_STR(buf, "1234\n");
	free(buf);
	CHECK_INT(berth_sysctl_apply(&missing, 1, &err), ==, -ENOENT);
	CHECK_STR(err->msg, "linux.sysctl: open '/proc/sys/kernel/no_such_knob': No such file "
			    "or directory");
	berth_error_free(err);
}
