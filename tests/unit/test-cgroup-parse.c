/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"
#include "oci/spec-resources.h"
#include "test-cgroup.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json.h"

static const char *parse_error(const char *json)
{
	static char msg[512];
	struct berth_error *err = NULL;
	struct berth_resources *r = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_json_parse(json, strlen(json), &o, &err), &err);
	CHECK(berth_resources_parse(o, "linux.resources", &r, &err) < 0);
	CHECK(r == NULL && err != NULL);
	snprintf(msg, sizeof(msg), "%s", err->msg);
	berth_error_free(err);
	json_object_put(o);
	return msg;
}

BERTH_TEST(cgroup_parse_every_field)
{
	struct berth_resources *r = tcg_res(
	    "{\"memory\":{\"limit\":1000000,\"reservation\":500000,\"swap\":2000000,"
	    "\"kernel\":-1,\"kernelTCP\":4096,\"swappiness\":10,\"disableOOMKiller\":true,"
	    "\"useHierarchy\":true,\"checkBeforeUpdate\":true},"
	    "\"cpu\":{\"shares\":512,\"quota\":50000,\"burst\":1000,\"period\":100000,"
	    "\"realtimeRuntime\":950,\"realtimePeriod\":1000,\"cpus\":\"0-1\",\"mems\":\"0\","
	    "\"idle\":1},"
	    "\"pids\":{\"limit\":-1},"
	    "\"blockIO\":{\"weight\":500,\"leafWeight\":300,\"weightDevice\":[{\"major\":8,"
	    "\"minor\":0,\"weight\":600}],\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
	    "\"rate\":1048576}],\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,"
	    "\"rate\":100}]},"
	    "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
	    "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
	    "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000}},"
	    "\"unified\":{\"memory.high\":\"1G\"},"
	    "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
	    "\"major\":1,\"minor\":3,\"access\":\"wr\"}]}");

	CHECK(r->has_memory && r->memory.limit.v == 1000000 && r->memory.swap.v == 2000000);
	CHECK(r->memory.kernel.set && r->memory.kernel.v == -1 && r->memory.kernel_tcp.v == 4096);
	CHECK(r->memory.swappiness.v == 10 && r->memory.disable_oom_killer.v &&
	      r->memory.check_before_update.v);
	CHECK(r->cpu.shares.v == 512 && r->cpu.quota.v == 50000 && r->cpu.period.v == 100000);
	CHECK(r->cpu.burst.v == 1000 && r->cpu.realtime_runtime.v == 950 && r->cpu.idle.v == 1);
	CHECK_STR(r->cpu.cpus, "0-1");
	CHECK(r->pids_limit.set && r->pids_limit.v == -1);
	CHECK(r->blkio.weight.v == 500 && r->blkio.n_weight_devices == 1);
	CHECK(r->blkio.n_throttle[BERTH_THROTTLE_READ_BPS] == 1 &&
	      r->blkio.throttle[BERTH_THROTTLE_WRITE_IOPS][0].minor == 16);
	CHECK_STR(r->hugepages[0].page_size, "2MB");
	CHECK(r->net_class_id.v == 1048577 && r->net_prios[0].priority == 5);
	CHECK_STR(r->rdma[0].device, "mlx5_1");
	CHECK(r->rdma[0].hca_objects.v == 10000);
	CHECK_STR(r->unified[0].key, "memory.high");
	CHECK(r->n_devices == 2 && !r->devices[0].allow && r->devices[0].type == 'a');
	CHECK(r->devices[0].major == -1 && r->devices[1].major == 1);
	CHECK_STR(r->devices[1].access, "rw");
	berth_resources_free(r);
}

