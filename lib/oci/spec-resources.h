/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SPEC_RESOURCES_H
#define BERTH_OCI_SPEC_RESOURCES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/*
 * linux.resources of the OCI runtime-spec 1.1, parsed and range-checked.
 * Every optional scalar carries its own `set` flag: absent means "leave the
 * kernel's value alone", which differs from any value (update relies on it).
 * Parsing does no syscalls; the cgroup managers (lib/cgroup) apply it.
 */

struct berth_opt_i64 {
	bool set;
	int64_t v;
};

struct berth_opt_u64 {
	bool set;
	uint64_t v;
};

struct berth_opt_bool {
	bool set;
	bool v;
};

struct berth_res_memory {
	/* bytes, -1: unlimited; one declaration: the parser walks limit..kernel_tcp */
	struct berth_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
	struct berth_opt_u64 swappiness; /* 0..100 */
	struct berth_opt_bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct berth_res_cpu {
	struct berth_opt_u64 shares, burst, period, realtime_period;
	struct berth_opt_i64 quota, realtime_runtime, idle; /* quota -1: unlimited */
	char *cpus, *mems;				    /* NULL: not set */
};

/* A device weight: leaf_weight/weight 0 when not set (the spec forbids 0 as a value). */
struct berth_res_weight_device {
	int64_t major, minor;
	struct berth_opt_u64 weight, leaf_weight;
};

struct berth_res_throttle {
	int64_t major, minor;
	uint64_t rate;
};

enum berth_res_throttle_kind {
	BERTH_THROTTLE_READ_BPS,
	BERTH_THROTTLE_WRITE_BPS,
	BERTH_THROTTLE_READ_IOPS,
	BERTH_THROTTLE_WRITE_IOPS,
	BERTH_THROTTLE_COUNT,
};

struct berth_res_blkio {
	struct berth_opt_u64 weight, leaf_weight; /* 10..1000 */
	struct berth_res_weight_device *weight_devices;
	size_t n_weight_devices;
	struct berth_res_throttle *throttle[BERTH_THROTTLE_COUNT];
	size_t n_throttle[BERTH_THROTTLE_COUNT];
};

struct berth_res_hugepage {
	char *page_size; /* "2MB", "1GB": as in the kernel's file names */
	uint64_t limit;
};

struct berth_res_net_prio {
	char *name;
	uint32_t priority;
};

struct berth_res_rdma {
	char *device;
	struct berth_opt_u64 hca_handles, hca_objects;
};

struct berth_res_unified {
	char *key, *value;
};

/* A device cgroup rule; type 'a', 'b' or 'c'; major/minor -1: any ('*'). */
struct berth_res_device_rule {
	bool allow;
	char type;
	int64_t major, minor;
	char access[4]; /* subset of "rwm", in that order; "" when absent means "rwm" */
};

struct berth_resources {
	bool has_memory, has_cpu, has_blkio, has_network;
	struct berth_res_memory memory;
	struct berth_res_cpu cpu;
	struct berth_opt_i64 pids_limit; /* <= 0 ... see docs/cgroups.md: negative = unlimited */
	struct berth_res_blkio blkio;
	struct berth_res_hugepage *hugepages;
	size_t n_hugepages;
	struct berth_opt_u64 net_class_id;
	struct berth_res_net_prio *net_prios;
	size_t n_net_prios;
	struct berth_res_rdma *rdma;
	size_t n_rdma;
	struct berth_res_unified *unified;
	size_t n_unified;
	bool has_devices; /* linux.resources.devices given (even empty): deny-all first */
	struct berth_res_device_rule *devices;
	size_t n_devices;
};

/* Parse and validate linux.resources (@path: "linux.resources"), also used by `update -r`. */
int berth_resources_parse(json_object *obj, const char *path, struct berth_resources **out,
			  struct berth_error **err);
void berth_resources_free(struct berth_resources *r);

#endif
