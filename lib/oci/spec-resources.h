/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SPEC_RESOURCES_H
#define BERTH_OCI_SPEC_RESOURCES_H

#include <json-c/json.h>

#include "util/error.h"

struct berth_resources;

/* Parse and validate linux.resources (@path: "linux.resources"), also used by `update -r`. */
int berth_resources_parse(json_object *obj, const char *path, struct berth_resources **out,
			  struct berth_error **err);
void berth_resources_free(struct berth_resources *r);

#endif
