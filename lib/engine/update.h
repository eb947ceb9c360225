/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_UPDATE_H
#define BERTH_ENGINE_UPDATE_H

#include <stdint.h>

#include "engine/engine.h"
#include "oci/spec-resources.h"
#include "util/error.h"

/*
 * `berth update`: change a container's resources (and restart policy).  A
 * running container's cgroup changes at once; the record's HostConfig and
 * the bundle's config.json change too, so the next start keeps them.
 */
struct berth_ctr_update_opts {
	struct berth_opt_i64 memory;		 /* bytes */
	struct berth_opt_i64 memory_swap;	 /* memory + swap, -1 unlimited */
	struct berth_opt_i64 memory_reservation; /* bytes */
	struct berth_opt_i64 nano_cpus;		 /* --cpus x 1e9 */
	struct berth_opt_i64 cpu_shares;
	struct berth_opt_i64 pids_limit; /* <= 0: unlimited */
	struct berth_opt_i64 blkio_weight;
	const char *cpuset_cpus, *cpuset_mems;
	const char *restart; /* no | always | unless-stopped | on-failure[:N] */
};

int berth_ctr_update(struct berth_engine *e, const char *ref, const struct berth_ctr_update_opts *o,
		     struct berth_error **err);

/* Docker's restart policy "name[:max]" → {"Name", "MaximumRetryCount"}; EINVAL otherwise. */
int berth_restart_policy_parse(const char *s, json_object **out, struct berth_error **err);

/* linux.resources for the fields @o sets (the caller puts it). */
json_object *berth_update_resources_json(const struct berth_ctr_update_opts *o);

#endif
