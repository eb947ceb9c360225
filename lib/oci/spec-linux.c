/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "oci/spec-linux.h"
#include "oci/spec-resources.h"
#include "oci/spec-seccomp.h"
#include "util/cleanup.h"
#include "util/json.h"

/*
 * The "linux" object, except resources and seccomp which have files of
 * their own.
 */

static int parse_namespaces(json_object *lx, const char *path, struct berth_spec *s,
			    struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "namespaces");
	json_object *arr = NULL;
	int ret;

	ret = berth_json_array(lx, path, "namespaces", &arr, err);
	if (ret <= 0)
		return ret;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		cleanup_free char *ip = berth_json_index(p, i);
		json_object *ns = json_object_array_get_idx(arr, i);
		const char *type = NULL, *nspath = NULL;
		int t = -1;

		if ((ret = berth_json_as_object(ns, ip, err)) < 0 ||
		    (ret = berth_json_string(ns, ip, "type", &type, err)) < 0 ||
		    (ret = berth_json_string(ns, ip, "path", &nspath, err)) < 0)
			return ret;
		if (type == NULL)
			return berth_error_set(err, EINVAL, "%s.type: required", ip);
		for (int k = 0; k < BERTH_NS_COUNT; k++)
			if (strcmp(type, berth_ns_name((enum berth_ns_type)k)) == 0)
				t = k;
		if (t < 0)
			return berth_error_set(err, EINVAL, "%s.type: unknown namespace \"%s\"", ip,
					       type);
		if (s->ns[t].present)
			return berth_error_set(err, EINVAL, "%s.type: duplicate namespace \"%s\"",
					       ip, type);
		if (nspath != NULL && nspath[0] != '/')
			return berth_error_set(err, EINVAL, "%s.path: must be an absolute path",
					       ip);
		s->ns[t].present = true;
		s->ns[t].path = nspath && *nspath ? strdup(nspath) : NULL;
	}
	return 0;
}

/* One {containerID, hostID, size}: all three required by the spec; size 0 maps nothing. */
static int parse_id_map(json_object *m, const char *ip, struct berth_id_map *out,
			struct berth_error **err)
{
	static const char *const keys[] = { "containerID", "hostID", "size" };
	int64_t v[3] = { 0, 0, 0 };
	int ret;

	if ((ret = berth_json_as_object(m, ip, err)) < 0)
		return ret;
	for (size_t k = 0; k < BERTH_ARRAY_SIZE(keys); k++) {
		ret = berth_json_int(m, ip, keys[k], k == 2 ? 1 : 0, UINT32_MAX, &v[k], err);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return berth_error_set(err, EINVAL, "%s.%s: required", ip, keys[k]);
	}
	*out = (struct berth_id_map){ (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2] };
	return 0;
}

int berth_spec_parse_id_maps(json_object *obj, const char *path, const char *key,
			     struct berth_id_map **out, size_t *n, struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, key);
	json_object *arr = NULL;
	size_t len;
	int ret;

	ret = berth_json_array(obj, path, key, &arr, err);
	if (ret <= 0)
		return ret;
	len = json_object_array_length(arr);
	*out = calloc(len ? len : 1, sizeof(**out));
	if (*out == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		cleanup_free char *ip = berth_json_index(p, i);

		ret = parse_id_map(json_object_array_get_idx(arr, i), ip, &(*out)[i], err);
		if (ret < 0)
			return ret;
		*n = i + 1;
	}
	return 1;
}

static int parse_time_offset(json_object *offs, const char *p, const char *key,
			     struct berth_time_offset *t, struct berth_error **err)
{
	cleanup_free char *kp = berth_json_path(p, key);
	json_object *o = NULL;
	int64_t ns = 0;
	int ret;

	ret = berth_json_object(offs, p, key, &o, err);
	if (ret <= 0)
		return ret;
	if ((ret = berth_json_int(o, kp, "secs", INT64_MIN, INT64_MAX, &t->secs, err)) < 0 ||
	    (ret = berth_json_int(o, kp, "nanosecs", 0, 999999999, &ns, err)) < 0)
		return ret;
	t->nanosecs = (uint32_t)ns;
	t->present = true;
	return 0;
}

