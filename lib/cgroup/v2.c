/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"

/*
 * The cgroup v2 manager.  OCI's fields are v1-shaped; the conversions follow
 * runc and crun so that the same config gives the same kernel values.  Fields
 * v2 has no file for (kernel memory, swappiness, realtime, net_cls/net_prio,
 * leaf weights) are refused by name.
 */

static int refuse(const char *key, struct berth_error **err)
{
	return berth_error_set(err, ENOTSUP, "linux.resources.%s: not supported on cgroup v2", key);
}

uint64_t berth_cg_shares_to_weight(uint64_t shares)
{
	/* [2, 262144] onto [1, 10000], as runc and crun map cpu.shares to cpu.weight. */
	if (shares == 0)
		return 0;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* OCI swap is memory+swap; memory.swap.max is swap alone. -1: "max"; -2: leave alone. */
static int swap_value(const struct berth_res_memory *m, int64_t *out, struct berth_error **err)
{
	*out = -2;
	if (m->limit.set && m->limit.v == -1 && !m->swap.set)
		*out = -1;
	if (!m->swap.set || m->swap.v == 0)
		return 0;
	if (m->swap.v == -1) {
		*out = -1;
		return 0;
	}
	if (!m->limit.set || m->limit.v <= 0)
		return berth_error_set(err, EINVAL,
				       "linux.resources.memory.swap: a swap limit needs a memory "
				       "limit on cgroup v2");
	*out = m->swap.v - m->limit.v; /* the parser made sure swap >= limit */
	return 0;
}

static int set_max(struct berth_cg_dir *d, const char *key, const char *file, int64_t v,
		   struct berth_error **err)
{
	if (v < 0)
		return berth_cg_set(d, key, file, err, "max");
	return berth_cg_set(d, key, file, err, "%lld", (long long)v);
}

static int check_memory(struct berth_cg_dir *d, const struct berth_res_memory *m, bool update,
			struct berth_error **err)
{
	uint64_t usage = 0;

	if ((m->kernel.set && m->kernel.v != 0) || (m->kernel_tcp.set && m->kernel_tcp.v != 0))
		return refuse(m->kernel.set ? "memory.kernel" : "memory.kernelTCP", err);
	if (m->swappiness.set)
		return refuse("memory.swappiness", err);
	if (m->disable_oom_killer.set && m->disable_oom_killer.v)
		return refuse("memory.disableOOMKiller", err);
	if (m->use_hierarchy.set && !m->use_hierarchy.v)
		return refuse("memory.useHierarchy (v2 is always hierarchical)", err);
	if (update && m->check_before_update.v && m->limit.set && m->limit.v >= 0 &&
	    berth_cg_read_u64(d, "memory.current", &usage) == 0 && usage > (uint64_t)m->limit.v)
		return berth_error_set(err, EBUSY,
				       "linux.resources.memory.limit: %lld is below the current "
				       "usage %llu (checkBeforeUpdate)",
				       (long long)m->limit.v, (unsigned long long)usage);
	return 0;
}

static int apply_memory(struct berth_cg_dir *d, const struct berth_resources *r, bool update,
			struct berth_error **err)
{
	const struct berth_res_memory *m = &r->memory;
	int64_t swap;

	if (!r->has_memory)
		return 0;
	if (check_memory(d, m, update, err) < 0 || swap_value(m, &swap, err) < 0)
		return -1;
	/* Lowering: swap first is harmless; raising: order does not matter on v2. */
	if (swap != -2 && set_max(d, "memory.swap", "memory.swap.max", swap, err) < 0)
		return -1;
	if (m->limit.set && m->limit.v != 0 &&
	    set_max(d, "memory.limit", "memory.max", m->limit.v, err) < 0)
		return -1;
	if (m->reservation.set && m->reservation.v != 0 &&
	    set_max(d, "memory.reservation", "memory.low", m->reservation.v, err) < 0)
		return -1;
	return 0;
}

/* cpu.max is "$QUOTA $PERIOD"; an absent quota keeps the current one. */
static int apply_cpu_max(struct berth_cg_dir *d, const struct berth_res_cpu *c,
			 struct berth_error **err)
{
	cleanup_free char *cur = NULL;
	struct berth_error *ignored = NULL;
	char quota[24] = "max";

	if (!c->quota.set && !(c->period.set && c->period.v))
		return 0;
	if (c->quota.set && c->quota.v >= 0)
		snprintf(quota, sizeof(quota), "%lld", (long long)c->quota.v);
	else if (!c->quota.set && berth_cg_read(d, "cpu.max", &cur, &ignored) == 0)
		snprintf(quota, sizeof(quota), "%.*s", (int)strcspn(cur, " \n"), cur);
	berth_error_free(ignored);
	if (c->period.set && c->period.v)
		return berth_cg_set(d, c->quota.set ? "cpu.quota" : "cpu.period", "cpu.max", err,
				    "%s %llu", quota, (unsigned long long)c->period.v);
	return berth_cg_set(d, "cpu.quota", "cpu.max", err, "%s", quota);
}

static int apply_cpu(struct berth_cg_dir *d, const struct berth_resources *r,
		     struct berth_error **err)
{
	const struct berth_res_cpu *c = &r->cpu;

	if (!r->has_cpu)
		return 0;
	if ((c->realtime_runtime.set && c->realtime_runtime.v != 0) ||
	    (c->realtime_period.set && c->realtime_period.v != 0))
		return refuse("cpu.realtimeRuntime/realtimePeriod", err);
	if (c->shares.set && c->shares.v != 0 &&
	    berth_cg_set(d, "cpu.shares", "cpu.weight", err, "%llu",
			 (unsigned long long)berth_cg_shares_to_weight(c->shares.v)) < 0)
		return -1;
	if (apply_cpu_max(d, c, err) < 0)
		return -1;
	if (c->burst.set && berth_cg_set(d, "cpu.burst", "cpu.max.burst", err, "%llu",
					 (unsigned long long)c->burst.v) < 0)
		return -1;
	if (c->idle.set &&
	    berth_cg_set(d, "cpu.idle", "cpu.idle", err, "%lld", (long long)c->idle.v) < 0)
		return -1;
	if (c->cpus && berth_cg_set(d, "cpu.cpus", "cpuset.cpus", err, "%s", c->cpus) < 0)
		return -1;
	if (c->mems && berth_cg_set(d, "cpu.mems", "cpuset.mems", err, "%s", c->mems) < 0)
		return -1;
	return 0;
}

/* blkio weight [10, 1000] onto io.weight [1, 10000], as runc does. */
static uint64_t io_weight(struct berth_cg_dir *d, uint64_t w)
{
	return berth_cg_has(d, "io.bfq.weight") ? w : 1 + (w - 10) * 9999 / 990;
}

static int apply_io_weight(struct berth_cg_dir *d, const struct berth_res_blkio *b,
			   struct berth_error **err)
{
	const char *file = berth_cg_has(d, "io.bfq.weight") ? "io.bfq.weight" : "io.weight";

	if (b->leaf_weight.set && b->leaf_weight.v)
		return refuse("blockIO.leafWeight", err);
	if (b->weight.set && b->weight.v &&
	    berth_cg_set(d, "blockIO.weight", file, err, "%llu",
			 (unsigned long long)io_weight(d, b->weight.v)) < 0)
		return -1;
	for (size_t i = 0; i < b->n_weight_devices; i++) {
		const struct berth_res_weight_device *w = &b->weight_devices[i];

		if (w->leaf_weight.set)
			return refuse("blockIO.weightDevice.leafWeight", err);
		if (w->weight.set &&
		    berth_cg_set(d, "blockIO.weightDevice", file, err, "%lld:%lld %llu",
				 (long long)w->major, (long long)w->minor,
				 (unsigned long long)io_weight(d, w->weight.v)) < 0)
			return -1;
	}
	return 0;
}

static int apply_io(struct berth_cg_dir *d, const struct berth_resources *r,
		    struct berth_error **err)
{
	static const char *const names[BERTH_THROTTLE_COUNT] = { "rbps", "wbps", "riops", "wiops" };
	const struct berth_res_blkio *b = &r->blkio;

	if (!r->has_blkio || apply_io_weight(d, b, err) < 0)
		return r->has_blkio ? -1 : 0;
	for (int k = 0; k < BERTH_THROTTLE_COUNT; k++)
		for (size_t i = 0; i < b->n_throttle[k]; i++) {
			const struct berth_res_throttle *t = &b->throttle[k][i];

			/* 0 means "no limit" in the v1 files; v2 spells it "max". */
			if (t->rate == 0
				? berth_cg_set(d, "blockIO", "io.max", err, "%lld:%lld %s=max",
					       (long long)t->major, (long long)t->minor,
					       names[k]) < 0
				: berth_cg_set(d, "blockIO", "io.max", err, "%lld:%lld %s=%llu",
					       (long long)t->major, (long long)t->minor, names[k],
					       (unsigned long long)t->rate) < 0)
				return -1;
		}
	return 0;
}

int berth_cg_v2_hugetlb(struct berth_cg_dir *d, const struct berth_resources *r,
			struct berth_error **err)
{
	for (size_t i = 0; i < r->n_hugepages; i++) {
		cleanup_free char *file = NULL;

		if (asprintf(&file, "hugetlb.%s.max", r->hugepages[i].page_size) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (berth_cg_set(d, "hugepageLimits", file, err, "%llu",
				 (unsigned long long)r->hugepages[i].limit) < 0)
			return -1;
	}
	return 0;
}

int berth_cg_v2_unified(struct berth_cg_dir *d, const struct berth_resources *r,
			struct berth_error **err)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const struct berth_res_unified *u = &r->unified[i];
		cleanup_free char *key = NULL;

		/* The parser refused '/' and ".."; the file must already exist (no creation). */
		if (asprintf(&key, "unified.%s", u->key) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (berth_cg_set(d, key, u->key, err, "%s", u->value) < 0)
			return -1;
	}
	return 0;
}

int berth_cg_write_rdma(struct berth_cg_dir *d, const struct berth_resources *r,
			struct berth_error **err)
{
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct berth_res_rdma *x = &r->rdma[i];
		char h[40] = "", o[40] = "";

		if (x->hca_handles.set)
			snprintf(h, sizeof(h), " hca_handle=%llu",
				 (unsigned long long)x->hca_handles.v);
		if (x->hca_objects.set)
			snprintf(o, sizeof(o), " hca_object=%llu",
				 (unsigned long long)x->hca_objects.v);
		if ((*h || *o) &&
		    berth_cg_set(d, "rdma", "rdma.max", err, "%s%s%s", x->device, h, o) < 0)
			return -1;
	}
	return 0;
}

