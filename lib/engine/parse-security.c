/* SPDX-License-Identifier: Apache-2.0 */
/* Security flags of run/create: capabilities, --security-opt and --sysctl. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/parse-flags.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define SECCOMP_PROFILE_MAX (4 << 20)

/* " net_admin " → "CAP_NET_ADMIN", "all" → "ALL"; the caller frees. */
static char *cap_normal(const char *c)
{
	size_t len;
	char *s;

	while (isspace((unsigned char)*c))
		c++;
	len = strlen(c);
	while (len > 0 && isspace((unsigned char)c[len - 1]))
		len--;
	if ((len == 3 && strncasecmp(c, "all", 3) == 0) || strncasecmp(c, "cap_", 4) == 0) {
		if (asprintf(&s, "%.*s", (int)len, c) < 0)
			return NULL;
	} else if (asprintf(&s, "CAP_%.*s", (int)len, c) < 0) {
		return NULL;
	}
	for (char *p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Normalised, checked, sorted and unique; "ALL" alone when present. */
static int cap_list(char *const *in, char ***out, size_t *n, struct berth_error **err)
{
	size_t len = berth_strv_len(in), k = 0;
	char **v = calloc(len + 1, sizeof(char *));

	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		char *c = cap_normal(in[i]);

		if (c == NULL || (strcmp(c, "ALL") != 0 && berth_cap_from_name(c) < 0)) {
			int ret = c ? berth_error_set(err, EINVAL, "unknown capability: \"%s\"", c)
				    : berth_error_set(err, ENOMEM, "out of memory");
			free(c);
			berth_strv_free(v);
			return ret;
		}
		if (strv_has(v, k, c))
			free(c);
		else
			v[k++] = c;
	}
	if (strv_has(v, k, "ALL")) {
		/* "ALL" trumps any other capability named with it. */
		for (size_t i = 0; i < k; i++)
			free(v[i]), v[i] = NULL;
		v[0] = strdup("ALL");
		k = v[0] ? 1 : 0;
	}
	qsort(v, k, sizeof(char *), cmp_str);
	*out = v;
	*n = k;
	return 0;
}

int berth_flag_caps(char *const *add, char *const *drop, json_object **add_out,
		    json_object **drop_out, struct berth_error **err)
{
	cleanup_strv char **a = NULL;
	cleanup_strv char **d = NULL;
	size_t na = 0, nd = 0;

	if (cap_list(add, &a, &na, err) < 0 || cap_list(drop, &d, &nd, err) < 0)
		return berth_error_ret(err);
	*add_out = json_object_new_array();
	*drop_out = json_object_new_array();
	for (size_t i = 0; i < na; i++)
		json_object_array_add(*add_out, json_object_new_string(a[i]));
	/* Adding a capability takes precedence over dropping it. */
	for (size_t i = 0; i < nd; i++)
		if (!strv_has(a, na, d[i]))
			json_object_array_add(*drop_out, json_object_new_string(d[i]));
	return 0;
}

/* label=...: SELinux's option forms. */
static int label_ok(const char *v)
{
	static const char *const pfx[] = { "user:", "role:", "type:", "level:", "filetype:" };

	if (strcmp(v, "disable") == 0 || strcmp(v, "nested") == 0)
		return 1;
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(pfx); i++)
		if (strncmp(v, pfx[i], strlen(pfx[i])) == 0 && v[strlen(pfx[i])] != '\0')
			return 1;
	return 0;
}

/* seccomp=FILE: the profile's JSON, compacted, in place of the path (Docker's client does so). */
static int seccomp_inline(const char *path, char **out, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	json_object *doc = NULL;
	size_t len = 0;
	char *dump;
	int ret;

	if (berth_read_file_at(AT_FDCWD, path, SECCOMP_PROFILE_MAX, &buf, &len, err) < 0)
		return berth_error_prefix(err, "opening seccomp profile (%s) failed", path);
	ret = berth_json_parse(buf, len, &doc, err);
	if (ret < 0)
		return berth_error_prefix(err, "compacting json for seccomp profile (%s) failed",
					  path);
	dump = berth_json_dump(doc);
	json_object_put(doc);
	if (dump == NULL || asprintf(out, "seccomp=%s", dump) < 0) {
		free(dump);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	free(dump);
	return 0;
}

static int value_ok(const char *k, const char *v)
{
	int b;

	if (strcmp(k, "no-new-privileges") == 0 || strcmp(k, "writable-cgroups") == 0)
		return berth_flag_bool(v, &b, NULL) == 0;
	if (strcmp(k, "label") == 0)
		return label_ok(v);
	if (strcmp(k, "systempaths") == 0)
		return strcmp(v, "unconfined") == 0;
	return (strcmp(k, "apparmor") == 0 || strcmp(k, "seccomp") == 0) && *v != '\0';
}

int berth_flag_security_opt(const char *s, char **out, struct berth_error **err)
{
	cleanup_free char *k = NULL;
	const char *sep = strchr(s, '=');
	const char *v;

	if (strcmp(s, "no-new-privileges") == 0) {
		*out = strdup(s);
		return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
	}
	if (sep == NULL)
		sep = strchr(s, ':');
	if (sep == NULL)
		return berth_error_set(err, EINVAL, "invalid --security-opt: \"%s\"", s);
	k = strndup(s, (size_t)(sep - s));
	v = sep + 1;
	if (k == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (!value_ok(k, v))
		return berth_error_set(err, EINVAL, "invalid --security-opt: \"%s\"", s);
	if (strcmp(k, "seccomp") == 0 && strcmp(v, "unconfined") != 0 && strcmp(v, "builtin") != 0)
		return seccomp_inline(v, out, err);
	if (asprintf(out, "%s=%s", k, v) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

int berth_flag_sysctl(const char *s, json_object *map, struct berth_error **err)
{
	static const char *const names[] = { "kernel.msgmax", "kernel.msgmnb",
					     "kernel.msgmni", "kernel.sem",
					     "kernel.shmall", "kernel.shmmax",
					     "kernel.shmmni", "kernel.shm_rmid_forced" };
	const char *eq = strchr(s, '=');
	cleanup_free char *k = NULL;
	int ok = 0;

	if (eq == NULL)
		return berth_error_set(err, EINVAL, "sysctl '%s' is not allowed", s);
	k = strndup(s, (size_t)(eq - s));
	if (k == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(names); i++)
		ok |= strcmp(k, names[i]) == 0;
	ok |= strncmp(k, "net.", 4) == 0 || strncmp(k, "fs.mqueue.", 10) == 0;
	if (!ok)
		return berth_error_set(err, EINVAL, "sysctl '%s' is not allowed", s);
	json_object_object_add(map, k, json_object_new_string(eq + 1));
	return 0;
}