BERTH_TEST(cgroup_parse_errors_name_the_path)
{
	CHECK_STR(parse_error("{\"memory\":{\"limit\":\"1g\"}}"),
		  "linux.resources.memory.limit: expected an integer, got a string");
	CHECK_STR(parse_error("{\"cpu\":{\"shares\":1}}"),
		  "linux.resources.cpu.shares: 1 out of range [2, 262144]");
	CHECK_STR(parse_error("{\"memory\":{\"swappiness\":101}}"),
		  "linux.resources.memory.swappiness: 101 out of range [0, 100]");
	CHECK_STR(parse_error("{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}"),
		  "linux.resources.devices[0].type: 'x' is not one of a, b, c");
	CHECK_STR(parse_error("{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}"),
		  "linux.resources.devices[0].access: 'rwx' is not a subset of \"rwm\"");
	CHECK_STR(parse_error("{\"devices\":[{\"type\":\"c\"}]}"),
		  "linux.resources.devices[0].allow: required");
	CHECK_STR(parse_error("{\"unified\":{\"../memory.max\":\"1\"}}"),
		  "linux.resources.unified: '../memory.max' is not a cgroup file name");
	CHECK_STR(parse_error("{\"unified\":{\"memory.max\":1}}"),
		  "linux.resources.unified.memory.max: expected a string, got an integer");
	CHECK_STR(parse_error("{\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]}"),
		  "linux.resources.hugepageLimits[0].pageSize: '2M' is not like \"2MB\"");
	CHECK_STR(parse_error("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8}]}}"),
		  "linux.resources.blockIO.throttleReadBpsDevice[0]: major and minor are required");
	CHECK_STR(parse_error("{\"memory\":{\"limit\":2000,\"swap\":1000}}"),
		  "linux.resources.memory.swap: 1000 is below limit 2000 (swap is memory+swap)");
	CHECK_STR(parse_error("{\"network\":{\"priorities\":[{\"name\":\"a/b\",\"priority\":1}]}}"),
		  "linux.resources.network.priorities[0].name: an interface name is required");
	CHECK_STR(parse_error("{\"pids\":[]}"),
		  "linux.resources.pids: expected an object, got an array");
}

BERTH_TEST(cgroup_resolve_paths)
{
	struct berth_error *err = NULL;
	char *p = NULL;

	CHECK_OK(berth_cg_resolve_path(NULL, "c1", "/ignored", &p, &err), &err);
	CHECK_STR(p, "/berth/c1");
	free(p);
	CHECK_OK(berth_cg_resolve_path("/a//b/./c/", "c1", "/own", &p, &err), &err);
	CHECK_STR(p, "/a/b/c");
	free(p);
	CHECK_OK(berth_cg_resolve_path("x/y", "c1", "/user.slice/s", &p, &err), &err);
	CHECK_STR(p, "/user.slice/s/x/y");
	free(p);
	CHECK_OK(berth_cg_resolve_path("x", "c1", "/", &p, &err), &err);
	CHECK_STR(p, "/x");
	free(p);
	CHECK(berth_cg_resolve_path("/a/../b", "c1", "/", &p, &err) == -EINVAL);
	CHECK_STR(err->msg, "linux.cgroupsPath: '..' is not allowed");
	berth_error_clear(&err);
	CHECK(berth_cg_resolve_path("/", "c1", "/", &p, &err) == -EINVAL);
	berth_error_clear(&err);
	CHECK(berth_cg_resolve_path(NULL, "../x", "/", &p, &err) == -EINVAL);
	berth_error_free(err);
}

BERTH_TEST(cgroup_systemd_driver_refused)
{
	struct berth_cgroup_opts o = { .cgroups_path = "system.slice:berth:x",
				       .id = "x",
				       .systemd = true };
	struct berth_error *err = NULL;
	struct berth_cgroup *cg = NULL;

	CHECK(berth_cgroup_create(&o, NULL, 0, &cg, &err) == -ENOTSUP);
	CHECK(strstr(err->msg, "systemd cgroup driver is not supported") != NULL);
	CHECK(cg == NULL);
	berth_error_free(err);
}

BERTH_TEST(cgroup_shares_to_weight)
{
	CHECK_INT(berth_cg_shares_to_weight(2), ==, 1);
	CHECK_INT(berth_cg_shares_to_weight(1024), ==, 39);
	CHECK_INT(berth_cg_shares_to_weight(262144), ==, 10000);
	CHECK_INT(berth_cg_shares_to_weight(0), ==, 0);
}

BERTH_TEST(cgroup_parse_zero_means_unset)
{
	struct berth_resources *r =
	    tcg_res("{\"memory\":{\"limit\":0,\"swap\":0,\"reservation\":0},"
		    "\"cpu\":{\"quota\":0,\"shares\":0}}");

	CHECK(!r->memory.limit.set && !r->memory.swap.set && !r->memory.reservation.set);
	CHECK(!r->cpu.quota.set);
	berth_resources_free(r);
}
