/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SPEC_LINUX_H
#define BERTH_OCI_SPEC_LINUX_H

#include "oci/spec.h"

/* Parse the "linux" object into @s (spec.c calls it). */
int berth_spec_parse_linux(json_object *lx, const char *path, struct berth_spec *s,
			   struct berth_error **err);

/* Parse uidMappings/gidMappings-shaped arrays (also used by mounts). 1 if present. */
int berth_spec_parse_id_maps(json_object *obj, const char *path, const char *key,
			     struct berth_id_map **out, size_t *n, struct berth_error **err);

#endif
