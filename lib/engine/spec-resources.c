/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "engine/spec-build.h"

/* Placeholder until the resources part lands: the cgroup path only. */
int berth_spec_apply_resources(struct berth_spec_ctx *ctx, json_object *spec,
			       struct berth_error **err)
{
	json_object *lnx;
	char *path = NULL;

	(void)err;
	if (!json_object_object_get_ex(spec, "linux", &lnx))
		return 0;
	if (asprintf(&path, "/%s/%s", ctx->engine->conf.cgroup_parent, ctx->id) < 0)
		return -1;
	json_object_object_add(lnx, "cgroupsPath", json_object_new_string(path));
	free(path);
	return 0;
}
