/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/update.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "engine/ctr.h"
#include "engine/live.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/units.h"

#define CPU_PERIOD 100000 /* Docker's period for --cpus */
#define BUNDLE_MAX (4 << 20)

int berth_restart_policy_parse(const char *s, json_object **out, struct berth_error **err)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	int64_t max = 0;

	if (!((n == 2 && strncmp(s, "no", 2) == 0) || (n == 6 && strncmp(s, "always", 6) == 0) ||
	      (n == 14 && strncmp(s, "unless-stopped", 14) == 0) ||
	      (n == 10 && strncmp(s, "on-failure", 10) == 0)))
		return berth_error_set(err, EINVAL, "invalid restart policy: %s", s);
	if (colon != NULL) {
		if (n != 10)
			return berth_error_set(err, EINVAL,
					       "invalid restart policy: maximum retry count can "
					       "only be used with 'on-failure'");
		if (berth_parse_int(colon + 1, "restart policy retry count", 0, INT32_MAX, &max,
				    err) < 0)
			return berth_error_ret(err);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "Name", json_object_new_string_len(s, (int)n));
	json_object_object_add(*out, "MaximumRetryCount", json_object_new_int64(max));
	return 0;
}

static json_object *sub(json_object *o, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object))
		return v;
	v = json_object_new_object();
	json_object_object_add(o, key, v);
	return v;
}

