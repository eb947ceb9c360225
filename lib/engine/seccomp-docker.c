/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's seccomp profile format → the OCI linux.seccomp object.
 *
 * Docker's profiles carry rules that apply only on some architectures, some
 * kernels or to containers holding some capabilities (includes/excludes);
 * they are evaluated here, once, against the container's final capability
 * set and this host, as dockerd does.  archMap keeps only this host's
 * entry and its sub-architectures.  The result goes through the runtime's own
 * parser (oci/spec-seccomp.c) so a bad action or operator fails at create,
 * naming the profile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "engine/spec-security-int.h"
#include "oci/spec-seccomp.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/json.h"

#define PROFILE_MAX (4 << 20)

#if defined(__x86_64__)
#define HOST_GOARCH "amd64"
#define HOST_SCMP_ARCH "SCMP_ARCH_X86_64"
#elif defined(__aarch64__)
#define HOST_GOARCH "arm64"
#define HOST_SCMP_ARCH "SCMP_ARCH_AARCH64"
#elif defined(__arm__)
#define HOST_GOARCH "arm"
#define HOST_SCMP_ARCH "SCMP_ARCH_ARM"
#elif defined(__i386__)
#define HOST_GOARCH "386"
#define HOST_SCMP_ARCH "SCMP_ARCH_X86"
#else
#error "unsupported architecture"
#endif

struct filter_ctx {
	uint64_t caps;
	int kmajor, kminor; /* the running kernel */
};

/* A decimal number below 100000 at *p, advanced past it; -1 when none (or too large). */
static int version_number(const char **p)
{
	int v = 0, n = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > 5)
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	return n > 0 ? v : -1;
}

/*
 * "5.10" or "5" (Docker's minKernel); a kernel release has more after the
 * minor ("6.1.0-18-amd64"), which is ignored.  sscanf's %d would be undefined
 * on a number past INT_MAX.
 */
static int version_parse(const char *s, int *major, int *minor)
{
	const char *p = s;

	*major = version_number(&p);
	*minor = 0;
	if (*p == '.') {
		p++;
		*minor = version_number(&p);
	}
	return *major >= 0 && *minor >= 0 ? 0 : -1;
}

/* Whether the string array @key of @obj holds @want (case-sensitive). */
static int has_str(json_object *obj, const char *path, const char *key, const char *want,
		   struct berth_error **err)
{
	cleanup_strv char **v = NULL;
	int ret = berth_json_strv(obj, path, key, &v, err);

	if (ret <= 0)
		return ret;
	for (char **p = v; *p != NULL; p++)
		if (strcmp(*p, want) == 0)
			return 1;
	return 0;
}

/* How many of the capability names in @key the container holds, and how many are listed. */
static int caps_held(json_object *obj, const char *path, uint64_t caps, size_t *held,
		     size_t *listed, struct berth_error **err)
{
	cleanup_strv char **v = NULL;
	int ret = berth_json_strv(obj, path, "caps", &v, err);

	*held = *listed = 0;
	if (ret <= 0)
		return ret;
	for (char **p = v; *p != NULL; p++, (*listed)++) {
		int cap = berth_cap_from_name(*p);

		if (cap < 0)
			return berth_error_set(err, EINVAL, "%s.caps: unknown capability \"%s\"",
					       path, *p);
		if (cap < 64 && (caps & (1ULL << cap)))
			(*held)++;
	}
	return 1;
}

/* 1 when the kernel is at least minKernel (or none is given), 0 when older. */
static int kernel_at_least(json_object *obj, const char *path, const struct filter_ctx *f,
			   bool *given, struct berth_error **err)
{
	const char *min = NULL;
	int major, minor, ret = berth_json_string(obj, path, "minKernel", &min, err);

	*given = ret > 0;
	if (ret <= 0)
		return ret < 0 ? ret : 1;
	if (version_parse(min, &major, &minor) < 0)
		return berth_error_set(err, EINVAL, "%s.minKernel: bad version \"%s\"", path, min);
	return f->kmajor > major || (f->kmajor == major && f->kminor >= minor);
}

