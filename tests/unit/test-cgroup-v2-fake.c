/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "test-cgroup.h"
#include "unit.h"
#include "util/fs.h"

/*
 * The v2 knobs this machine's kernel cannot show (no memory/cpu/io/pids in
 * its cgroup2 hierarchy): a directory laid out like a cgroup2 root, with the
 * knob files pre-created empty, so every value written can be read back
 * exactly.  What the kernel would do with them is not tested here.
 */

static char root[64];

static void rm_root(void)
{
	if (root[0])
		berth_rm_rf_at(AT_FDCWD, root);
}

static void put(const char *dir, const char *file, const char *content)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
	close(fd);
}

static const char *const knobs[] = {
	"memory.max", "memory.low",	 "memory.swap.max", "cpu.weight",   "cpu.max.burst",
	"cpu.idle",   "cpuset.cpus",	 "cpuset.mems",	    "pids.max",	    "io.weight",
	"io.max",     "hugetlb.2MB.max", "memory.high",	    "cgroup.procs",
};

/* root/ and root/p/ are cgroups with controllers; root/p/c is the container's, files empty. */
static char *fake_tree(void)
{
	static char leaf[128];
	char p[128];

	snprintf(root, sizeof(root), "/tmp/berth-cgv2-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	atexit(rm_root);
	snprintf(p, sizeof(p), "%s/p", root);
	snprintf(leaf, sizeof(leaf), "%s/p/c", root);
	CHECK(mkdir(p, 0755) == 0 && mkdir(leaf, 0755) == 0);
	put(root, "cgroup.controllers", "cpu memory pids io cpuset hugetlb\n");
	put(p, "cgroup.controllers", "cpu memory pids io cpuset hugetlb\n");
	put(root, "cgroup.subtree_control", "");
	put(p, "cgroup.subtree_control", "");
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		put(leaf, knobs[i], "");
	put(leaf, "cpu.max", "max 100000\n");
	return leaf;
}

static int apply(const char *json, bool update, struct berth_error **err)
{
	struct berth_cgroup_opts o = { .cgroups_path = "/p/c", .id = "x", .fs_root = root };
	struct berth_resources *r = tcg_res(json);
	struct berth_cgroup *cg = NULL;
	int ret;

	if (!update) {
		ret = berth_cgroup_create(&o, r, 4242, &cg, err);
	} else {
		/* Reopen through the saved form, as `berth update` does. */
		ret = berth_cgroup_create(&o, NULL, 0, &cg, err);
		char *saved = ret < 0 ? NULL : berth_cgroup_save(cg);

		berth_cgroup_free(cg);
		cg = NULL;
		if (saved != NULL && (ret = berth_cgroup_open(saved, &cg, err)) == 0)
			ret = berth_cgroup_update(cg, r, err);
		free(saved);
	}
	berth_resources_free(r);
	berth_cgroup_free(cg);
	return ret;
}

BERTH_TEST(cgroup_v2_fake_knob_values)
{
	struct berth_error *err = NULL;
	const char *leaf = fake_tree();

	CHECK_INT(berth_cgroup_mode(root), ==, BERTH_CGROUP_V2);
	CHECK_OK(apply("{\"memory\":{\"limit\":67108864,\"reservation\":33554432,"
		       "\"swap\":134217728},"
		       "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"burst\":2000,"
		       "\"idle\":1,\"cpus\":\"0-1\",\"mems\":\"0\"},"
		       "\"pids\":{\"limit\":10},"
		       "\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,"
		       "\"minor\":0,\"rate\":1048576}]},"
		       "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
		       "\"unified\":{\"memory.high\":\"50M\"}}",
		       false, &err),
		 &err);
	CHECK_STR(tcg_read(leaf, "memory.max"), "67108864");
	CHECK_STR(tcg_read(leaf, "memory.low"), "33554432");
	CHECK_STR(tcg_read(leaf, "memory.swap.max"), "67108864"); /* (memory+swap) - memory */
	CHECK_STR(tcg_read(leaf, "cpu.weight"), "39");		  /* 1 + (1022 * 9999) / 262142 */
	CHECK_STR(tcg_read(leaf, "cpu.max"), "50000 100000");
	CHECK_STR(tcg_read(leaf, "cpu.max.burst"), "2000");
	CHECK_STR(tcg_read(leaf, "cpu.idle"), "1");
	CHECK_STR(tcg_read(leaf, "cpuset.cpus"), "0-1");
	CHECK_STR(tcg_read(leaf, "cpuset.mems"), "0");
	CHECK_STR(tcg_read(leaf, "pids.max"), "10");
	CHECK_STR(tcg_read(leaf, "io.weight"), "4950"); /* 1 + (500 - 10) * 9999 / 990 */
	CHECK_STR(tcg_read(leaf, "io.max"), "8:0 rbps=1048576");
	CHECK_STR(tcg_read(leaf, "hugetlb.2MB.max"), "4194304");
	CHECK_STR(tcg_read(leaf, "memory.high"), "50M");
	CHECK_STR(tcg_read(leaf, "cgroup.procs"), "4242");
	/* Every ancestor delegates the controllers it has. */
	CHECK_STR(tcg_read(root, "cgroup.subtree_control"),
		  "+cpu +memory +pids +io +cpuset +hugetlb");
	CHECK_STR(tcg_read(leaf, "../cgroup.subtree_control"),
		  "+cpu +memory +pids +io +cpuset +hugetlb");
	rm_root();
}

BERTH_TEST(cgroup_v2_fake_unlimited_and_updates)
{
	struct berth_error *err = NULL;
	const char *leaf = fake_tree();

	put(leaf, "cpu.max", ""); /* the fake file is not truncated by a write */
	/* memory -1 without swap lifts both, as runc does. */
	CHECK_OK(apply("{\"memory\":{\"limit\":-1},\"cpu\":{\"quota\":-1},\"pids\":{\"limit\":-1}}",
		       false, &err),
		 &err);
	CHECK_STR(tcg_read(leaf, "memory.max"), "max");
	CHECK_STR(tcg_read(leaf, "memory.swap.max"), "max");
	CHECK_STR(tcg_read(leaf, "cpu.max"), "max");
	CHECK_STR(tcg_read(leaf, "pids.max"), "max");
	/* A period alone keeps the quota in place. */
	put(leaf, "cpu.max", "20000 100000\n");
	CHECK_OK(apply("{\"cpu\":{\"period\":200000}}", true, &err), &err);
	CHECK_STR(tcg_read(leaf, "cpu.max"), "20000 200000");
	put(leaf, "memory.swap.max", "");
	CHECK_OK(apply("{\"memory\":{\"limit\":1048576,\"swap\":-1}}", true, &err), &err);
	CHECK_STR(tcg_read(leaf, "memory.swap.max"), "max");
	put(leaf, "io.max", "");
	CHECK_OK(apply("{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,"
		       "\"rate\":0}]}}",
		       true, &err),
		 &err);
	CHECK_STR(tcg_read(leaf, "io.max"), "8:16 wiops=max");
	rm_root();
}

static const char *refusal(const char *json)
{
	static char msg[512];
	struct berth_error *err = NULL;

	CHECK(apply(json, false, &err) < 0);
	snprintf(msg, sizeof(msg), "%s", err->msg);
	berth_error_free(err);
	return msg;
}

BERTH_TEST(cgroup_v2_fake_refusals_name_the_field)
{
	fake_tree();
	CHECK_STR(refusal("{\"memory\":{\"swappiness\":10}}"),
		  "linux.resources.memory.swappiness: not supported on cgroup v2");
	CHECK_STR(refusal("{\"memory\":{\"kernel\":1048576}}"),
		  "linux.resources.memory.kernel: not supported on cgroup v2");
	CHECK_STR(refusal("{\"memory\":{\"swap\":1048576}}"),
		  "linux.resources.memory.swap: a swap limit needs a memory limit on cgroup v2");
	CHECK_STR(refusal("{\"network\":{\"classID\":1}}"),
		  "linux.resources.network (net_cls/net_prio are v1 controllers): not supported "
		  "on cgroup v2");
	CHECK_STR(refusal("{\"blockIO\":{\"leafWeight\":100}}"),
		  "linux.resources.blockIO.leafWeight: not supported on cgroup v2");
	CHECK(strncmp(refusal("{\"unified\":{\"memory.nope\":\"1\"}}"),
		      "linux.resources.unified.memory.nope: 'memory.nope' does not exist in",
		      67) == 0);
	CHECK(strncmp(refusal("{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}}}"),
		      "linux.resources.rdma: 'rdma.max' does not exist", 47) == 0);
	rm_root();
}

BERTH_TEST(cgroup_v2_fake_delegates_only_what_is_missing)
{
	struct berth_error *err = NULL;
	const char *leaf = fake_tree();

	/* As the kernel shows it: names without '+'.  The root delegates all already. */
	put(root, "cgroup.subtree_control", "cpu memory pids io cpuset hugetlb\n");
	put(leaf, "../cgroup.subtree_control", "memory cpu\n");
	CHECK_OK(apply("{}", false, &err), &err);
	/* no write where nothing is missing (a write waits for dying children), the rest added */
	CHECK_STR(tcg_read(root, "cgroup.subtree_control"), "cpu memory pids io cpuset hugetlb");
	CHECK_STR(tcg_read(leaf, "../cgroup.subtree_control"), "+pids +io +cpuset +hugetlb");
	rm_root();
}