static int parse_time_offsets(json_object *lx, const char *path, struct berth_spec *s,
			      struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "timeOffsets");
	json_object *offs = NULL;
	int ret;

	ret = berth_json_object(lx, path, "timeOffsets", &offs, err);
	if (ret <= 0)
		return ret;
	if ((ret = parse_time_offset(offs, p, "monotonic", &s->time_monotonic, err)) < 0 ||
	    (ret = parse_time_offset(offs, p, "boottime", &s->time_boottime, err)) < 0)
		return ret;
	return 0;
}

static int parse_device(json_object *d, const char *ip, struct berth_device *dev,
			struct berth_error **err)
{
	const char *path = NULL, *type = NULL;
	int64_t v = 0;
	int ret;

	if ((ret = berth_json_as_object(d, ip, err)) < 0 ||
	    (ret = berth_json_string(d, ip, "path", &path, err)) < 0 ||
	    (ret = berth_json_string(d, ip, "type", &type, err)) < 0)
		return ret;
	if (path == NULL || path[0] != '/')
		return berth_error_set(err, EINVAL, "%s.path: an absolute path is required", ip);
	if (type == NULL || strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
		return berth_error_set(err, EINVAL, "%s.type: must be one of c, b, u, p", ip);
	dev->path = strdup(path);
	dev->type = type[0];
	if ((ret = berth_json_int(d, ip, "major", 0, UINT32_MAX, &dev->major, err)) < 0)
		return ret;
	if (ret == 0 && dev->type != 'p')
		return berth_error_set(err, EINVAL, "%s.major: required for type %c", ip,
				       dev->type);
	if ((ret = berth_json_int(d, ip, "minor", 0, UINT32_MAX, &dev->minor, err)) < 0)
		return ret;
	if (ret == 0 && dev->type != 'p')
		return berth_error_set(err, EINVAL, "%s.minor: required for type %c", ip,
				       dev->type);
	if ((ret = berth_json_int(d, ip, "fileMode", 0, 07777, &v, err)) < 0)
		return ret;
	dev->has_file_mode = ret == 1;
	dev->file_mode = ret ? (mode_t)v : 0666;
	if ((ret = berth_json_int(d, ip, "uid", 0, UINT32_MAX - 1, &v, err)) < 0)
		return ret;
	dev->uid = ret ? (uid_t)v : 0;
	if ((ret = berth_json_int(d, ip, "gid", 0, UINT32_MAX - 1, &v, err)) < 0)
		return ret;
	dev->gid = ret ? (gid_t)v : 0;
	return 0;
}

static int parse_devices(json_object *lx, const char *path, struct berth_spec *s,
			 struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "devices");
	json_object *arr = NULL;
	size_t n;
	int ret;

	ret = berth_json_array(lx, path, "devices", &arr, err);
	if (ret <= 0)
		return ret;
	n = json_object_array_length(arr);
	s->devices = calloc(n ? n : 1, sizeof(*s->devices));
	if (s->devices == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *ip = berth_json_index(p, i);

		s->n_devices = i + 1;
		ret = parse_device(json_object_array_get_idx(arr, i), ip, &s->devices[i], err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int parse_propagation(json_object *lx, const char *path, struct berth_spec *s,
			     struct berth_error **err)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} kinds[] = {
		{ "private", MS_PRIVATE },	 { "rprivate", MS_PRIVATE | MS_REC },
		{ "shared", MS_SHARED },	 { "rshared", MS_SHARED | MS_REC },
		{ "slave", MS_SLAVE },		 { "rslave", MS_SLAVE | MS_REC },
		{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
	};
	const char *v = NULL;
	int ret;

	ret = berth_json_string(lx, path, "rootfsPropagation", &v, err);
	if (ret <= 0 || *v == '\0')
		return ret;
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(kinds); i++) {
		if (strcmp(v, kinds[i].name) == 0) {
			s->rootfs_propagation = kinds[i].flags;
			return 0;
		}
	}
	return berth_error_set(err, EINVAL, "%s.rootfsPropagation: unknown propagation \"%s\"",
			       path, v);
}

static int parse_sysctl(json_object *lx, const char *path, struct berth_spec *s,
			struct berth_error **err)
{
	json_object *map = NULL;
	size_t i = 0;
	int ret;

