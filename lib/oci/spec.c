/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "oci/spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec-linux.h"
#include "oci/spec-mounts.h"
#include "oci/spec-resources.h"
#include "oci/spec-seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define SPEC_MAX_BYTES (4u << 20)

static int parse_hook(json_object *h, const char *ip, struct berth_hook *hook,
		      struct berth_error **err)
{
	const char *path = NULL;
	int64_t t = 0;
	int ret;

	if ((ret = berth_json_as_object(h, ip, err)) < 0 ||
	    (ret = berth_json_string(h, ip, "path", &path, err)) < 0)
		return ret;
	if (path == NULL || path[0] != '/')
		return berth_error_set(err, EINVAL, "%s.path: an absolute path is required", ip);
	hook->path = strdup(path);
	if ((ret = berth_json_strv(h, ip, "args", &hook->args, err)) < 0 ||
	    (ret = berth_json_strv(h, ip, "env", &hook->env, err)) < 0 ||
	    (ret = berth_json_int(h, ip, "timeout", 1, INT32_MAX, &t, err)) < 0)
		return ret;
	hook->timeout = (int)t;
	return 0;
}

static int parse_hooks(json_object *root, struct berth_spec *s, struct berth_error **err)
{
	json_object *hooks = NULL;
	int ret;

	ret = berth_json_object(root, "", "hooks", &hooks, err);
	if (ret <= 0)
		return ret;
	for (int k = 0; k < BERTH_HOOK_COUNT; k++) {
		const char *name = berth_hook_name((enum berth_hook_kind)k);
		cleanup_free char *p = berth_json_path("hooks", name);
		json_object *arr = NULL;
		size_t n;

		ret = berth_json_array(hooks, "hooks", name, &arr, err);
		if (ret < 0)
			return ret;
		if (ret == 0)
			continue;
		n = json_object_array_length(arr);
		s->hooks.list[k] = calloc(n ? n : 1, sizeof(struct berth_hook));
		if (s->hooks.list[k] == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++) {
			cleanup_free char *ip = berth_json_index(p, i);

			s->hooks.n[k] = i + 1;
			ret = parse_hook(json_object_array_get_idx(arr, i), ip,
					 &s->hooks.list[k][i], err);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int parse_root(json_object *root, struct berth_spec *s, struct berth_error **err)
{
	json_object *r = NULL;
	const char *path = NULL;
	int ret;

	ret = berth_json_object(root, "", "root", &r, err);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return berth_error_set(err, EINVAL, "root: required");
	if ((ret = berth_json_string(r, "root", "path", &path, err)) < 0 ||
	    (ret = berth_json_bool(r, "root", "readonly", &s->root_readonly, err)) < 0)
		return ret;
	if (path == NULL || *path == '\0')
		return berth_error_set(err, EINVAL, "root.path: required");
	s->root_path = strdup(path);
	return 0;
}

static int parse_version(json_object *root, struct berth_spec *s, struct berth_error **err)
{
	const char *v = NULL;
	int ret;

	ret = berth_json_string(root, "", "ociVersion", &v, err);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return berth_error_set(err, EINVAL, "ociVersion: required");
	/* Every 1.x release is compatible with what berth implements (1.1). */
	if (strncmp(v, "1.", 2) != 0)
		return berth_error_set(err, EINVAL, "ociVersion: unsupported version \"%s\"", v);
	s->oci_version = strdup(v);
	return 0;
}

static int parse_top_strings(json_object *root, struct berth_spec *s, struct berth_error **err)
{
	const char *v = NULL;
	int ret;

	if ((ret = berth_json_string(root, "", "hostname", &v, err)) < 0)
		return ret;
	if (ret && *v)
		s->hostname = strdup(v);
	v = NULL;
	if ((ret = berth_json_string(root, "", "domainname", &v, err)) < 0)
		return ret;
	if (ret && *v)
		s->domainname = strdup(v);
	return berth_json_string_map(root, "", "annotations", &s->annotations, err);
}

static int parse_sections(json_object *root, struct berth_spec *s, struct berth_error **err)
{
	json_object *o = NULL;
	int ret;

	if ((ret = parse_version(root, s, err)) < 0 || (ret = parse_root(root, s, err)) < 0 ||
	    (ret = parse_top_strings(root, s, err)) < 0 || (ret = parse_hooks(root, s, err)) < 0)
		return ret;
	if ((ret = berth_json_object(root, "", "process", &o, err)) < 0)
		return ret;
	if (ret == 1) {
		s->has_process = true;
		if ((ret = berth_process_parse(o, "process", &s->process, err)) < 0)
			return ret;
	}
	o = NULL;
	if ((ret = berth_json_array(root, "", "mounts", &o, err)) < 0)
		return ret;
	if (ret == 1 &&
	    (ret = berth_spec_parse_mounts(o, "mounts", &s->mounts, &s->n_mounts, err)) < 0)
		return ret;
	o = NULL;
	if ((ret = berth_json_object(root, "", "linux", &o, err)) < 0)
		return ret;
	if (ret == 1 && (ret = berth_spec_parse_linux(o, "linux", s, err)) < 0)
		return ret;
	return 0;
}

/* Rules that span several fields. */
static int validate(struct berth_spec *s, struct berth_error **err)
{
	bool userns = s->ns[BERTH_NS_USER].present;

	if ((s->n_uid_maps || s->n_gid_maps) && !userns)
		return berth_error_set(err, EINVAL,
				       "linux.uidMappings: given without a user namespace");
	if (userns && s->ns[BERTH_NS_USER].path == NULL && (!s->n_uid_maps || !s->n_gid_maps))
		return berth_error_set(err, EINVAL,
				       "linux.uidMappings: a new user namespace needs uidMappings "
				       "and gidMappings");
	if ((s->time_monotonic.present || s->time_boottime.present) &&
	    (!s->ns[BERTH_NS_TIME].present || s->ns[BERTH_NS_TIME].path != NULL))
		return berth_error_set(err, EINVAL,
				       "linux.timeOffsets: needs a new time namespace");
	if (s->hostname && !s->ns[BERTH_NS_UTS].present)
		return berth_error_set(err, EINVAL, "hostname: needs a uts namespace");
	if (s->domainname && !s->ns[BERTH_NS_UTS].present)
		return berth_error_set(err, EINVAL, "domainname: needs a uts namespace");
	return 0;
}

int berth_spec_parse(const char *buf, size_t len, struct berth_spec **out, struct berth_error **err)
{
	json_object *root = NULL;
	int ret;

	if (len > SPEC_MAX_BYTES)
		return berth_error_set(err, EFBIG, "config larger than %u bytes", SPEC_MAX_BYTES);
	ret = berth_json_parse(buf, len, &root, err);
	if (ret < 0)
		return ret;
	ret = berth_spec_parse_doc(root, out, err);
	json_object_put(root);
	return ret;
}

int berth_spec_parse_doc(json_object *root, struct berth_spec **out, struct berth_error **err)
{
	struct berth_spec *s;
	int ret;

	if (!json_object_is_type(root, json_type_object)) {
		return berth_error_set(err, EINVAL, "config: expected a JSON object");
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	s->doc = json_object_get(root);
	ret = parse_sections(root, s, err);
	if (ret == 0)
		ret = validate(s, err);
	if (ret < 0) {
		berth_spec_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

int berth_spec_load(int dirfd, const char *path, struct berth_spec **out, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = berth_read_file_at(dirfd, path, SPEC_MAX_BYTES, &buf, &len, err);
	if (ret < 0)
		return ret;
	ret = berth_spec_parse(buf, len, out, err);
	if (ret < 0)
		return berth_error_prefix(err, "%s", path);
	return 0;
}

static void free_hooks(struct berth_hooks *h)
{
	for (int k = 0; k < BERTH_HOOK_COUNT; k++) {
		for (size_t i = 0; i < h->n[k]; i++) {
			free(h->list[k][i].path);
			berth_strv_free(h->list[k][i].args);
			berth_strv_free(h->list[k][i].env);
		}
		free(h->list[k]);
	}
}

void berth_spec_free(struct berth_spec *s)
{
	if (s == NULL)
		return;
	free(s->oci_version);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	berth_process_release(&s->process);
	for (size_t i = 0; i < s->n_mounts; i++)
		berth_mount_release(&s->mounts[i]);
	free(s->mounts);
	free_hooks(&s->hooks);
	for (int i = 0; i < BERTH_NS_COUNT; i++)
		free(s->ns[i].path);
	free(s->uid_maps);
	free(s->gid_maps);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->cgroups_path);
	berth_resources_free(s->resources);
	berth_strv_free(s->masked_paths);
	berth_strv_free(s->readonly_paths);
	free(s->mount_label);
	for (size_t i = 0; i < s->n_sysctl; i++) {
		free(s->sysctl[i].key);
		free(s->sysctl[i].value);
	}
	free(s->sysctl);
	berth_seccomp_free(s->seccomp);
	free(s->personality_domain);
	json_object_put(s->doc);
	free(s);
}