static int apply_misc(struct berth_cg_dir *d, const struct berth_resources *r,
		      struct berth_error **err)
{
	if (r->net_class_id.set || r->n_net_prios > 0)
		return refuse("network (net_cls/net_prio are v1 controllers)", err);
	if (r->pids_limit.set && r->pids_limit.v != 0 &&
	    set_max(d, "pids.limit", "pids.max", r->pids_limit.v < 0 ? -1 : r->pids_limit.v, err) <
		0)
		return -1;
	if (berth_cg_v2_hugetlb(d, r, err) < 0 || berth_cg_write_rdma(d, r, err) < 0)
		return -1;
	if (r->has_devices && berth_cg_bpf_devices(d->fd, r->devices, r->n_devices, err) < 0)
		return berth_error_prefix(err, "linux.resources.devices");
	return 0;
}

static int v2_apply(struct berth_cgroup *cg, const struct berth_resources *r, bool update,
		    struct berth_error **err)
{
	struct berth_cg_dir *d = cg->v2;

	if (apply_memory(d, r, update, err) < 0 || apply_cpu(d, r, err) < 0 ||
	    apply_io(d, r, err) < 0 || apply_misc(d, r, err) < 0 ||
	    berth_cg_v2_unified(d, r, err) < 0)
		return berth_error_ret(err);
	return 0;
}