	ret = berth_json_string_map(lx, path, "sysctl", &map, err);
	if (ret <= 0)
		return ret;
	s->sysctl = calloc((size_t)json_object_object_length(map) + 1, sizeof(*s->sysctl));
	if (s->sysctl == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_object_object_foreach (map, k, val) {
		s->sysctl[i].key = strdup(k);
		s->sysctl[i].value = strdup(json_object_get_string(val));
		s->n_sysctl = ++i;
	}
	return 0;
}

static int parse_strings(json_object *lx, const char *path, struct berth_spec *s,
			 struct berth_error **err)
{
	const char *v = NULL;
	int ret;

	if ((ret = berth_json_strv(lx, path, "maskedPaths", &s->masked_paths, err)) < 0 ||
	    (ret = berth_json_strv(lx, path, "readonlyPaths", &s->readonly_paths, err)) < 0)
		return ret;
	if ((ret = berth_json_string(lx, path, "cgroupsPath", &v, err)) < 0)
		return ret;
	if (ret && *v)
		s->cgroups_path = strdup(v);
	v = NULL;
	if ((ret = berth_json_string(lx, path, "mountLabel", &v, err)) < 0)
		return ret;
	if (ret && *v)
		s->mount_label = strdup(v);
	return 0;
}

static int parse_personality(json_object *lx, const char *path, struct berth_spec *s,
			     struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "personality");
	json_object *o = NULL;
	const char *dom = NULL;
	int ret;

	ret = berth_json_object(lx, path, "personality", &o, err);
	if (ret <= 0)
		return ret;
	if ((ret = berth_json_string(o, p, "domain", &dom, err)) < 0)
		return ret;
	if (dom == NULL || (strcmp(dom, "LINUX") != 0 && strcmp(dom, "LINUX32") != 0))
		return berth_error_set(err, EINVAL, "%s.domain: must be LINUX or LINUX32", p);
	{
		json_object *flags = NULL;

		if ((ret = berth_json_array(o, p, "flags", &flags, err)) < 0)
			return ret;
		if (ret == 1 && json_object_array_length(flags) > 0)
			return berth_error_set(err, ENOTSUP,
					       "%s.flags: personality flags are not "
					       "supported",
					       p);
	}
	s->personality_domain = strdup(dom);
	return 0;
}

static int parse_delegated(json_object *lx, const char *path, struct berth_spec *s,
			   struct berth_error **err)
{
	json_object *o = NULL;
	int ret;

	ret = berth_json_object(lx, path, "resources", &o, err);
	if (ret < 0)
		return ret;
	if (ret == 1) {
		cleanup_free char *p = berth_json_path(path, "resources");

		if ((ret = berth_resources_parse(o, p, &s->resources, err)) < 0)
			return ret;
	}
	o = NULL;
	ret = berth_json_object(lx, path, "seccomp", &o, err);
	if (ret < 0)
		return ret;
	if (ret == 1) {
		cleanup_free char *p = berth_json_path(path, "seccomp");

		if ((ret = berth_seccomp_parse(o, p, &s->seccomp, err)) < 0)
			return ret;
	}
	if (json_object_object_get_ex(lx, "intelRdt", &o) && o != NULL)
		return berth_error_set(err, ENOTSUP,
				       "%s.intelRdt: Intel RDT is not supported by berth", path);
	return 0;
}

int berth_spec_parse_linux(json_object *lx, const char *path, struct berth_spec *s,
			   struct berth_error **err)
{
	int ret;

	if ((ret = berth_json_as_object(lx, path, err)) < 0 ||
	    (ret = parse_namespaces(lx, path, s, err)) < 0 ||
	    (ret = berth_spec_parse_id_maps(lx, path, "uidMappings", &s->uid_maps, &s->n_uid_maps,
					    err)) < 0 ||
	    (ret = berth_spec_parse_id_maps(lx, path, "gidMappings", &s->gid_maps, &s->n_gid_maps,
					    err)) < 0 ||
	    (ret = parse_time_offsets(lx, path, s, err)) < 0 ||
	    (ret = parse_devices(lx, path, s, err)) < 0 ||
	    (ret = parse_propagation(lx, path, s, err)) < 0 ||
	    (ret = parse_sysctl(lx, path, s, err)) < 0 ||
	    (ret = parse_strings(lx, path, s, err)) < 0 ||
	    (ret = parse_personality(lx, path, s, err)) < 0 ||
	    (ret = parse_delegated(lx, path, s, err)) < 0)
		return ret;
	return 0;
}