static void add_i64(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

json_object *berth_update_resources_json(const struct berth_ctr_update_opts *o)
{
	json_object *r = json_object_new_object();

	if (o->memory.set)
		add_i64(sub(r, "memory"), "limit", o->memory.v);
	if (o->memory_swap.set)
		add_i64(sub(r, "memory"), "swap", o->memory_swap.v);
	if (o->memory_reservation.set)
		add_i64(sub(r, "memory"), "reservation", o->memory_reservation.v);
	if (o->cpu_shares.set)
		add_i64(sub(r, "cpu"), "shares", o->cpu_shares.v);
	if (o->nano_cpus.set) {
		add_i64(sub(r, "cpu"), "period", CPU_PERIOD);
		add_i64(sub(r, "cpu"), "quota",
			o->nano_cpus.v > 0 ? o->nano_cpus.v * CPU_PERIOD / 1000000000 : -1);
	}
	if (o->cpuset_cpus)
		json_object_object_add(sub(r, "cpu"), "cpus",
				       json_object_new_string(o->cpuset_cpus));
	if (o->cpuset_mems)
		json_object_object_add(sub(r, "cpu"), "mems",
				       json_object_new_string(o->cpuset_mems));
	if (o->pids_limit.set)
		add_i64(sub(r, "pids"), "limit", o->pids_limit.v > 0 ? o->pids_limit.v : -1);
	if (o->blkio_weight.set && o->blkio_weight.v > 0)
		add_i64(sub(r, "blockIO"), "weight", o->blkio_weight.v);
	return r;
}

static int64_t hc_int(json_object *hc, const char *key)
{
	json_object *v;

	if (hc && json_object_object_get_ex(hc, key, &v) && json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return 0;
}

/* Docker's checks against what the container has. */
static int check(const struct berth_ctr *c, const struct berth_ctr_update_opts *o,
		 struct berth_error **err)
{
	json_object *hc = berth_ctr_hostconfig(c), *v;
	int64_t swap = o->memory_swap.set ? o->memory_swap.v : hc_int(hc, "MemorySwap");
	int64_t mem = o->memory.set ? o->memory.v : hc_int(hc, "Memory");

	if (o->memory.set && o->memory.v != 0 && o->memory.v < 6 * 1024 * 1024)
		return berth_error_set(err, EINVAL, "Minimum memory limit allowed is 6MB");
	if (mem > 0 && swap > 0 && swap < mem)
		return berth_error_set(err, EINVAL,
				       o->memory_swap.set
					   ? "Minimum memoryswap limit should be larger than "
					     "memory limit, see usage"
					   : "Memory limit should be smaller than already set "
					     "memoryswap limit, update the memoryswap at the same "
					     "time");
	if (o->memory_swap.set && o->memory_swap.v > 0 && mem <= 0)
		return berth_error_set(err, EINVAL,
				       "You should always set the Memory limit when using "
				       "Memoryswap limit, see usage");
	if (o->cpu_shares.set && o->cpu_shares.v != 0 &&
	    (o->cpu_shares.v < 2 || o->cpu_shares.v > 262144))
		return berth_error_set(err, EINVAL, "invalid CPU shares %lld: 2 to 262144",
				       (long long)o->cpu_shares.v);
	if (o->blkio_weight.set && o->blkio_weight.v != 0 &&
	    (o->blkio_weight.v < 10 || o->blkio_weight.v > 1000))
		return berth_error_set(err, EINVAL, "Range of blkio weight is from 10 to 1000");
	if (o->restart && hc && json_object_object_get_ex(hc, "AutoRemove", &v) &&
	    json_object_get_boolean(v) && strncmp(o->restart, "no", 2) != 0)
		return berth_error_set(err, EINVAL,
				       "Restart policy cannot be updated because AutoRemove is "
				       "enabled for the container");
	return 0;
}

static void record_set(const struct berth_ctr *c, const struct berth_ctr_update_opts *o,
		       json_object *policy)
{
	json_object *hc = berth_ctr_hostconfig(c);

	if (hc == NULL) {
		hc = json_object_new_object();
		json_object_object_add(c->record, "HostConfig", hc);
	}
	if (o->memory.set)
		add_i64(hc, "Memory", o->memory.v);
	if (o->memory_swap.set)
		add_i64(hc, "MemorySwap", o->memory_swap.v);
	if (o->memory_reservation.set)
		add_i64(hc, "MemoryReservation", o->memory_reservation.v);
	if (o->nano_cpus.set)
		add_i64(hc, "NanoCpus", o->nano_cpus.v);
	if (o->cpu_shares.set)
		add_i64(hc, "CpuShares", o->cpu_shares.v);
	if (o->pids_limit.set)
		add_i64(hc, "PidsLimit", o->pids_limit.v);
	if (o->blkio_weight.set)
		add_i64(hc, "BlkioWeight", o->blkio_weight.v);
	if (o->cpuset_cpus)
		json_object_object_add(hc, "CpusetCpus", json_object_new_string(o->cpuset_cpus));
	if (o->cpuset_mems)
		json_object_object_add(hc, "CpusetMems", json_object_new_string(o->cpuset_mems));
	if (policy)
		json_object_object_add(hc, "RestartPolicy", json_object_get(policy));
}

/* Merge @res into linux.resources of @spec, one level deep (memory.limit, cpu.shares...). */
static void merge_resources(json_object *spec, json_object *res)
{
	json_object *dst = sub(sub(spec, "linux"), "resources");

	json_object_object_foreach (res, group, fields) {
		json_object *g = sub(dst, group);

		json_object_object_foreach (fields, k, v)
			json_object_object_add(g, k, json_object_get(v));
	}
}

static int update_bundle(struct berth_engine *e, const char *id, json_object *res,
			 struct berth_error **err)
{
	cleanup_close int dfd = berth_ctr_dirfd(e, id, err);
	json_object *spec = NULL;
	const char *s;
	int ret;

	if (dfd < 0)
		return dfd;
	if (berth_json_parse_file(dfd, "config.json", BUNDLE_MAX, &spec, err) < 0)
		return berth_error_prefix(err, "container %s", id);
	merge_resources(spec, res);
	s = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN);
	ret = berth_write_file_atomic(dfd, "config.json", s, strlen(s), 0600, err);
	json_object_put(spec);
	return ret;
}

static int update_live(struct berth_engine *e, const char *id, json_object *res,
		       struct berth_error **err)
{
	struct berth_resources *r = NULL;
	struct berth_cgroup *cg = NULL;
	int ret;

	if ((ret = berth_resources_parse(res, "resources", &r, err)) == 0 &&
	    (ret = berth_ctr_cgroup(e, id, &cg, err)) == 0)
		ret = berth_cgroup_update(cg, r, err);
	berth_cgroup_free(cg);
	berth_resources_free(r);
	return ret < 0 ? berth_error_prefix(err, "Cannot update container %s", id) : 0;
}

int berth_ctr_update(struct berth_engine *e, const char *ref, const struct berth_ctr_update_opts *o,
		     struct berth_error **err)
{
	json_object *policy = NULL, *res = NULL;
	struct berth_ctr *c = NULL;
	int ret;

	if ((ret = berth_ctr_get(e, ref, &c, err)) < 0)
		return ret;
	if ((ret = check(c, o, err)) < 0 ||
	    (o->restart && (ret = berth_restart_policy_parse(o->restart, &policy, err)) < 0))
		goto out;
	res = berth_update_resources_json(o);
	if (json_object_object_length(res) > 0) {
		if (berth_ctr_active(c) && (ret = update_live(e, c->id, res, err)) < 0)
			goto out;
		if ((ret = update_bundle(e, c->id, res, err)) < 0)
			goto out;
	}
	record_set(c, o, policy);
	ret = berth_ctr_save_record(e, c, err);
out:
	json_object_put(policy);
	json_object_put(res);
	berth_ctr_free(c);
	return ret;
}
