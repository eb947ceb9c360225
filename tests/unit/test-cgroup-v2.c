/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "test-cgroup.h"
#include "unit.h"

/*
 * cgroup v2 for real, on the machine's cgroup2 mount at /sys/fs/cgroup/unified
 * used as a v2 root (fs_root): it has no memory/cpu/io/pids controllers but
 * does have cgroup.freeze, cgroup.kill, device programs and hugetlb.
 */

#define UNIFIED "/sys/fs/cgroup/unified"

static void need_unified(void)
{
	if (getuid() != 0)
		SKIP("needs root");
	if (berth_cgroup_mode(UNIFIED) != BERTH_CGROUP_V2)
		SKIP("no cgroup2 mount at " UNIFIED);
}

static int make_v2(const char *leaf, const char *json, pid_t pid, struct berth_cgroup **cg,
		   struct berth_error **err)
{
	struct berth_cgroup_opts o = { .cgroups_path = tcg_path(leaf),
				       .id = "t",
				       .fs_root = UNIFIED };
	struct berth_resources *r = json ? tcg_res(json) : NULL;
	int ret = berth_cgroup_create(&o, r, pid, cg, err);

	berth_resources_free(r);
	return ret;
}

static const char *udir(const char *leaf)
{
	static char d[256];

	snprintf(d, sizeof(d), UNIFIED "%s", tcg_path(leaf));
	return d;
}

static int open_dev(void *arg)
{
	int fd = open(arg, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EPERM ? 1 : 2;
}

static int run_open(struct berth_cgroup *cg, const char *dev)
{
	struct berth_error *err = NULL;
	struct tcg_child c = tcg_spawn(open_dev, (void *)dev);
	int status;

	CHECK_OK(berth_cgroup_enter(cg, c.pid, &err), &err);
	tcg_go(&c);
	status = tcg_wait(c.pid);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

BERTH_TEST(cgroup_v2_bpf_devices_deny_and_allow)
{
	struct berth_error *err = NULL;
	struct berth_cgroup *cg = NULL;
	struct berth_resources *r;

	need_unified();
	/* Deny all, allow c 1:* rwm, then deny c 1:3 (/dev/null): the last match wins. */
	CHECK_OK(
	    make_v2("dev",
		    "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"access\":\"rwm\"},"
		    "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"r\"}]}",
		    0, &cg, &err),
	    &err);
	CHECK_INT(run_open(cg, "/dev/null"), ==, 1);
	CHECK_INT(run_open(cg, "/dev/zero"), ==, 0);
	CHECK_INT(run_open(cg, "/dev/tty"), ==, 1); /* 5:0, not allowed by any rule */
	/* An update replaces the program rather than adding a second (which would still deny). */
	r = tcg_res("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}");
	CHECK_OK(berth_cgroup_update(cg, r, &err), &err);
	berth_resources_free(r);
	CHECK_INT(run_open(cg, "/dev/null"), ==, 0);
	berth_cgroup_free(cg);
	tcg_cleanup();
}

static int spin(void *arg)
{
	volatile unsigned long *counter = arg;

	for (;;)
		(*counter)++;
	return 0;
}

BERTH_TEST(cgroup_v2_freeze_thaw_and_kill)
{
	unsigned long *counter =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct berth_error *err = NULL;
	struct berth_cgroup *cg = NULL;
	struct tcg_child c;
	unsigned long a;
	int status;

	need_unified();
	c = tcg_spawn(spin, counter);
	CHECK_OK(make_v2("frz", NULL, c.pid, &cg, &err), &err);
	tcg_go(&c);
	usleep(20000);
	CHECK_OK(berth_cgroup_freeze(cg, true, &err), &err);
	CHECK_INT(berth_cgroup_frozen(cg), ==, 1);
	CHECK(strstr(tcg_read(udir("frz"), "cgroup.events"), "frozen 1") != NULL);
	a = *counter;
	usleep(50000);
	CHECK(a == *counter);
	CHECK_OK(berth_cgroup_freeze(cg, false, &err), &err);
	CHECK_INT(berth_cgroup_frozen(cg), ==, 0);
	usleep(50000);
	CHECK(a != *counter);
	CHECK_OK(berth_cgroup_kill(cg, SIGKILL, &err), &err);
	status = tcg_wait(c.pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_OK(berth_cgroup_destroy(cg, &err), &err);
	CHECK(access(udir("frz"), F_OK) < 0);
	berth_cgroup_free(cg);
	tcg_cleanup();
}

BERTH_TEST(cgroup_v2_hugetlb_and_missing_controllers)
{
	struct berth_error *err = NULL;
	struct berth_cgroup *cg = NULL;

	need_unified();
	CHECK_OK(make_v2("huge", "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}",
			 0, &cg, &err),
		 &err);
	CHECK_STR(tcg_read(udir("huge"), "hugetlb.2MB.max"), "4194304");
	berth_cgroup_free(cg);
	/* No memory controller in this hierarchy: refused, naming the field. */
	CHECK(make_v2("mem", "{\"memory\":{\"limit\":67108864}}", 0, &cg, &err) == -ENOTSUP);
	CHECK(strncmp(err->msg, "linux.resources.memory.limit: 'memory.max' does not exist", 57) ==
	      0);
	CHECK(access(udir("mem"), F_OK) < 0);
	berth_error_free(err);
	tcg_cleanup();
}
