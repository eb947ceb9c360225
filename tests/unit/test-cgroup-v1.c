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
 * Real cgroup v1 on the build machine's hybrid layout: every knob is written
 * through berth_cgroup_* and read back from the kernel's file, and the limits
 * are shown to act on real processes.
 */

static struct berth_cgroup *make(const char *leaf, const char *json, pid_t pid)
{
	struct berth_cgroup_opts o = { .cgroups_path = tcg_path(leaf), .id = "t" };
	struct berth_resources *r = json ? tcg_res(json) : NULL;
	struct berth_error *err = NULL;
	struct berth_cgroup *cg = NULL;

	CHECK_OK(berth_cgroup_create(&o, r, pid, &cg, &err), &err);
	berth_resources_free(r);
	return cg;
}

static const char *dir(const char *hier, const char *leaf)
{
	static char d[256];

	snprintf(d, sizeof(d), "/sys/fs/cgroup/%s%s", hier, tcg_path(leaf));
	return d;
}

BERTH_TEST(cgroup_v1_knobs_read_back)
{
	struct berth_cgroup *cg;

	tcg_need_hybrid();
	cg = make("k", "{\"memory\":{\"limit\":67108864,\"reservation\":33554432,"
		       "\"swap\":134217728,\"kernelTCP\":16777216,\"swappiness\":10,"
		       "\"disableOOMKiller\":false},"
		       "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"burst\":1000,"
		       "\"cpus\":\"0\",\"mems\":\"0\",\"idle\":0},"
		       "\"pids\":{\"limit\":50},"
		       "\"blockIO\":{\"weight\":300,\"throttleReadBpsDevice\":[{\"major\":254,"
		       "\"minor\":0,\"rate\":1048576}],\"throttleWriteIOPSDevice\":[{\"major\":254,"
		       "\"minor\":0,\"rate\":100}]},"
		       "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":8388608}]}",
		  0);
	CHECK_STR(tcg_read(dir("memory", "k"), "memory.limit_in_bytes"), "67108864");
	CHECK_STR(tcg_read(dir("memory", "k"), "memory.soft_limit_in_bytes"), "33554432");
	CHECK_STR(tcg_read(dir("memory", "k"), "memory.memsw.limit_in_bytes"), "134217728");
	CHECK_STR(tcg_read(dir("memory", "k"), "memory.kmem.tcp.limit_in_bytes"), "16777216");
	CHECK_STR(tcg_read(dir("memory", "k"), "memory.swappiness"), "10");
	CHECK(strstr(tcg_read(dir("memory", "k"), "memory.oom_control"), "oom_kill_disable 0"));
	CHECK_STR(tcg_read(dir("cpu", "k"), "cpu.shares"), "512");
	CHECK_STR(tcg_read(dir("cpu", "k"), "cpu.cfs_quota_us"), "50000");
	CHECK_STR(tcg_read(dir("cpu", "k"), "cpu.cfs_period_us"), "100000");
	CHECK_STR(tcg_read(dir("cpu", "k"), "cpu.cfs_burst_us"), "1000");
	CHECK_STR(tcg_read(dir("cpu", "k"), "cpu.idle"), "0");
	CHECK_STR(tcg_read(dir("cpuset", "k"), "cpuset.cpus"), "0");
	CHECK_STR(tcg_read(dir("cpuset", "k"), "cpuset.mems"), "0");
	CHECK_STR(tcg_read(dir("pids", "k"), "pids.max"), "50");
	CHECK(strstr(tcg_read(dir("blkio", "k"), "blkio.bfq.weight"), "300") != NULL);
	CHECK_STR(tcg_read(dir("blkio", "k"), "blkio.throttle.read_bps_device"), "254:0 1048576");
	CHECK_STR(tcg_read(dir("blkio", "k"), "blkio.throttle.write_iops_device"), "254:0 100");
	/* No v1 hugetlb here: it went to the unified hierarchy. */
	CHECK_STR(tcg_read(dir("unified", "k"), "hugetlb.2MB.max"), "8388608");
	berth_cgroup_free(cg);
	tcg_cleanup();
}

BERTH_TEST(cgroup_v1_cpuset_parents_get_parent_values)
{
	struct berth_cgroup *cg;

	tcg_need_hybrid();
	cg = make("a/b/c", "{\"cpu\":{\"cpus\":\"0\"}}", 0);
	/* New intermediate directories were filled from their parent, or the leaf could not be. */
	CHECK_STR(tcg_read(dir("cpuset", "a"), "cpuset.cpus"),
		  tcg_read("/sys/fs/cgroup/cpuset", "cpuset.cpus"));
	CHECK_STR(tcg_read(dir("cpuset", "a/b/c"), "cpuset.cpus"), "0");
	berth_cgroup_free(cg);
	tcg_cleanup();
}

static int hog(void *arg)
{
	size_t size = 256 << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;
	return 0;
}

BERTH_TEST(cgroup_v1_memory_limit_oom_kills)
{
	struct tcg_child c;
	struct berth_cgroup *cg;
	int status;

	tcg_need_hybrid();
	c = tcg_spawn(hog, NULL);
	cg = make("oom", "{\"memory\":{\"limit\":33554432,\"swap\":33554432}}", c.pid);
	tcg_go(&c);
	status = tcg_wait(c.pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(strstr(tcg_read(dir("memory", "oom"), "memory.oom_control"), "oom_kill 1") != NULL);
	berth_cgroup_free(cg);
	tcg_cleanup();
}

static int forker(void *arg)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	if (p > 0) {
		waitpid(p, NULL, 0);
		return 1;
	}
	return errno == EAGAIN ? 0 : 3;
}

BERTH_TEST(cgroup_v1_pids_limit_stops_fork)
{
	struct tcg_child c;
	struct berth_cgroup *cg;
	int status;

	tcg_need_hybrid();
	c = tcg_spawn(forker, NULL);
	cg = make("pids", "{\"pids\":{\"limit\":1}}", c.pid);
	tcg_go(&c);
	status = tcg_wait(c.pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), ==, 0);
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

BERTH_TEST(cgroup_v1_freezer_freezes_and_thaws)
{
	unsigned long *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct berth_error *err = NULL;
	struct tcg_child c;
	struct berth_cgroup *cg;
	unsigned long a, b;

	tcg_need_hybrid();
	c = tcg_spawn(spin, counter);
	cg = make("frz", NULL, c.pid);
	tcg_go(&c);
	usleep(20000);
	CHECK_OK(berth_cgroup_freeze(cg, true, &err), &err);
	CHECK_STR(tcg_read(dir("freezer", "frz"), "freezer.state"), "FROZEN");
	CHECK_INT(berth_cgroup_frozen(cg), ==, 1);
	a = *counter;
	usleep(50000);
	b = *counter;
	CHECK(a == b);
	CHECK_OK(berth_cgroup_freeze(cg, false, &err), &err);
	CHECK_INT(berth_cgroup_frozen(cg), ==, 0);
	usleep(50000);
	CHECK(*counter != b);
	kill(c.pid, SIGKILL);
	tcg_wait(c.pid);
	berth_cgroup_free(cg);
	tcg_cleanup();
}
