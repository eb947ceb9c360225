/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_STATS_H
#define BERTH_ENGINE_STATS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "util/error.h"

/*
 * `berth stats`: one sample of a container's usage.  CPU % needs two samples
 * (Docker's formula: container CPU time delta / host CPU time delta x online
 * CPUs); memory is the cgroup's usage without the inactive file cache, against
 * the cgroup's limit or the host's memory; network from the init's network
 * namespace (/proc/<pid>/net/dev, loopback left out); block I/O from the
 * blkio (v1) or io (v2) counters.
 */
struct berth_ctr_sample {
	bool running;
	uint64_t cpu_ns;    /* the cgroup's CPU time */
	uint64_t system_ns; /* the host's CPU time (/proc/stat) */
	unsigned online_cpus;
	uint64_t mem_usage, mem_limit;
	uint64_t net_rx, net_tx;
	uint64_t blk_read, blk_write;
	uint64_t pids;
};

/* Sample container @id now (a stopped one: running false, zeros). */
int berth_ctr_sample(struct berth_engine *e, const char *id, struct berth_ctr_sample *out,
		     struct berth_error **err);

/* Docker's CPU %: 0 when either sample is not running or no time passed. */
double berth_stats_cpu_percent(const struct berth_ctr_sample *prev,
			       const struct berth_ctr_sample *cur);
double berth_stats_mem_percent(const struct berth_ctr_sample *s);

/* Fill the memory, pids and block I/O fields from berth_cgroup_stats() data. */
void berth_stats_from_cgroup(json_object *data, uint64_t host_mem, struct berth_ctr_sample *s);

/* Sum the receive and transmit bytes of /proc/net/dev content, "lo" left out; -EINVAL. */
int berth_net_dev_parse(const char *buf, uint64_t *rx, uint64_t *tx);

/* The host's CPU time in ns from /proc/stat content ("cpu " line); 0 when unreadable. */
uint64_t berth_proc_stat_cpu_ns(const char *buf, long hz);

#endif
