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
 * The cgroup v1 manager, also used for the hybrid layout: v1 controllers do
 * the work, and what only the unified hierarchy offers (hugetlb on this
 * machine, `unified` keys) goes to cg->v2.  A field whose controller is not
 * mounted is refused by name rather than skipped.
 */

static struct berth_cg_dir *need(struct berth_cgroup *cg, const char *ctrl, const char *key,
				 struct berth_error **err)
{
	struct berth_cg_dir *d = berth_cg_find_v1(cg, ctrl);

	if (d == NULL)
		berth_error_set(err, ENOTSUP,
				"linux.resources.%s: the cgroup v1 '%s' controller is not mounted "
				"under '%s'",
				key, ctrl, cg->fs_root);
	return d;
}

#define SET_I64(d, opt, key, file)                                                                 \
	((opt).set ? berth_cg_set(d, key, file, err, "%lld", (long long)(opt).v) : 0)
#define SET_U64(d, opt, key, file)                                                                 \
	((opt).set ? berth_cg_set(d, key, file, err, "%llu", (unsigned long long)(opt).v) : 0)

/* The kernel keeps limit <= memsw.limit at every moment, so the order of the two writes matters. */
static int mem_limits(struct berth_cg_dir *d, const struct berth_res_memory *m,
		      struct berth_error **err)
{
	struct berth_opt_i64 swap = m->swap;
	bool swap_first = false;
	uint64_t cur = 0;

	/* Lifting the limit without a swap value lifts memory+swap too, as runc does. */
	if (m->limit.set && m->limit.v == -1 && !swap.set &&
	    berth_cg_has(d, "memory.memsw.limit_in_bytes"))
		swap = (struct berth_opt_i64){ true, -1 };
	if (swap.set && berth_cg_read_u64(d, "memory.memsw.limit_in_bytes", &cur) == 0)
		swap_first = swap.v == -1 || (uint64_t)swap.v > cur;
	if (swap_first && SET_I64(d, swap, "memory.swap", "memory.memsw.limit_in_bytes") < 0)
		return -1;
	if (SET_I64(d, m->limit, "memory.limit", "memory.limit_in_bytes") < 0)
		return -1;
	if (!swap_first && SET_I64(d, swap, "memory.swap", "memory.memsw.limit_in_bytes") < 0)
		return -1;
	return 0;
}

static int check_usage(struct berth_cg_dir *d, const struct berth_res_memory *m,
		       struct berth_error **err)
{
	uint64_t usage = 0;

	if (!m->check_before_update.v || !m->limit.set || m->limit.v < 0)
		return 0;
	if (berth_cg_read_u64(d, "memory.usage_in_bytes", &usage) == 0 &&
	    usage > (uint64_t)m->limit.v)
		return berth_error_set(err, EBUSY,
				       "linux.resources.memory.limit: %lld is below the current "
				       "usage %llu (checkBeforeUpdate)",
				       (long long)m->limit.v, (unsigned long long)usage);
	return 0;
}

/*
 * Linux >= 5.16 still has memory.kmem.limit_in_bytes but ignores what is
 * written to it; a limit that does not hold is refused rather than accepted.
 */
static int set_kmem(struct berth_cg_dir *d, const struct berth_opt_i64 *kmem,
		    struct berth_error **err)
{
	uint64_t now = 0;

	if (!kmem->set || SET_I64(d, *kmem, "memory.kernel", "memory.kmem.limit_in_bytes") < 0)
		return kmem->set ? -1 : 0;
	if (kmem->v < 0 || (berth_cg_read_u64(d, "memory.kmem.limit_in_bytes", &now) == 0 &&
			    now == (uint64_t)kmem->v))
		return 0;
	return berth_error_set(err, ENOTSUP,
			       "linux.resources.memory.kernel: this kernel ignores "
			       "memory.kmem.limit_in_bytes (kernel memory limits were removed)");
}

static int apply_memory(struct berth_cgroup *cg, const struct berth_resources *r, bool update,
			struct berth_error **err)
{
	const struct berth_res_memory *m = &r->memory;
	struct berth_cg_dir *d;

	if (!r->has_memory)
		return 0;
	if ((d = need(cg, "memory", "memory", err)) == NULL)
		return -1;
	if ((update && check_usage(d, m, err) < 0) || mem_limits(d, m, err) < 0 ||
	    SET_I64(d, m->reservation, "memory.reservation", "memory.soft_limit_in_bytes") < 0 ||
	    set_kmem(d, &m->kernel, err) < 0 ||
	    SET_I64(d, m->kernel_tcp, "memory.kernelTCP", "memory.kmem.tcp.limit_in_bytes") < 0 ||
	    SET_U64(d, m->swappiness, "memory.swappiness", "memory.swappiness") < 0)
		return -1;
	if (m->disable_oom_killer.set &&
	    berth_cg_set(d, "memory.disableOOMKiller", "memory.oom_control", err, "%d",
			 m->disable_oom_killer.v) < 0)
		return -1;
	if (m->use_hierarchy.set && berth_cg_set(d, "memory.useHierarchy", "memory.use_hierarchy",
						 err, "%d", m->use_hierarchy.v) < 0)
		return -1;
	return 0;
}

static bool cpu_wanted(const struct berth_res_cpu *c)
{
	return c->shares.set || c->quota.set || c->period.set || c->burst.set ||
	       c->realtime_runtime.set || c->realtime_period.set || c->idle.set;
}

