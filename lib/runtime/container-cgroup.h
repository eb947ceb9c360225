/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_CONTAINER_CGROUP_H
#define BERTH_RUNTIME_CONTAINER_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "util/error.h"

/* The cgroup options create uses for @spec and container @id. */
void berth_container_cgroup_opts(const struct berth_spec *spec, const char *id, bool systemd,
				 struct berth_cgroup_opts *co);

/*
 * The spec create works from, for the config document @doc: parsed, and the
 * default devices allowed in linux.resources (the runtime's own additions).
 * What berth_create_opts.config_spec hands over; the caller frees it.
 */
int berth_container_spec(json_object *doc, struct berth_spec **out, struct berth_error **err);

/*
 * Make now the cgroup berth_container_create() would make for container @id
 * from @spec (berth_container_spec): linux.cgroupsPath and linux.resources.
 * *saved gets its berth_cgroup_save() text, for a create's take_cgroup
 * (container.h).  @spec is only read.  The caller removes the cgroup with
 * berth_container_drop_cgroup() when no create took it.
 */
int berth_container_make_cgroup(const struct berth_spec *spec, const char *id, char **saved,
				struct berth_error **err);

/* Kill what is in the cgroup @saved names and remove it; NULL-safe, errors ignored. */
void berth_container_drop_cgroup(const char *saved);

#endif
