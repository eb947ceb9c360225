/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/spec-build.h"

#include <errno.h>

#include "oci/spec-default.h"

json_object *berth_spec_member(json_object *obj, const char *key, enum json_type type)
{
	json_object *c = NULL;

	if (json_object_object_get_ex(obj, key, &c) && json_object_is_type(c, type))
		return c;
	c = type == json_type_array ? json_object_new_array() : json_object_new_object();
	json_object_object_add(obj, key, c);
	return c;
}

json_object *berth_spec_child(json_object *obj, const char *key)
{
	return berth_spec_member(obj, key, json_type_object);
}

int berth_spec_build(struct berth_spec_ctx *ctx, json_object **spec, struct berth_error **err)
{
	static int (*const parts[])(struct berth_spec_ctx *, json_object *,
				    struct berth_error **) = {
		berth_spec_apply_process,
		berth_spec_apply_security,
		berth_spec_apply_resources,
		berth_spec_apply_mounts,
	};
	json_object *s = berth_spec_default(false, 0, 0);
	json_object *root = json_object_new_object();

	if (s == NULL || root == NULL) {
		json_object_put(s);
		json_object_put(root);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	json_object_object_add(root, "path", json_object_new_string(ctx->rootfs));
	json_object_object_add(root, "readonly", json_object_new_boolean(0));
	json_object_object_add(s, "root", root);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (parts[i](ctx, s, err) < 0) {
			json_object_put(s);
			return berth_error_ret(err);
		}
	}
	*spec = s;
	return 0;
}
