/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the pure parsers of `berth run` / `berth create` flag
 * values (lib/engine/parse-*.c).  The input is cut at newlines into flag
 * values and each value goes to every parser, as argv would carry it (cut at
 * its first NUL).  The values before the first empty one are --cap-add, the
 * rest --cap-drop.  The whole input is also read as an --env-file and a
 * --label-file, and inlined as a seccomp profile, through a memfd.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/parse-flags.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VALUES 16

/* The error contract: a negative return sets *err (with a message), and only then. */
static void check(int ret, struct berth_error *err)
{
	if ((ret < 0) != (err != NULL) ||
	    (err != NULL && (ret != -err->code || err->msg == NULL || err->msg[0] == '\0')))
		abort();
	berth_error_free(err);
}

/* A JSON result: present exactly on success. */
static void check_obj(int ret, struct berth_error *err, json_object *o)
{
	if ((ret == 0) != (o != NULL))
		abort();
	json_object_put(o);
	check(ret, err);
}

static const char *str_field(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		abort();
	return json_object_get_string(v);
}

static void numbers(const char *s)
{
	struct berth_error *err = NULL;
	int64_t v = 0;
	int b = -1, ret;

	ret = berth_flag_ram_bytes(s, &v, &err);
	if (ret == 0 && v < 0)
		abort();
	check(ret, err);
	err = NULL;
	ret = berth_flag_nano_cpus(s, &v, &err);
	check(ret, err);
	err = NULL;
	if (ret == 0)
		check(berth_flag_check_nano_cpus(v, 4, &err), err);
	err = NULL;
	ret = berth_flag_int(s, -1000, 1000, &v, &err);
	if (ret == 0 && (v < -1000 || v > 1000))
		abort();
	check(ret, err);
	err = NULL;
	ret = berth_flag_bool(s, &b, &err);
	if (ret == 0 && b != 0 && b != 1)
		abort();
	check(ret, err);
}

static void limits(const char *s)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;
	int ret;

	ret = berth_flag_ulimit(s, &o, &err);
	check_obj(ret, err, o);
	err = NULL, o = NULL;
	ret = berth_flag_restart(s, &o, &err);
	check_obj(ret, err, o);
	err = NULL, o = NULL;
	ret = berth_flag_device(s, &o, &err);
	if (ret == 0 && str_field(o, "PathInContainer")[0] != '/')
		abort();
	check_obj(ret, err, o);
	for (int iops = 0; iops <= 1; iops++) {
		err = NULL, o = NULL;
		ret = berth_flag_throttle(s, iops, &o, &err);
		check_obj(ret, err, o);
	}
	err = NULL, o = NULL;
	ret = berth_flag_weight_device(s, &o, &err);
	check_obj(ret, err, o);
	err = NULL;
	check(berth_flag_device_cgroup_rule(s, &err), err);
}

static void mounts(const char *s, json_object *tmpfs)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;
	char *out = NULL;
	int ret;

	ret = berth_flag_mount(s, &o, &err);
	if (ret == 0 && str_field(o, "Target")[0] != '/')
		abort();
	check_obj(ret, err, o);
	err = NULL;
	ret = berth_flag_volume(s, &out, &err);
	if ((ret == 0) != (out != NULL))
		abort();
	free(out);
	check(ret, err);
	err = NULL;
	check(berth_flag_tmpfs(s, tmpfs, &err), err);
}

static void kv(const char *s, json_object *labels, json_object *sysctls)
{
	struct berth_error *err = NULL;
	char *out = NULL;
	int ret;

	ret = berth_flag_env(s, &out, &err);
	if (out != NULL && (ret < 0 || strchr(out, '=') == NULL))
		abort();
	free(out);
	check(ret, err);
	err = NULL;
	check(berth_flag_label(s, labels, &err), err);
	err = NULL;
	check(berth_flag_sysctl(s, sysctls, &err), err);
	/* seccomp=FILE reads FILE: only the memfd's path is given (security_file below). */
	if (strncmp(s, "seccomp", 7) == 0)
		return;
	out = NULL, err = NULL;
	ret = berth_flag_security_opt(s, &out, &err);
	if ((ret == 0) != (out != NULL) ||
	    (out != NULL && strchr(out, '=') == NULL && strcmp(out, "no-new-privileges") != 0))
		abort();
	free(out);
	check(ret, err);
}

static void caps(char **values, size_t n)
{
	struct berth_error *err = NULL;
	json_object *add = NULL, *drop = NULL;
	size_t split = 0;
	int ret;

	while (split < n && values[split][0] != '\0')
		split++;
	values[split] = NULL; /* the empty value (or the vector's end) */
	ret = berth_flag_caps(values, split < n ? values + split + 1 : NULL, &add, &drop, &err);
	if ((ret == 0) != (add != NULL && drop != NULL))
		abort();
	json_object_put(add);
	json_object_put(drop);
	check(ret, err);
}

/* The input as a file: --env-file, --label-file and --security-opt seccomp=FILE. */
static void as_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct berth_error *err = NULL;
	char path[64], opt[80];
	char *out = NULL;
	int ret;

	if (fd < 0 && (fd = memfd_create("fuzz-run-flags", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (int is_env = 0; is_env <= 1; is_env++) {
		char **lines = NULL;

		err = NULL;
		ret = berth_flag_read_kv_file(path, is_env, &lines, &err);
		if ((ret == 0) != (lines != NULL))
			abort();
		for (char **l = lines; l != NULL && *l != NULL; l++)
			if (strchr(*l, '=') == NULL)
				abort();
		berth_strv_free(lines);
		check(ret, err);
	}
	snprintf(opt, sizeof(opt), "seccomp=%s", path);
	err = NULL;
	ret = berth_flag_security_opt(opt, &out, &err);
	if ((ret == 0) != (out != NULL))
		abort();
	free(out);
	check(ret, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *values[MAX_VALUES + 1];
	json_object *tmpfs = json_object_new_object(), *labels = json_object_new_object();
	json_object *sysctls = json_object_new_object();
	const uint8_t *p = data, *end = data + size;
	size_t n = 0;

	while (n < MAX_VALUES && p <= end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		values[n] = strndup((const char *)p, len);
		if (values[n] == NULL)
			abort();
		n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	values[n] = NULL;
	for (size_t i = 0; i < n; i++) {
		numbers(values[i]);
		limits(values[i]);
		mounts(values[i], tmpfs);
		kv(values[i], labels, sysctls);
	}
	/* caps() cuts the vector; keep the pointers to free. */
	{
		char *keep[MAX_VALUES + 1];

		memcpy(keep, values, sizeof(keep));
		caps(values, n);
		for (size_t i = 0; i < n; i++)
			free(keep[i]);
	}
	as_file(data, size);
	json_object_put(tmpfs);
	json_object_put(labels);
	json_object_put(sysctls);
	return 0;
}
