/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_SPEC_RES_INTERNAL_H
#define BERTH_ENGINE_SPEC_RES_INTERNAL_H

#include <json-c/json.h>
#include <stdint.h>

#include "engine/spec-build.h"
#include "util/error.h"

/*
 * Shared by the resource and mount parts of the spec builder
 * (spec-resources.c, spec-ulimits.c, spec-cpuset.c, spec-mounts*.c).
 */

/* The body's HostConfig, created empty when absent (effective values are recorded there). */
json_object *berth_spec_hostconfig(struct berth_spec_ctx *ctx);

/* @obj's member @key as an object, created when absent. */

/* Append a warning for the user (ctx->warnings_out may be NULL). */
void berth_spec_warn(struct berth_spec_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * A cpuset list ("0-3,5"): syntax checked, and every member must be in
 * @available (the same syntax, e.g. /sys/devices/system/cpu/online).  @what
 * is "CPUs" or "memory nodes" for Docker's "Requested CPUs are not
 * available - requested 8, available: 0-1"; @field names the body field.
 */
int berth_cpuset_check(const char *list, const char *available, const char *field, const char *what,
		       struct berth_error **err);

/* Ulimits (HostConfig.Ulimits merged with the config's defaults) into process.rlimits. */
int berth_spec_apply_ulimits(struct berth_spec_ctx *ctx, json_object *spec, json_object *hc,
			     struct berth_error **err);

#endif
