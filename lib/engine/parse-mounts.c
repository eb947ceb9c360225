/* SPDX-License-Identifier: Apache-2.0 */
/* Mount flags of run/create: --mount's CSV, -v's "src:dst:opts" and --tmpfs. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/parse-flags.h"
#include "util/cleanup.h"
#include "util/json.h"

static const char *const propagations[] = { "private", "rprivate", "shared",
					    "rshared", "slave",	   "rslave" };

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* Docker's local volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
static int volume_name_ok(const char *s)
{
	if (!isalnum((unsigned char)s[0]) || s[1] == '\0')
		return 0;
	for (const char *p = s + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.-", *p) == NULL)
			return 0;
	return 1;
}

/* "./x" or "." made absolute against the working directory (Docker's client does it). */
static char *abs_dot(const char *src)
{
	char cwd[4096];
	char *out = NULL;

	if (strcmp(src, ".") != 0 && strncmp(src, "./", 2) != 0)
		return strdup(src);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return strdup(src);
	while (src[0] == '.' && (src[1] == '/' || src[1] == '\0'))
		src += src[1] ? 2 : 1;
	while (*src == '/')
		src++;
	if (asprintf(&out, "%s%s%s", cwd, *src && strcmp(cwd, "/") ? "/" : "", src) < 0)
		return NULL;
	return out;
}

/* Split one CSV record (Go's encoding/csv: "" quotes, "" inside quotes is a quote). */
static int csv_split(const char *s, char ***out, struct berth_error **err)
{
	cleanup_strv char **v = NULL;
	size_t n = 0;

	for (const char *p = s;;) {
		char *f = calloc(strlen(p) + 1, 1), **nv;
		size_t k = 0;

		if (f == NULL || (nv = realloc(v, (n + 2) * sizeof(char *))) == NULL) {
			free(f);
			return berth_error_set(err, ENOMEM, "out of memory");
		}
		v = nv;
		v[n++] = f;
		v[n] = NULL;
		if (*p == '"') {
			for (p++; *p && !(*p == '"' && p[1] != '"'); p++)
				f[k++] = *p == '"' ? *++p : *p;
			if (*p != '"' || (p[1] != ',' && p[1] != '\0'))
				return berth_error_set(err, EINVAL,
						       "parse error: extraneous or "
						       "missing \" in quoted-field");
			p++;
		} else {
			for (; *p && *p != ','; p++)
				if (*p == '"')
					return berth_error_set(
					    err, EINVAL,
					    "parse error: bare \" in non-quoted-field");
				else
					f[k++] = *p;
		}
		if (*p == '\0')
			break;
		p++;
	}
	*out = steal_ptr(&v);
	return 0;
}

/* The sub-object @key of @m, created on first use. */
static json_object *sub(json_object *m, const char *key)
{
	json_object *o;

	if (json_object_object_get_ex(m, key, &o))
		return o;
	o = json_object_new_object();
	json_object_object_add(m, key, o);
	return o;
}

static int mount_bool(json_object *obj, const char *json_key, const char *key, const char *val,
		      struct berth_error **err)
{
	int b = 1;

	if (val != NULL && berth_flag_bool(val, &b, NULL) < 0)
		return berth_error_set(err, EINVAL, "invalid value for %s: %s", key, val);
	json_object_object_add(obj, json_key, json_object_new_boolean(b));
	return 0;
}

/* Only a few keys stand alone: they mean "=true". */
static int mount_flag(json_object *m, const char *key, const char *field, struct berth_error **err)
{
	if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0)
		return mount_bool(m, "ReadOnly", key, NULL, err);
	if (strcmp(key, "volume-nocopy") == 0)
		return mount_bool(sub(m, "VolumeOptions"), "NoCopy", key, NULL, err);
	if (strcmp(key, "bind-nonrecursive") == 0)
		return mount_bool(sub(m, "BindOptions"), "NonRecursive", key, NULL, err);
	return berth_error_set(err, EINVAL, "invalid field '%s' must be a key=value pair", field);
}

static int mount_kv_map(json_object *m, const char *key, const char *val)
{
	json_object *vo = sub(m, "VolumeOptions");
	json_object *map = strcmp(key, "volume-label") == 0
			       ? sub(vo, "Labels")
			       : sub(sub(vo, "DriverConfig"), "Options");
	const char *eq = strchr(val, '=');
	cleanup_free char *k = strndup(val, eq ? (size_t)(eq - val) : strlen(val));

	if (k != NULL)
		json_object_object_add(map, k, json_object_new_string(eq ? eq + 1 : ""));
	return 0;
}

static int mount_size_mode(json_object *m, const char *key, const char *val,
			   struct berth_error **err)
{
	json_object *t = sub(m, "TmpfsOptions");
	char *end = NULL;
	int64_t size;
	unsigned long mode;

