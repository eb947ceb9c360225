/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_CREATE_H
#define BERTH_ENGINE_CREATE_H

#include <json-c/json.h>
#include <stddef.h>

#include "engine/ctr.h"
#include "engine/engine.h"
#include "image/images.h"
#include "oci/spec.h"
#include "util/error.h"

/*
 * Create a container from Docker's create body (@body: Image, Cmd, ...,
 * HostConfig) and the resolved image @img of @store: reserve the name,
 * mount the rootfs, build the OCI spec into config.json (the container's
 * directory is its bundle), write the record (no State file: "created").  On failure nothing is
 * left.  Warnings for the user are appended to @warnings (a json array of strings).
 */
int berth_ctr_create(struct berth_engine *e, struct berth_store *store,
		     const struct berth_image *img, json_object *body, const char *name,
		     json_object *warnings, char *id, struct berth_error **err);

/*
 * Mount the container's root as its record says (GraphDriver, the image's
 * top chain id, the user namespace) unless mounted.  Used by create and by
 * the monitor before each (re)start.
 */
int berth_ctr_mount(struct berth_engine *e, const struct berth_ctr *c, struct berth_error **err);

/*
 * The config.json this process last wrote for container @id (its text, its
 * document and, if berth_ctr_bundle_spec made it, its spec; handed to the
 * caller, who frees them), or NULLs.  `berth run` creates, then forks the
 * monitor: the monitor's first create takes it (monitor-run.c) instead of
 * reading and parsing the file again.
 */
void berth_ctr_bundle_take(const char *id, json_object **doc, char **text, size_t *len,
			   struct berth_spec **spec);

/*
 * The spec of the config.json this process last wrote for @id, parsed now
 * (berth_container_spec) and kept for berth_ctr_bundle_take; NULL if there
 * is none or it does not parse (borrowed).
 */
const struct berth_spec *berth_ctr_bundle_spec(const char *id);

#endif