static int apply_cpu(struct berth_cgroup *cg, const struct berth_resources *r,
		     struct berth_error **err)
{
	const struct berth_res_cpu *c = &r->cpu;
	struct berth_cg_dir *d;

	if (!r->has_cpu || !cpu_wanted(c))
		return 0;
	if ((d = need(cg, "cpu", "cpu", err)) == NULL)
		return -1;
	/* Shares 0 means "unset" in runc's reading of the spec. */
	if ((c->shares.v != 0 && SET_U64(d, c->shares, "cpu.shares", "cpu.shares") < 0) ||
	    (c->period.v != 0 && SET_U64(d, c->period, "cpu.period", "cpu.cfs_period_us") < 0) ||
	    SET_I64(d, c->quota, "cpu.quota", "cpu.cfs_quota_us") < 0 ||
	    SET_U64(d, c->burst, "cpu.burst", "cpu.cfs_burst_us") < 0 ||
	    SET_U64(d, c->realtime_period, "cpu.realtimePeriod", "cpu.rt_period_us") < 0 ||
	    SET_I64(d, c->realtime_runtime, "cpu.realtimeRuntime", "cpu.rt_runtime_us") < 0 ||
	    SET_I64(d, c->idle, "cpu.idle", "cpu.idle") < 0)
		return -1;
	return 0;
}

static int apply_cpuset(struct berth_cgroup *cg, const struct berth_resources *r,
			struct berth_error **err)
{
	const struct berth_res_cpu *c = &r->cpu;
	struct berth_cg_dir *d;

	if (c->cpus == NULL && c->mems == NULL)
		return 0;
	if ((d = need(cg, "cpuset", c->cpus ? "cpu.cpus" : "cpu.mems", err)) == NULL)
		return -1;
	if (c->cpus && berth_cg_set(d, "cpu.cpus", "cpuset.cpus", err, "%s", c->cpus) < 0)
		return -1;
	if (c->mems && berth_cg_set(d, "cpu.mems", "cpuset.mems", err, "%s", c->mems) < 0)
		return -1;
	return 0;
}

static int apply_pids(struct berth_cgroup *cg, const struct berth_resources *r,
		      struct berth_error **err)
{
	struct berth_cg_dir *d;

	if (!r->pids_limit.set || r->pids_limit.v == 0)
		return 0;
	if ((d = need(cg, "pids", "pids.limit", err)) == NULL)
		return -1;
	if (r->pids_limit.v < 0)
		return berth_cg_set(d, "pids.limit", "pids.max", err, "max");
	return berth_cg_set(d, "pids.limit", "pids.max", err, "%lld", (long long)r->pids_limit.v);
}

static int v1_apply(struct berth_cgroup *cg, const struct berth_resources *r, bool update,
		    struct berth_error **err)
{
	if (apply_cpuset(cg, r, err) < 0 || apply_memory(cg, r, update, err) < 0 ||
	    apply_cpu(cg, r, err) < 0 || apply_pids(cg, r, err) < 0)
		return berth_error_ret(err);
	return berth_cg_v1_apply_more(cg, r, err);
}

/* FROZEN can stall in FREEZING while a task is in an uninterruptible sleep: write again. */
static int v1_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error **err)
{
	struct berth_cg_dir *d = berth_cg_find_v1(cg, "freezer");
	const char *want = frozen ? "FROZEN" : "THAWED";
	struct timespec ts = { 0, 1000 * 1000 };

	if (d == NULL && cg->v2 != NULL)
		return berth_cg_v2_freeze(cg->v2, frozen, err);
	if (d == NULL)
		return berth_error_set(err, ENOTSUP, "freeze: no freezer controller under '%s'",
				       cg->fs_root);
	if (berth_cg_open_dir(d, err) < 0)
		return berth_error_ret(err);
	for (int i = 0; i < 5000; i++) {
		cleanup_free char *state = NULL;

		if (berth_cg_set(d, NULL, "freezer.state", err, "%s", want) < 0 ||
		    berth_cg_read(d, "freezer.state", &state, err) < 0)
			return berth_error_ret(err);
		if (strncmp(state, want, strlen(want)) == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	return berth_error_set(err, ETIMEDOUT, "'%s' did not reach %s in 5 s", d->full, want);
}

static int v1_frozen(struct berth_cgroup *cg)
{
	struct berth_cg_dir *d = berth_cg_find_v1(cg, "freezer");
	struct berth_error *err = NULL;
	cleanup_free char *state = NULL;

	if (d == NULL && cg->v2 != NULL) {
		if (berth_cg_open_dir(cg->v2, &err) < 0) {
			int ret = -err->code;

			berth_error_free(err);
			return ret;
		}
		return berth_cg_v2_frozen(cg->v2);
	}
	if (d == NULL)
		return -ENOTSUP;
	if (berth_cg_open_dir(d, &err) < 0 || berth_cg_read(d, "freezer.state", &state, &err) < 0) {
		int ret = -err->code;

		berth_error_free(err);
		return ret;
	}
	return strncmp(state, "FROZEN", 6) == 0;
}

const struct berth_cgroup_ops berth_cgroup_v1_ops = {
	.apply = v1_apply,
	.freeze = v1_freeze,
	.frozen = v1_frozen,
	.stats = berth_cg_stats_v1,
};
