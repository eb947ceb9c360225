/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/spec-build.h"
#include "engine/spec-res-internal.h"
#include "oci/spec-resources.h"
#include "test-engine-helpers.h"
#include "unit.h"
#include "util/fs.h"

/* Apply the resources of @body; 0 or the negative errno, the error message in @msg. */
static int apply(struct eng_fixture *f, char *msg, size_t size)
{
	struct berth_error *err = NULL;
	int ret = berth_spec_apply_resources(&f->ctx, f->spec, &err);

	if (ret < 0) {
		CHECK(err != NULL);
		snprintf(msg, size, "%s", err->msg);
		berth_error_free(err);
	}
	return ret;
}

/* The resources must be what the runtime's own parser accepts. */
static void check_runtime_parses(struct eng_fixture *f)
{
	struct berth_resources *r = NULL;
	struct berth_error *err = NULL;

	CHECK_OK(
	    berth_resources_parse(jget(f->spec, "linux.resources"), "linux.resources", &r, &err),
	    &err);
	berth_resources_free(r);
}

static void expect_error(const char *body, const char *want)
{
	struct eng_fixture f;
	char msg[512] = "";

	eng_init(&f, body, NULL);
	CHECK(apply(&f, msg, sizeof(msg)) < 0);
	if (strstr(msg, want) == NULL)
		FAIL("error \"%s\" lacks \"%s\"", msg, want);
	eng_fini(&f);
}

