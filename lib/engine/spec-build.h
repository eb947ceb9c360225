/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_SPEC_BUILD_H
#define BERTH_ENGINE_SPEC_BUILD_H

#include <json-c/json.h>

#include "engine/engine.h"
#include "engine/userns.h"
#include "util/error.h"

/*
 * Docker's container-create body + the image config + berth.conf → the OCI
 * runtime spec (config.json) the runtime runs.  The body has Docker Engine
 * API's shape: Config fields at the top level (Image, Cmd, Entrypoint, Env,
 * User, WorkingDir, Hostname, Labels, Tty, OpenStdin, StopSignal...) and a
 * "HostConfig" object (Binds, Mounts, Memory, CapAdd, SecurityOpt...).
 * The builder starts from berth's secure default spec (oci/spec-default.h)
 * and each part applies its share of the body.
 */

struct berth_spec_ctx {
	struct berth_engine *engine;
	const char *id;
	const char *name;
	json_object *create;	   /* the create body (borrowed) */
	json_object *image_config; /* the image config's "config" object, or NULL */
	const char *rootfs;	   /* the mounted root, absolute */
	int rootfs_fd;
	const struct berth_userns *userns; /* the container's id mapping (enabled or not) */
	json_object *mounts_out;	   /* Docker's "Mounts" array for inspect, appended to */
	json_object
	    *warnings_out; /* strings for the user ("--volume: :z ignored..."), appended to */
};

/* Build the spec; the caller puts *spec. */
int berth_spec_build(struct berth_spec_ctx *ctx, json_object **spec, struct berth_error **err);

/* @obj's member @key of @type (an object or an array), created empty if absent or of another type.
 */
json_object *berth_spec_member(json_object *obj, const char *key, enum json_type type);

/* @obj's object @key, created empty if absent (shared by the parts). */
json_object *berth_spec_child(json_object *obj, const char *key);

/* The parts, applied in this order (spec-build.c); each file owns its HostConfig fields. */
int berth_spec_apply_process(struct berth_spec_ctx *ctx, json_object *spec,
			     struct berth_error **err);
int berth_spec_apply_security(struct berth_spec_ctx *ctx, json_object *spec,
			      struct berth_error **err);
int berth_spec_apply_resources(struct berth_spec_ctx *ctx, json_object *spec,
			       struct berth_error **err);
int berth_spec_apply_mounts(struct berth_spec_ctx *ctx, json_object *spec,
			    struct berth_error **err);

#endif