	if (strcmp(key, "tmpfs-size") == 0) {
		if (berth_flag_ram_bytes(val, &size, NULL) < 0)
			return berth_error_set(err, EINVAL, "invalid value for %s: %s", key, val);
		json_object_object_add(t, "SizeBytes", json_object_new_int64(size));
		return 0;
	}
	errno = 0;
	mode = strtoul(val, &end, 8);
	if (!isdigit((unsigned char)*val) || *end != '\0' || errno != 0 || mode > 0xffffffffUL)
		return berth_error_set(err, EINVAL, "invalid value for %s: %s", key, val);
	json_object_object_add(t, "Mode", json_object_new_int64((int64_t)mode));
	return 0;
}

static int mount_field(json_object *m, const char *key, const char *val, const char *field,
		       struct berth_error **err)
{
	if (strcmp(key, "type") == 0) {
		json_object_object_add(m, "Type", json_object_new_string(val));
	} else if (strcmp(key, "source") == 0 || strcmp(key, "src") == 0) {
		cleanup_free char *abs = abs_dot(val);

		json_object_object_add(m, "Source", json_object_new_string(abs ? abs : val));
	} else if (strcmp(key, "target") == 0 || strcmp(key, "dst") == 0 ||
		   strcmp(key, "destination") == 0) {
		json_object_object_add(m, "Target", json_object_new_string(val));
	} else if (strcmp(key, "readonly") == 0 || strcmp(key, "ro") == 0) {
		return mount_bool(m, "ReadOnly", key, val, err);
	} else if (strcmp(key, "bind-propagation") == 0) {
		if (!in_list(val, propagations, BERTH_ARRAY_SIZE(propagations)))
			return berth_error_set(err, EINVAL, "invalid value for %s: %s", key, val);
		json_object_object_add(sub(m, "BindOptions"), "Propagation",
				       json_object_new_string(val));
	} else if (strcmp(key, "bind-nonrecursive") == 0) {
		return mount_bool(sub(m, "BindOptions"), "NonRecursive", key, val, err);
	} else if (strcmp(key, "volume-nocopy") == 0) {
		return mount_bool(sub(m, "VolumeOptions"), "NoCopy", key, val, err);
	} else if (strcmp(key, "volume-label") == 0 || strcmp(key, "volume-opt") == 0) {
		return mount_kv_map(m, key, val);
	} else if (strcmp(key, "volume-driver") == 0) {
		json_object_object_add(sub(sub(m, "VolumeOptions"), "DriverConfig"), "Name",
				       json_object_new_string(val));
	} else if (strcmp(key, "tmpfs-size") == 0 || strcmp(key, "tmpfs-mode") == 0) {
		return mount_size_mode(m, key, val, err);
	} else if (strcmp(key, "consistency") != 0) {
		return berth_error_set(err, EINVAL, "unexpected key '%s' in '%s'", key, field);
	}
	return 0;
}

static const char *str_of(json_object *m, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(m, key, &v) ? json_object_get_string(v) : NULL;
}

/* The checks Docker makes once all fields are read. */
static int mount_check(json_object *m, struct berth_error **err)
{
	static const char *const types[] = { "bind", "volume", "tmpfs" };
	static const char *const opts[][2] = { { "bind", "BindOptions" },
					       { "volume", "VolumeOptions" },
					       { "tmpfs", "TmpfsOptions" } };
	const char *type = str_of(m, "Type"), *src = str_of(m, "Source");
	const char *dst = str_of(m, "Target");

	if (type == NULL)
		return berth_error_set(err, EINVAL, "type is required");
	if (!in_list(type, types, BERTH_ARRAY_SIZE(types)))
		return berth_error_set(err, EINVAL,
				       "invalid mount type '%s': use bind, volume or "
				       "tmpfs",
				       type);
	if (dst == NULL)
		return berth_error_set(err, EINVAL, "target is required");
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(opts); i++)
		if (strcmp(type, opts[i][0]) != 0 && json_object_object_get_ex(m, opts[i][1], NULL))
			return berth_error_set(err, EINVAL,
					       "cannot mix '%s-*' options with mount type '%s'",
					       opts[i][0], type);
	if (dst[0] != '/')
		return berth_error_set(err, EINVAL,
				       "invalid mount config for type \"%s\": invalid mount path: "
				       "'%s' mount path must be absolute",
				       type, dst);
	if (strcmp(type, "bind") == 0 && (src == NULL || src[0] != '/'))
		return berth_error_set(err, EINVAL, "invalid mount config for type \"bind\": %s",
				       src ? "bind source path must be absolute"
					   : "field Source must not be empty");
	if (strcmp(type, "tmpfs") == 0 && src != NULL && *src)
		return berth_error_set(err, EINVAL,
				       "invalid mount config for type \"tmpfs\": "
				       "field Source must not be specified");
	if (strcmp(type, "volume") == 0 && src != NULL && *src && !volume_name_ok(src))
		return berth_error_set(err, EINVAL, "invalid volume name \"%s\"", src);
	return 0;
}

