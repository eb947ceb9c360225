/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_TESTS_ENGINE_HELPERS_H
#define BERTH_TESTS_ENGINE_HELPERS_H

#include <json-c/json.h>

#include "engine/engine.h"
#include "engine/spec-build.h"

/*
 * A data root in /tmp (removed at exit, even when a check fails), an engine
 * over it with zeroed defaults, an image root (rootfs/) and a spec context
 * for a create body.
 */
struct eng_fixture {
	char dir[64]; /* /tmp/berth-eng-XXXXXX: the data root */
	char rootfs[96];
	struct berth_engine e;
	struct berth_spec_ctx ctx;
	json_object *body, *spec, *mounts, *warnings, *image_config;
};

/* @body_json: the create body; @image_json: the image config (or NULL). */
void eng_init(struct eng_fixture *f, const char *body_json, const char *image_json);
void eng_fini(struct eng_fixture *f);

/* A member by path, "linux.resources.cpu.quota" or "mounts[3].options[0]"; NULL if absent. */
json_object *jget(json_object *o, const char *path);
const char *jstr(json_object *o, const char *path);
long long jint(json_object *o, const char *path);

/* The spec's mount whose destination is @dst, or NULL. */
json_object *spec_mount_at(json_object *spec, const char *dst);

/* Whether the string array at @path of @o holds @s. */
int jarr_has(json_object *o, const char *path, const char *s);

#endif