/* Docker's includes: every listed cap held, this arch listed, kernel recent enough. */
static int includes_ok(json_object *rule, const char *path, const struct filter_ctx *f,
		       struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "includes");
	json_object *inc = NULL, *arches = NULL;
	size_t held, listed;
	bool given;
	int ret;

	if ((ret = berth_json_object(rule, path, "includes", &inc, err)) <= 0)
		return ret < 0 ? ret : 1;
	if ((ret = caps_held(inc, p, f->caps, &held, &listed, err)) < 0)
		return ret;
	if (held < listed)
		return 0;
	if ((ret = berth_json_array(inc, p, "arches", &arches, err)) < 0)
		return ret;
	if (arches != NULL && json_object_array_length(arches) > 0 &&
	    (ret = has_str(inc, p, "arches", HOST_GOARCH, err)) <= 0)
		return ret;
	return kernel_at_least(inc, p, f, &given, err);
}

/* Docker's excludes: any listed cap held, this arch listed, or the kernel recent enough. */
static int excluded(json_object *rule, const char *path, const struct filter_ctx *f,
		    struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "excludes");
	json_object *exc = NULL;
	size_t held, listed;
	bool given;
	int ret;

	if ((ret = berth_json_object(rule, path, "excludes", &exc, err)) <= 0)
		return ret;
	if ((ret = caps_held(exc, p, f->caps, &held, &listed, err)) < 0)
		return ret;
	if (held > 0)
		return 1;
	if ((ret = has_str(exc, p, "arches", HOST_GOARCH, err)) != 0)
		return ret;
	ret = kernel_at_least(exc, p, f, &given, err);
	return ret < 0 ? ret : given && ret == 1;
}

static const char *const rule_keys[] = { "names",    "name",	 "action",  "errnoRet", "args",
					 "includes", "excludes", "comment", NULL };
static const char *const top_keys[] = { "defaultAction", "defaultErrnoRet",  "architectures",
					"archMap",	 "syscalls",	     "flags",
					"listenerPath",	 "listenerMetadata", NULL };

static int known_keys(json_object *obj, const char *path, const char *const *keys,
		      struct berth_error **err)
{
	json_object_object_foreach (obj, key, val) {
		const char *const *k = keys;

		(void)val;
		while (*k != NULL && strcmp(*k, key) != 0)
			k++;
		if (*k == NULL)
			return berth_error_set(err, EINVAL, "%s: unknown field \"%s\"",
					       path[0] ? path : "profile", key);
	}
	return 0;
}

/* One Docker rule → an OCI rule appended to @out, unless includes/excludes leave it out. */
static int convert_rule(json_object *rule, const char *path, const struct filter_ctx *f,
			json_object *out, struct berth_error **err)
{
	static const char *const copied[] = { "action", "errnoRet", "args", NULL };
	json_object *o, *names = NULL, *v;
	const char *name = NULL;
	int ret;

	if (berth_json_as_object(rule, path, err) < 0 || known_keys(rule, path, rule_keys, err) < 0)
		return berth_error_ret(err);
	if ((ret = includes_ok(rule, path, f, err)) <= 0)
		return ret;
	if ((ret = excluded(rule, path, f, err)) != 0)
		return ret < 0 ? ret : 0;
	if (berth_json_array(rule, path, "names", &names, err) < 0 ||
	    berth_json_string(rule, path, "name", &name, err) < 0)
		return berth_error_ret(err);
	o = json_object_new_object();
	if (names != NULL) {
		json_object_object_add(o, "names", json_object_get(names));
	} else if (name != NULL) {
		json_object_object_add(o, "names", json_object_new_array());
		json_object_array_add(json_object_object_get(o, "names"),
				      json_object_new_string(name));
	} else {
		json_object_put(o);
		return berth_error_set(err, EINVAL, "%s: no \"names\"", path);
	}
	for (const char *const *k = copied; *k != NULL; k++)
		if (json_object_object_get_ex(rule, *k, &v) && v != NULL)
			json_object_object_add(o, *k, json_object_get(v));
	json_object_array_add(out, o);
	return 0;
}