BERTH_TEST(spec_res_nano_cpus)
{
	struct eng_fixture f;
	char msg[256];

	eng_init(&f, "{\"HostConfig\":{\"NanoCpus\":1500000000}}", NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK_INT(jint(f.spec, "linux.resources.cpu.quota"), ==, 150000);
	CHECK_INT(jint(f.spec, "linux.resources.cpu.period"), ==, 100000);
	check_runtime_parses(&f);
	eng_fini(&f);
	expect_error("{\"HostConfig\":{\"NanoCpus\":100000000000000}}",
		     "HostConfig.NanoCpus: range of CPUs is from 0.01 to");
	expect_error("{\"HostConfig\":{\"NanoCpus\":1000}}", "range of CPUs is from 0.01");
	expect_error("{\"HostConfig\":{\"NanoCpus\":1000000000,\"CpuPeriod\":50000}}",
		     "Conflicting options: Nano CPUs and CPU Period cannot both be set");
	expect_error("{\"HostConfig\":{\"NanoCpus\":1000000000,\"CpuQuota\":50000}}",
		     "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
	expect_error("{\"HostConfig\":{\"CpuPeriod\":500}}", "CPU cfs period can not be less");
	expect_error("{\"HostConfig\":{\"CpuQuota\":999}}", "CPU cfs quota can not be less");
}

BERTH_TEST(spec_res_memory)
{
	struct eng_fixture f;
	char msg[256];

	eng_init(&f, "{\"HostConfig\":{\"Memory\":104857600,\"MemoryReservation\":52428800}}",
		 NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK_INT(jint(f.spec, "linux.resources.memory.limit"), ==, 104857600);
	CHECK_INT(jint(f.spec, "linux.resources.memory.reservation"), ==, 52428800);
	/* No MemorySwap: as much swap as memory, as Docker; recorded for inspect. */
	CHECK_INT(jint(f.spec, "linux.resources.memory.swap"), ==, 2 * 104857600LL);
	CHECK_INT(jint(f.body, "HostConfig.MemorySwap"), ==, 2 * 104857600LL);
	check_runtime_parses(&f);
	eng_fini(&f);

	eng_init(&f, "{\"HostConfig\":{\"Memory\":104857600,\"MemorySwap\":-1}}", NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK_INT(jint(f.spec, "linux.resources.memory.swap"), ==, -1);
	check_runtime_parses(&f);
	eng_fini(&f);

	expect_error("{\"HostConfig\":{\"Memory\":1000}}",
		     "HostConfig.Memory: minimum memory limit allowed is 6MB");
	expect_error("{\"HostConfig\":{\"Memory\":-5}}", "HostConfig.Memory");
	expect_error("{\"HostConfig\":{\"Memory\":104857600,\"MemorySwap\":10485760}}",
		     "minimum memoryswap limit should be larger than memory limit");
	expect_error("{\"HostConfig\":{\"MemorySwap\":104857600}}",
		     "you should always set the Memory limit when using Memoryswap limit");
	expect_error("{\"HostConfig\":{\"Memory\":10485760,\"MemoryReservation\":104857600}}",
		     "can not be less than memory reservation limit");
	expect_error("{\"HostConfig\":{\"MemorySwappiness\":101}}", "MemorySwappiness");
}

BERTH_TEST(spec_res_shares_pids_blkio)
{
	struct eng_fixture f;
	struct stat st;
	char msg[256];

	expect_error("{\"HostConfig\":{\"CpuShares\":1}}",
		     "HostConfig.CpuShares: 1 out of range [2, 262144]");
	expect_error("{\"HostConfig\":{\"CpuShares\":262145}}", "out of range [2, 262144]");
	expect_error("{\"HostConfig\":{\"PidsLimit\":-2}}", "HostConfig.PidsLimit: -2 is not a");
	expect_error("{\"HostConfig\":{\"BlkioWeight\":5}}",
		     "HostConfig.BlkioWeight: range of blkio weight is from 10 to 1000");
	expect_error("{\"HostConfig\":{\"BlkioDeviceReadBps\":[{\"Path\":\"/dev/null\","
		     "\"Rate\":1}]}}",
		     "HostConfig.BlkioDeviceReadBps[0].Path: '/dev/null' is not a block device");
	expect_error("{\"HostConfig\":{\"BlkioDeviceWriteBps\":[{\"Path\":\"/nonexistent\","
		     "\"Rate\":1}]}}",
		     "HostConfig.BlkioDeviceWriteBps[0].Path: '/nonexistent'");
	if (stat("/dev/loop0", &st) < 0 || !S_ISBLK(st.st_mode))
		SKIP("no /dev/loop0 block device");
	eng_init(&f,
		 "{\"HostConfig\":{\"CpuShares\":512,\"PidsLimit\":64,\"BlkioDeviceReadBps\":"
		 "[{\"Path\":\"/dev/loop0\",\"Rate\":1048576}],\"BlkioDeviceWriteIOps\":"
		 "[{\"Path\":\"/dev/loop0\",\"Rate\":100}]}}",
		 NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK_INT(jint(f.spec, "linux.resources.cpu.shares"), ==, 512);
	CHECK_INT(jint(f.spec, "linux.resources.pids.limit"), ==, 64);
	CHECK_INT(jint(f.spec, "linux.resources.blockIO.throttleReadBpsDevice[0].major"), ==,
		  major(st.st_rdev));
	CHECK_INT(jint(f.spec, "linux.resources.blockIO.throttleReadBpsDevice[0].minor"), ==,
		  minor(st.st_rdev));
	CHECK_INT(jint(f.spec, "linux.resources.blockIO.throttleReadBpsDevice[0].rate"), ==,
		  1048576);
	CHECK_INT(jint(f.spec, "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate"), ==, 100);
	check_runtime_parses(&f);
	eng_fini(&f);
}

/* A weight goes in the spec where the kernel has the knob, else Docker's warning. */
BERTH_TEST(spec_res_blkio_weight)
{
	struct eng_fixture f;
	char msg[256];
	bool knob = access("/sys/fs/cgroup/blkio/blkio.weight", F_OK) == 0 ||
		    access("/sys/fs/cgroup/blkio/blkio.bfq.weight", F_OK) == 0 ||
		    access("/sys/fs/cgroup/blkio", F_OK) < 0;

	eng_init(&f, "{\"HostConfig\":{\"BlkioWeight\":300}}", NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	if (knob) {
		CHECK_INT(jint(f.spec, "linux.resources.blockIO.weight"), ==, 300);
	} else {
		CHECK(jget(f.spec, "linux.resources.blockIO") == NULL);
		CHECK(strstr(jstr(f.warnings, "[0]"), "Block I/O weight") != NULL);
	}
	eng_fini(&f);
}

BERTH_TEST(spec_res_cpuset)
{
	struct berth_error *err = NULL;
	struct eng_fixture f;
	char online[256] = "", want[512], msg[512];
	int fd = open("/sys/devices/system/cpu/online", O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0 && read(fd, online, sizeof(online) - 1) > 0);
	close(fd);
	online[strcspn(online, "\n")] = '\0';
	eng_init(&f, "{\"HostConfig\":{\"CpusetCpus\":\"0\",\"CpusetMems\":\"0\"}}", NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK_STR(jstr(f.spec, "linux.resources.cpu.cpus"), "0");
	CHECK_STR(jstr(f.spec, "linux.resources.cpu.mems"), "0");
	check_runtime_parses(&f);
	eng_fini(&f);
	snprintf(want, sizeof(want),
		 "Requested CPUs are not available - requested 4000-4001, available: %s", online);
	expect_error("{\"HostConfig\":{\"CpusetCpus\":\"4000-4001\"}}", want);
	expect_error("{\"HostConfig\":{\"CpusetMems\":\"63\"}}",
		     "Requested memory nodes are not available - requested 63");
	expect_error("{\"HostConfig\":{\"CpusetCpus\":\"1-x\"}}",
		     "HostConfig.CpusetCpus: invalid value 1-x for CPUs");

	/* The list parser itself. */
	CHECK_OK(berth_cpuset_check("0-3,5,7-8", "0-15", "f", "CPUs", &err), &err);
	CHECK_OK(berth_cpuset_check("2", "0-1,2\n", "f", "CPUs", &err), &err);
	CHECK(berth_cpuset_check("3-1", "0-15", "f", "CPUs", &err) == -EINVAL);
	berth_error_clear(&err);
	CHECK(berth_cpuset_check("1,", "0-15", "f", "CPUs", &err) == -EINVAL);
	berth_error_clear(&err);
	CHECK(berth_cpuset_check(",1", "0-15", "f", "CPUs", &err) == -EINVAL);
	berth_error_clear(&err);
	CHECK(berth_cpuset_check("99999", "0-15", "f", "CPUs", &err) == -EINVAL);
	CHECK(strstr(err->msg, "not available") != NULL);
	berth_error_clear(&err);
}

BERTH_TEST(spec_res_ulimits)
{
	struct eng_fixture f;
	json_object *rl;
	char msg[256];
	size_t nofile = 0;

	eng_init(&f,
		 "{\"HostConfig\":{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":100,\"Hard\":200},"
		 "{\"Name\":\"core\",\"Soft\":-1,\"Hard\":-1}]}}",
		 NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	rl = jget(f.spec, "process.rlimits");
	for (size_t i = 0; i < json_object_array_length(rl); i++) {
		json_object *r = json_object_array_get_idx(rl, i);

		if (strcmp(jstr(r, "type"), "RLIMIT_NOFILE") == 0) {
			nofile++;
			CHECK_INT(jint(r, "soft"), ==, 100);
			CHECK_INT(jint(r, "hard"), ==, 200);
		} else if (strcmp(jstr(r, "type"), "RLIMIT_CORE") == 0) {
			CHECK(json_object_get_uint64(jget(r, "soft")) == UINT64_MAX);
		}
	}
	CHECK_INT(nofile, ==, 1); /* the default's entry was replaced, not duplicated */
	CHECK_INT(json_object_array_length(rl), ==, 2);
	eng_fini(&f);
	expect_error("{\"HostConfig\":{\"Ulimits\":[{\"Name\":\"bogus\",\"Soft\":1,\"Hard\":1}]}}",
		     "HostConfig.Ulimits[0]: invalid ulimit type: bogus");
	expect_error("{\"HostConfig\":{\"Ulimits\":[{\"Name\":\"nproc\",\"Soft\":10,\"Hard\":5}]}}",
		     "ulimit soft limit must be less than or equal to hard limit: 10 > 5");
	expect_error("{\"HostConfig\":{\"Ulimits\":[{\"Name\":\"nproc\",\"Soft\":\"x\"}]}}",
		     "HostConfig.Ulimits[0].Soft");
}

/* berth.conf's defaults apply where the body is silent, and inspect shows them. */
BERTH_TEST(spec_res_conf_defaults)
{
	char u1[] = "nofile=1024:4096", u2[] = "nproc=500", parent[] = "berth-unit";
	struct eng_fixture f;
	char msg[256];

	eng_init(&f, "{\"HostConfig\":{\"Ulimits\":[{\"Name\":\"nproc\",\"Soft\":7,\"Hard\":9}]}}",
		 NULL);
	f.e.conf.memory = 512LL << 20;
	f.e.conf.cpu_shares = 256;
	f.e.conf.pids_limit = 2048;
	f.e.conf.ulimits[0] = u1;
	f.e.conf.ulimits[1] = u2;
	f.e.conf.cgroup_parent = parent;
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK_INT(jint(f.spec, "linux.resources.memory.limit"), ==, 512LL << 20);
	CHECK_INT(jint(f.spec, "linux.resources.cpu.shares"), ==, 256);
	CHECK_INT(jint(f.spec, "linux.resources.pids.limit"), ==, 2048);
	CHECK_INT(jint(f.body, "HostConfig.Memory"), ==, 512LL << 20);
	CHECK_INT(jint(f.body, "HostConfig.MemorySwap"), ==, 1024LL << 20);
	CHECK_INT(jint(f.body, "HostConfig.CpuShares"), ==, 256);
	CHECK_INT(jint(f.body, "HostConfig.PidsLimit"), ==, 2048);
	/* The body's nproc wins; the default nofile is added, both recorded. */
	CHECK_INT(json_object_array_length(jget(f.body, "HostConfig.Ulimits")), ==, 2);
	CHECK_STR(jstr(f.body, "HostConfig.Ulimits[0].Name"), "nproc");
	CHECK_INT(jint(f.body, "HostConfig.Ulimits[0].Soft"), ==, 7);
	CHECK_STR(jstr(f.body, "HostConfig.Ulimits[1].Name"), "nofile");
	CHECK_INT(jint(f.body, "HostConfig.Ulimits[1].Hard"), ==, 4096);
	CHECK_STR(jstr(f.spec, "linux.cgroupsPath"), "/berth-unit/0123456789abcdef0123456789abcdef"
						     "0123456789abcdef0123456789abcdef");
	check_runtime_parses(&f);
	eng_fini(&f);

	/* The body overrides: its own values, and -1 lifts the default pids limit. */
	eng_init(&f,
		 "{\"HostConfig\":{\"Memory\":209715200,\"CpuShares\":2048,\"PidsLimit\":-1,"
		 "\"CgroupParent\":\"/custom/p\"}}",
		 NULL);
	f.e.conf.memory = 512LL << 20;
	f.e.conf.cpu_shares = 256;
	f.e.conf.pids_limit = 2048;
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK_INT(jint(f.spec, "linux.resources.memory.limit"), ==, 209715200);
	CHECK_INT(jint(f.spec, "linux.resources.cpu.shares"), ==, 2048);
	CHECK(jget(f.spec, "linux.resources.pids") == NULL);
	CHECK_INT(jint(f.body, "HostConfig.PidsLimit"), ==, -1);
	CHECK_STR(jstr(f.spec, "linux.cgroupsPath"), "/custom/p/0123456789abcdef0123456789abcdef"
						     "0123456789abcdef0123456789abcdef");
	eng_fini(&f);

	/* No parent anywhere: "berth". */
	eng_init(&f, "{}", NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK(strncmp(jstr(f.spec, "linux.cgroupsPath"), "/berth/0123", 11) == 0);
	eng_fini(&f);

	expect_error("{\"HostConfig\":{\"CgroupParent\":\"a/../../b\"}}",
		     "HostConfig.CgroupParent: 'a/../../b': '..' is not allowed");
}

BERTH_TEST(spec_res_bad_conf_ulimit)
{
	char bad[] = "nofile=abc";
	struct eng_fixture f;
	char msg[256];

	eng_init(&f, "{}", NULL);
	f.e.conf.ulimits[0] = bad;
	CHECK(apply(&f, msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "berth.conf: ulimit = nofile=abc") != NULL);
	eng_fini(&f);
}
