/* SPDX-License-Identifier: Apache-2.0 */
/* KEY=VALUE flags of run/create: -e, --env-file, --label, --label-file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/parse-flags.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define KV_FILE_MAX (16 << 20)

/* Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static int utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t len = c < 0x80	      ? 1
			     : (c >> 5) == 6  ? 2
			     : (c >> 4) == 14 ? 3
			     : (c >> 3) == 30 ? 4
					      : 0;
		unsigned cp;

		if (len == 0 || i + len > n)
			return 0;
		cp = len == 1 ? c : c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static int strv_push(char ***v, size_t *n, char *s, struct berth_error **err)
{
	char **nv;

	if (s == NULL || (nv = realloc(*v, (*n + 2) * sizeof(char *))) == NULL) {
		free(s);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/* One line of an env or label file, leading white space already gone; *out NULL: nothing. */
static int kv_line(const char *line, int is_env, char **out, struct berth_error **err)
{
	const char *eq = strchr(line, '=');
	size_t klen = eq ? (size_t)(eq - line) : strlen(line);
	const char *val;

	*out = NULL;
	if (klen == 0)
		return berth_error_set(
		    err, EINVAL, "poorly formatted environment: no variable name on line '%s'",
		    line);
	if (strcspn(line, " \t") < klen)
		return berth_error_set(err, EINVAL,
				       "poorly formatted environment: variable '%.*s' contains "
				       "whitespaces",
				       (int)klen, line);
	if (eq != NULL)
		*out = strdup(line);
	else if (is_env && (val = getenv(line)) != NULL && asprintf(out, "%s=%s", line, val) < 0)
		*out = NULL;
	else
		return 0;
	return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static int kv_lines(const char *path, char *buf, int is_env, char ***lines,
		    struct berth_error **err)
{
	cleanup_strv char **v = NULL;
	size_t n = 0, lineno = 0;

	v = calloc(1, sizeof(char *));
	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	/* A UTF-8 byte order mark may open the file. */
	if (strncmp(buf, "\xef\xbb\xbf", 3) == 0)
		buf += 3;
	for (char *l = strsep(&buf, "\n"); l != NULL; l = strsep(&buf, "\n")) {
		size_t len = strlen(l);
		char *kv = NULL;

		lineno++;
		if (len > 0 && l[len - 1] == '\r')
			l[--len] = '\0';
		if (!utf8_ok((const unsigned char *)l, len))
			return berth_error_set(
			    err, EINVAL, "env file %s contains invalid utf8 bytes at line %zu",
			    path, lineno);
		l += strspn(l, " \t\v\f\r");
		if (*l == '\0' || *l == '#')
			continue;
		if (kv_line(l, is_env, &kv, err) < 0)
			return berth_error_ret(err);
		if (kv != NULL && strv_push(&v, &n, kv, err) < 0)
			return -ENOMEM;
	}
	*lines = steal_ptr(&v);
	return 0;
}

int berth_flag_read_kv_file(const char *path, int is_env, char ***lines, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = berth_read_file_at(AT_FDCWD, path, KV_FILE_MAX, &buf, &len, err);
	if (ret < 0)
		return ret;
	if (memchr(buf, '\0', len) != NULL)
		return berth_error_set(err, EINVAL, "env file %s contains a NUL byte", path);
	return kv_lines(path, buf, is_env, lines, err);
}

int berth_flag_env(const char *s, char **out, struct berth_error **err)
{
	const char *val;

	if (s[0] == '=' || s[0] == '\0')
		return berth_error_set(err, EINVAL, "invalid environment variable: %s", s);
	*out = NULL;
	if (strchr(s, '=') != NULL)
		*out = strdup(s);
	else if ((val = getenv(s)) == NULL)
		return 0; /* Docker passes an unset variable on as nothing */
	else if (asprintf(out, "%s=%s", s, val) < 0)
		*out = NULL;
	return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

int berth_flag_label(const char *s, json_object *labels, struct berth_error **err)
{
	const char *eq = strchr(s, '=');
	const char *key = s + strspn(s, " \t");
	size_t klen = eq ? (size_t)(eq - key) : strlen(key);
	cleanup_free char *k = NULL;

	if (klen == 0)
		return berth_error_set(err, EINVAL, "invalid label '%s': empty name", s);
	k = strndup(key, klen);
	if (k == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (strpbrk(k, " \t") != NULL)
		return berth_error_set(err, EINVAL, "label '%s' contains whitespaces", k);
	json_object_object_add(labels, k, json_object_new_string(eq ? eq + 1 : ""));
	return 0;
}