/* archMap: the host's entry and its sub-architectures. */
static int arch_map(json_object *profile, json_object *out, struct berth_error **err)
{
	json_object *map = NULL;
	int ret = berth_json_array(profile, "", "archMap", &map, err);

	if (ret <= 0)
		return ret;
	for (size_t i = 0; i < json_object_array_length(map); i++) {
		cleanup_free char *p = berth_json_index("archMap", i);
		json_object *e = json_object_array_get_idx(map, i), *subs = NULL;
		const char *arch = NULL;

		if (berth_json_as_object(e, p, err) < 0 ||
		    berth_json_string(e, p, "architecture", &arch, err) < 0 ||
		    berth_json_array(e, p, "subArchitectures", &subs, err) < 0)
			return berth_error_ret(err);
		if (arch == NULL || strcmp(arch, HOST_SCMP_ARCH) != 0)
			continue;
		json_object_array_add(out, json_object_new_string(arch));
		for (size_t j = 0; subs != NULL && j < json_object_array_length(subs); j++)
			json_object_array_add(out,
					      json_object_get(json_object_array_get_idx(subs, j)));
	}
	return 1;
}

static int architectures(json_object *profile, json_object *out, struct berth_error **err)
{
	json_object *arches = NULL, *map = NULL;
	int ret = berth_json_array(profile, "", "architectures", &arches, err);

	/* archMap's type is checked before its length is asked (json-c asserts an array). */
	if (ret < 0 || berth_json_array(profile, "", "archMap", &map, err) < 0)
		return berth_error_ret(err);
	if (ret > 0 && json_object_array_length(arches) > 0 && map != NULL &&
	    json_object_array_length(map) > 0)
		return berth_error_set(err, EINVAL,
				       "\"architectures\" and \"archMap\" cannot both be given");
	if (ret > 0) {
		json_object_object_add(out, "architectures", json_object_get(arches));
		return 0;
	}
	json_object_object_add(out, "architectures", json_object_new_array());
	ret = arch_map(profile, json_object_object_get(out, "architectures"), err);
	return ret < 0 ? ret : 0;
}

static int convert(json_object *profile, const struct filter_ctx *f, json_object *out,
		   struct berth_error **err)
{
	static const char *const copied[] = { "defaultAction", "defaultErrnoRet",  "flags",
					      "listenerPath",  "listenerMetadata", NULL };
	json_object *rules = NULL, *v, *oci_rules = json_object_new_array();

	json_object_object_add(out, "syscalls", oci_rules);
	if (berth_json_as_object(profile, "profile", err) < 0 ||
	    known_keys(profile, "", top_keys, err) < 0 || architectures(profile, out, err) < 0 ||
	    berth_json_array(profile, "", "syscalls", &rules, err) < 0)
		return berth_error_ret(err);
	for (const char *const *k = copied; *k != NULL; k++)
		if (json_object_object_get_ex(profile, *k, &v) && v != NULL)
			json_object_object_add(out, *k, json_object_get(v));
	for (size_t i = 0; rules != NULL && i < json_object_array_length(rules); i++) {
		cleanup_free char *p = berth_json_index("syscalls", i);

		if (convert_rule(json_object_array_get_idx(rules, i), p, f, oci_rules, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

int berth_seccomp_from_docker(json_object *profile, const char *what, uint64_t caps,
			      json_object **out, struct berth_error **err)
{
	struct filter_ctx f = { .caps = caps };
	struct berth_seccomp *check = NULL;
	struct utsname u;
	json_object *o;

	if (uname(&u) < 0 || version_parse(u.release, &f.kmajor, &f.kminor) < 0)
		f.kmajor = f.kminor = 0;
	if ((o = json_object_new_object()) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (convert(profile, &f, o, err) < 0 ||
	    berth_seccomp_parse(o, "linux.seccomp", &check, err) < 0) {
		json_object_put(o);
		return berth_error_prefix(err, "%s", what);
	}
	berth_seccomp_free(check);
	*out = o;
	return 0;
}

int berth_seccomp_docker_load(const char *path_or_json, uint64_t caps, json_object **out,
			      struct berth_error **err)
{
	const char *s = path_or_json + strspn(path_or_json, " \t\r\n");
	json_object *profile = NULL;
	int ret;

	/* Docker's CLI reads the file itself and sends its content. */
	if (*s == '{')
		ret = berth_json_parse(s, strlen(s), &profile, err);
	else
		ret = berth_json_parse_file(AT_FDCWD, path_or_json, PROFILE_MAX, &profile, err);
	if (ret < 0) /* a file's errors already name it */
		return *s == '{' ? berth_error_prefix(err, "profile") : ret;
	ret = berth_seccomp_from_docker(profile, *s == '{' ? "profile" : path_or_json, caps, out,
					err);
	json_object_put(profile);
	return ret;
}
