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
	cg = make("k",
		  "{\"memory\":{\"limit\":67108864,\"reservation\":33554432,"
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
	unsigned long *counter =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
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

static int sleeper(void *arg)
{
	/* A child of the child too, so "every process" is more than the one we know. */
	if (fork() == 0)
		pause();
	pause();
	return 0;
}

static size_t count(struct berth_cgroup *cg)
{
	struct berth_error *err = NULL;
	pid_t *pids = NULL;
	size_t n = 0;

	CHECK_OK(berth_cgroup_pids(cg, &pids, &n, &err), &err);
	free(pids);
	return n;
}

static void kill_all_with(int sig)
{
	struct berth_error *err = NULL;
	struct tcg_child c;
	struct berth_cgroup *cg;

	c = tcg_spawn(sleeper, NULL);
	cg = make("kill", NULL, c.pid);
	tcg_go(&c);
	for (int i = 0; i < 200 && count(cg) < 2; i++)
		usleep(5000);
	CHECK_INT(count(cg), ==, 2);
	CHECK_OK(berth_cgroup_kill(cg, sig, &err), &err);
	CHECK(WIFSIGNALED(tcg_wait(c.pid)));
	for (int i = 0; i < 200 && count(cg) > 0; i++)
		usleep(5000);
	CHECK_INT(count(cg), ==, 0);
	CHECK_OK(berth_cgroup_destroy(cg, &err), &err);
	berth_cgroup_free(cg);
}

BERTH_TEST(cgroup_v1_kill_all_sigkill_and_sigterm)
{
	tcg_need_hybrid();
	kill_all_with(SIGKILL); /* cgroup.kill of the unified hierarchy */
	kill_all_with(SIGTERM); /* freeze, signal each, thaw */
	tcg_cleanup();
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

static int open_in_cgroup(const char *leaf, const char *json, const char *dev)
{
	struct tcg_child c = tcg_spawn(open_dev, (void *)dev);
	struct berth_cgroup *cg = make(leaf, json, c.pid);
	int status;

	tcg_go(&c);
	status = tcg_wait(c.pid);
	berth_cgroup_free(cg);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

BERTH_TEST(cgroup_v1_devices_deny_blocks_open)
{
	const char *rules = "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
			    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,"
			    "\"access\":\"rwm\"}]}";

	tcg_need_hybrid();
	CHECK_INT(open_in_cgroup("d1", rules, "/dev/null"), ==, 1);
	CHECK_INT(open_in_cgroup("d2", rules, "/dev/zero"), ==, 0);
	CHECK_STR(tcg_read(dir("devices", "d1"), "devices.list"), "c 1:5 rwm");
	/* Without devices rules nothing is denied. */
	CHECK_INT(open_in_cgroup("d3", NULL, "/dev/null"), ==, 0);
	tcg_cleanup();
}

BERTH_TEST(cgroup_v1_destroy_leaves_nothing)
{
	static const char *const hier[] = { "cpu",     "cpuacct", "cpuset", "memory", "devices",
					    "freezer", "blkio",	  "pids",   "unified" };
	struct berth_error *err = NULL;
	struct berth_cgroup *cg = make("gone", "{\"pids\":{\"limit\":10}}", 0);
	struct stat st;

	tcg_need_hybrid();
	CHECK(mkdir(dir("pids", "gone/sub"), 0755) == 0); /* a container's own sub-cgroup */
	for (size_t i = 0; i < sizeof(hier) / sizeof(hier[0]); i++)
		CHECK(stat(dir(hier[i], "gone"), &st) == 0);
	CHECK_OK(berth_cgroup_destroy(cg, &err), &err);
	for (size_t i = 0; i < sizeof(hier) / sizeof(hier[0]); i++)
		CHECK(stat(dir(hier[i], "gone"), &st) < 0 && errno == ENOENT);
	CHECK_OK(berth_cgroup_destroy(cg, &err), &err); /* again: already gone is fine */
	berth_cgroup_free(cg);
	tcg_cleanup();
}

/*
 * In a child placed in "own" in every hierarchy: a relative cgroupsPath lands
 * below the caller's own cgroup in each one (all from one read of
 * /proc/self/cgroup).  Returns the number of hierarchies that got it wrong.
 */
static int relative_in_own(void)
{
	static const char *const hier[] = { "cpu",     "cpuacct", "cpuset", "memory", "devices",
					    "freezer", "blkio",	  "pids",   "unified" };
	/* "berth-test-<pid>/rel": misplaced at the root, it is still below the test's parent. */
	char rel[128], leaf[160];
	struct berth_cgroup_opts o = { .cgroups_path = rel, .id = "t" };
	struct berth_error *err = NULL;
	struct berth_cgroup *cg = NULL;
	struct stat st;
	int bad = 0;

	snprintf(rel, sizeof(rel), "%s", tcg_path("rel") + 1);
	snprintf(leaf, sizeof(leaf), "own/%s", rel);
	if (berth_cgroup_create(&o, NULL, 0, &cg, &err) < 0)
		return 100;
	for (size_t i = 0; i < sizeof(hier) / sizeof(hier[0]); i++)
		if (stat(dir(hier[i], leaf), &st) < 0)
			bad++;
	if (berth_cgroup_destroy(cg, &err) < 0)
		bad += 10;
	berth_cgroup_free(cg);
	return bad;
}

BERTH_TEST(cgroup_v1_relative_path_below_own_cgroup)
{
	struct berth_error *err = NULL;
	struct berth_cgroup *own = make("own", NULL, 0);
	pid_t pid;
	int status;

	tcg_need_hybrid();
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (berth_cgroup_enter(own, getpid(), &err) < 0)
			_exit(101);
		_exit(relative_in_own());
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, ==, 0);
	CHECK_OK(berth_cgroup_destroy(own, &err), &err);
	berth_cgroup_free(own);
	tcg_cleanup();
}

/* Touch 4 MiB (charged to the cgroup the child is in by then) and wait to be killed. */
static int holder(void *arg)
{
	size_t size = 4 << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	for (size_t i = 0; p != MAP_FAILED && i < size; i += 4096)
		p[i] = 1;
	pause();
	return 0;
}

static void wait_usage(const char *leaf)
{
	for (int i = 0; i < 200; i++) {
		if (strtoull(tcg_read(dir("memory", leaf), "memory.usage_in_bytes"), NULL, 10) >
		    (1 << 20))
			return;
		usleep(5000);
	}
	FAIL("no memory charged to %s", leaf);
}

BERTH_TEST(cgroup_v1_update_save_open)
{
	struct berth_error *err = NULL;
	struct berth_cgroup *cg = make("upd",
				       "{\"pids\":{\"limit\":50},\"memory\":{\"limit\":"
				       "67108864}}",
				       0);
	struct berth_cgroup *again = NULL;
	struct berth_resources *r;
	struct tcg_child c;
	char *saved;

	tcg_need_hybrid();
	saved = berth_cgroup_save(cg);
	CHECK(saved != NULL);
	berth_cgroup_free(cg);
	CHECK_OK(berth_cgroup_open(saved, &again, &err), &err);
	CHECK_STR(berth_cgroup_path(again), tcg_path("upd"));
	r = tcg_res("{\"pids\":{\"limit\":-1},\"memory\":{\"limit\":134217728,\"swap\":-1},"
		    "\"cpu\":{\"quota\":20000}}");
	CHECK_OK(berth_cgroup_update(again, r, &err), &err);
	CHECK_STR(tcg_read(dir("pids", "upd"), "pids.max"), "max");
	CHECK_STR(tcg_read(dir("memory", "upd"), "memory.limit_in_bytes"), "134217728");
	CHECK_STR(tcg_read(dir("cpu", "upd"), "cpu.cfs_quota_us"), "20000");
	berth_resources_free(r);
	/* Lower than usage is refused when asked to check; a live child holds some memory. */
	r = tcg_res("{\"memory\":{\"limit\":4096,\"checkBeforeUpdate\":true}}");
	c = tcg_spawn(holder, NULL);
	CHECK_OK(berth_cgroup_enter(again, c.pid, &err), &err);
	tcg_go(&c);
	wait_usage("upd");
	CHECK(berth_cgroup_update(again, r, &err) == -EBUSY);
	CHECK(strstr(err->msg, "linux.resources.memory.limit: 4096 is below the current usage"));
	berth_error_free(err);
	berth_resources_free(r);
	free(saved);
	berth_cgroup_free(again);
	tcg_cleanup();
}

BERTH_TEST(cgroup_v1_unmounted_controller_refused_by_name)
{
	struct berth_cgroup_opts o = { .cgroups_path = tcg_path("net"), .id = "t" };
	struct berth_resources *r = tcg_res("{\"network\":{\"classID\":1048577}}");
	struct berth_error *err = NULL;
	struct berth_cgroup *cg = NULL;
	struct stat st;

	tcg_need_hybrid();
	CHECK(berth_cgroup_create(&o, r, 0, &cg, &err) == -ENOTSUP);
	CHECK_STR(err->msg, "linux.resources.network.classID: the cgroup v1 'net_cls' controller "
			    "is not mounted under '/sys/fs/cgroup'");
	berth_error_clear(&err);
	CHECK(stat(dir("pids", "net"), &st) < 0); /* a failed create removes its cgroup */
	berth_resources_free(r);
	r = tcg_res("{\"cpu\":{\"realtimeRuntime\":1000000,\"realtimePeriod\":1000000}}");
	CHECK(berth_cgroup_create(&o, r, 0, &cg, &err) < 0);
	CHECK(strstr(err->msg, "linux.resources.cpu.realtimeRuntime: write '1000000'") != NULL);
	berth_error_clear(&err);
	berth_resources_free(r);
	/* Written without error by the kernel, but ignored: refused, not pretended. */
	r = tcg_res("{\"memory\":{\"kernel\":1048576}}");
	CHECK(berth_cgroup_create(&o, r, 0, &cg, &err) == -ENOTSUP);
	CHECK(strstr(err->msg, "linux.resources.memory.kernel: this kernel ignores") != NULL);
	berth_error_clear(&err);
	berth_resources_free(r);
	r = tcg_res("{\"memory\":{\"useHierarchy\":false}}");
	CHECK(berth_cgroup_create(&o, r, 0, &cg, &err) == -EINVAL);
	CHECK(strstr(err->msg, "linux.resources.memory.useHierarchy: write '0'") != NULL);
	berth_error_free(err);
	berth_resources_free(r);
	tcg_cleanup();
}

BERTH_TEST(cgroup_v1_stats_shape)
{
	struct berth_error *err = NULL;
	struct tcg_child c = tcg_spawn(holder, NULL);
	struct berth_cgroup *cg = make("st",
				       "{\"memory\":{\"limit\":67108864},"
				       "\"pids\":{\"limit\":7}}",
				       c.pid);
	json_object *s = NULL, *m, *u, *x;

	tcg_need_hybrid();
	tcg_go(&c);
	wait_usage("st");
	CHECK_OK(berth_cgroup_stats(cg, &s, &err), &err);
	CHECK(json_object_object_get_ex(s, "memory", &m) &&
	      json_object_object_get_ex(m, "usage", &u));
	CHECK(json_object_object_get_ex(u, "limit", &x) && json_object_get_int64(x) == 67108864);
	CHECK(json_object_object_get_ex(u, "usage", &x) && json_object_get_int64(x) > 0);
	CHECK(json_object_object_get_ex(s, "pids", &m) &&
	      json_object_object_get_ex(m, "limit", &x));
	CHECK_INT(json_object_get_int64(x), ==, 7);
	CHECK(json_object_object_get_ex(m, "current", &x) && json_object_get_int64(x) >= 1);
	CHECK(json_object_object_get_ex(s, "cpu", &m) && json_object_object_get_ex(m, "usage", &u));
	CHECK(json_object_object_get_ex(u, "percpu", &x) &&
	      json_object_array_length(x) == (size_t)sysconf(_SC_NPROCESSORS_CONF));
	CHECK(json_object_object_get_ex(s, "hugetlb", &m) &&
	      json_object_object_get_ex(m, "2MB", &x));
	CHECK(json_object_object_get_ex(s, "blkio", &m));
	json_object_put(s);
	berth_cgroup_free(cg);
	tcg_cleanup();
}