int berth_flag_mount(const char *csv, json_object **out, struct berth_error **err)
{
	cleanup_strv char **fields = NULL;
	json_object *m;

	if (csv_split(csv, &fields, err) < 0)
		return berth_error_ret(err);
	m = json_object_new_object();
	for (size_t i = 0; fields[i] != NULL; i++) {
		cleanup_free char *key = strdup(fields[i]);
		char *eq = key ? strchr(key, '=') : NULL;
		int ret;

		if (key == NULL) {
			json_object_put(m);
			return berth_error_set(err, ENOMEM, "out of memory");
		}
		if (eq != NULL)
			*eq = '\0';
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		ret = eq ? mount_field(m, key, eq + 1, fields[i], err)
			 : mount_flag(m, key, fields[i], err);
		if (ret < 0) {
			json_object_put(m);
			return ret;
		}
	}
	if (mount_check(m, err) < 0) {
		json_object_put(m);
		return berth_error_ret(err);
	}
	*out = m;
	return 0;
}

/* -v's options: at most one of each kind (rw/ro, z/Z, propagation, nocopy, consistency). */
static int volume_mode_ok(const char *mode)
{
	static const char *const kinds[][7] = {
		{ "rw", "ro" },
		{ "z", "Z" },
		{ "private", "rprivate", "shared", "rshared", "slave", "rslave" },
		{ "nocopy" },
		{ "consistent", "cached", "delegated" },
	};
	cleanup_free char *copy = strdup(mode);
	int count[5] = { 0 };
	char *save = NULL;

	if (copy == NULL)
		return 0;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		size_t k;

		for (k = 0; k < 5; k++)
			if (in_list(o, kinds[k], berth_strv_len((char **)kinds[k])))
				break;
		if (k == 5 || ++count[k] > 1)
			return 0;
	}
	return 1;
}

static int volume_parts(const char *spec, char **part, size_t *n, struct berth_error **err)
{
	char *copy = strdup(spec);

	if (copy == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	*n = 0;
	for (char *p = copy, *c;; p = c + 1) {
		if (*n == 4) {
			free(part[0]);
			return berth_error_set(err, EINVAL, "invalid volume specification: '%s'",
					       spec);
		}
		part[(*n)++] = p;
		c = strchr(p, ':');
		if (c == NULL)
			break;
		*c = '\0';
	}
	for (size_t i = 0; i < *n; i++)
		if (*part[i] == '\0') {
			free(part[0]);
			return berth_error_set(
			    err, EINVAL, "invalid spec: %s: empty section between colons", spec);
		}
	return 0;
}

static int volume_check(const char *spec, char **part, size_t n, struct berth_error **err)
{
	const char *dst = n == 1 ? part[0] : part[1];

	if (n > 3 || (n == 2 && volume_mode_ok(part[1])))
		return berth_error_set(err, EINVAL, "invalid volume specification: '%s'", spec);
	if (n == 3 && !volume_mode_ok(part[2]))
		return berth_error_set(err, EINVAL, "invalid mode: %s", part[2]);
	if (dst[0] != '/')
		return berth_error_set(err, EINVAL,
				       "invalid volume specification: '%s': invalid mount config "
				       "for type \"%s\": invalid mount path: '%s' mount path must "
				       "be absolute",
				       spec, n > 1 && part[0][0] == '/' ? "bind" : "volume", dst);
	if (strcmp(dst, "/") == 0)
		return berth_error_set(err, EINVAL,
				       "invalid specification: destination can't be '/'");
	if (n > 1 && part[0][0] != '/' && part[0][0] != '.' && !volume_name_ok(part[0]))
		return berth_error_set(err, EINVAL,
				       "\"%s\" includes invalid characters for a local volume "
				       "name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If "
				       "you intended to pass a host directory, use absolute path",
				       part[0]);
	return 0;
}

int berth_flag_volume(const char *spec, char **out, struct berth_error **err)
{
	char *part[4] = { NULL };
	cleanup_free char *src = NULL;
	size_t n = 0;
	int ret;

	if (volume_parts(spec, part, &n, err) < 0)
		return berth_error_ret(err);
	ret = volume_check(spec, part, n, err);
	if (ret == 0 && n > 1) {
		src = abs_dot(part[0]);
		if (src == NULL || asprintf(out, "%s:%s%s%s", src, part[1], n == 3 ? ":" : "",
					    n == 3 ? part[2] : "") < 0)
			ret = berth_error_set(err, ENOMEM, "out of memory");
	} else if (ret == 0) {
		*out = strdup(spec);
		if (*out == NULL)
			ret = berth_error_set(err, ENOMEM, "out of memory");
	}
	free(part[0]);
	return ret;
}

int berth_flag_tmpfs(const char *s, json_object *map, struct berth_error **err)
{
	const char *colon = strchr(s, ':');
	cleanup_free char *path = strndup(s, colon ? (size_t)(colon - s) : strlen(s));

	if (path == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (path[0] != '/')
		return berth_error_set(
		    err, EINVAL, "invalid mount path: '%s' mount path must be absolute", path);
	if (strcmp(path, "/") == 0)
		return berth_error_set(err, EINVAL, "destination can't be '/'");
	json_object_object_add(map, path, json_object_new_string(colon ? colon + 1 : ""));
	return 0;
}