int berth_cg_v2_frozen(struct berth_cg_dir *d)
{
	uint64_t v = 0;
	int ret;

	if (d->fd < 0)
		return -EBADF;
	ret = berth_cg_read_keyed(d, "cgroup.events", "frozen", &v);
	return ret < 0 ? ret : v == 1;
}

/* cgroup.freeze asks; cgroup.events says when every task has stopped. */
int berth_cg_v2_freeze(struct berth_cg_dir *d, bool frozen, struct berth_error **err)
{
	struct timespec ts = { 0, 1000 * 1000 };

	if (berth_cg_open_dir(d, err) < 0 ||
	    berth_cg_set(d, NULL, "cgroup.freeze", err, "%d", frozen) < 0)
		return berth_error_ret(err);
	for (int i = 0; i < 5000; i++) {
		int ret = berth_cg_v2_frozen(d);

		if (ret < 0)
			return berth_error_set(err, -ret, "read '%s/cgroup.events': %s", d->full,
					       strerror(-ret));
		if (ret == frozen)
			return 0;
		nanosleep(&ts, NULL);
	}
	return berth_error_set(err, ETIMEDOUT, "'%s' not %s after 5 s", d->full,
			       frozen ? "frozen" : "thawed");
}

static int v2_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error **err)
{
	return berth_cg_v2_freeze(cg->v2, frozen, err);
}

static int v2_frozen(struct berth_cgroup *cg)
{
	struct berth_error *err = NULL;

	if (berth_cg_open_dir(cg->v2, &err) < 0) {
		int ret = -err->code;

		berth_error_free(err);
		return ret;
	}
	return berth_cg_v2_frozen(cg->v2);
}

const struct berth_cgroup_ops berth_cgroup_v2_ops = {
	.apply = v2_apply,
	.freeze = v2_freeze,
	.frozen = v2_frozen,
	.stats = berth_cg_stats_v2,
};
