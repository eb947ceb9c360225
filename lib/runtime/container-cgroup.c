/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/container-cgroup.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "oci/spec.h"
#include "runtime/default-devices.h"

/*
 * The container's cgroup, as create makes it (place_in_cgroup in container.c)
 * or ahead of it from the same config (berth_container_make_cgroup), so that a
 * caller can make it in another process while the create prepares the rest.
 */

void berth_container_cgroup_opts(const struct berth_spec *spec, const char *id, bool systemd,
				 struct berth_cgroup_opts *co)
{
	*co = (struct berth_cgroup_opts){
		.cgroups_path = spec->cgroups_path,
		.id = id,
		.systemd = systemd,
	};
}

int berth_container_spec(json_object *doc, struct berth_spec **out, struct berth_error **err)
{
	int ret = berth_spec_parse_doc(doc, out, err);

	if (ret < 0)
		return berth_error_prefix(err, "config.json");
	ret = berth_resources_allow_default_devices(*out, err);
	if (ret < 0) {
		berth_spec_free(*out);
		*out = NULL;
	}
	return ret;
}

int berth_container_make_cgroup(const struct berth_spec *spec, const char *id, char **saved,
				struct berth_error **err)
{
	struct berth_cgroup *cg = NULL;
	struct berth_cgroup_opts co;
	int ret;

	*saved = NULL;
	berth_container_cgroup_opts(spec, id, false, &co);
	ret = berth_cgroup_create(&co, spec->resources, 0, &cg, err);
	if (ret == 0 && (*saved = berth_cgroup_save(cg)) == NULL) {
		struct berth_error *e = NULL;

		berth_cgroup_destroy(cg, &e);
		berth_error_free(e);
		ret = berth_error_set(err, ENOMEM, "out of memory");
	}
	berth_cgroup_free(cg);
	return ret;
}

void berth_container_drop_cgroup(const char *saved)
{
	struct berth_cgroup *cg = NULL;
	struct berth_error *e = NULL;

	if (saved == NULL || berth_cgroup_open(saved, &cg, &e) < 0) {
		berth_error_free(e);
		return;
	}
	berth_cgroup_kill(cg, SIGKILL, &e);
	berth_error_clear(&e);
	berth_cgroup_destroy(cg, &e);
	berth_error_free(e);
	berth_cgroup_free(cg);
}
