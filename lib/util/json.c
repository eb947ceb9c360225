/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

char *berth_json_path(const char *path, const char *key)
{
	char *s = NULL;

	if (path == NULL || *path == '\0')
		s = strdup(key);
	else if (asprintf(&s, "%s.%s", path, key) < 0)
		s = NULL;
	if (s == NULL)
		abort();
	return s;
}

char *berth_json_index(const char *path, size_t i)
{
	char *s = NULL;

	if (asprintf(&s, "%s[%zu]", path ? path : "", i) < 0)
		abort();
	return s;
}

int berth_json_parse(const char *buf, size_t len, json_object **out, struct berth_error **err)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t off;

	if (len > INT32_MAX)
		return berth_error_set(err, EFBIG, "JSON document too large");
	tok = json_tokener_new_ex(BERTH_JSON_MAX_DEPTH);
	if (tok == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		json_tokener_free(tok);
		json_object_put(obj);
		return berth_error_set(err, EINVAL, "invalid JSON: unexpected end of input");
	}
	if (jerr != json_tokener_success) {
		int ret = berth_error_set(err, EINVAL, "invalid JSON at offset %zu: %s", off,
					  json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		return ret;
	}
	json_tokener_free(tok);
	/* Only whitespace may follow the document. */
	for (; off < len; off++) {
		if (memchr(" \t\r\n", buf[off], 4) == NULL) {
			json_object_put(obj);
			return berth_error_set(err, EINVAL,
					       "invalid JSON at offset %zu: trailing data", off);
		}
	}
	*out = obj;
	return 0;
}

int berth_json_parse_file(int dirfd, const char *path, size_t max, json_object **out,
			  struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = berth_read_file_at(dirfd, path, max, &buf, &len, err);
	if (ret < 0)
		return ret;
	ret = berth_json_parse(buf, len, out, err);
	if (ret < 0)
		return berth_error_prefix(err, "%s", path);
	return 0;
}

static const char *type_name(enum json_type t)
{
	switch (t) {
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number with a fraction";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	default:
		return "null";
	}
}

static int type_error(json_object *node, const char *path, enum json_type want,
		      struct berth_error **err)
{
	return berth_error_set(err, EINVAL, "%s: expected %s, got %s", path, type_name(want),
			       type_name(json_object_get_type(node)));
}

/* Look @key up; 0 when absent or null, 1 when present. */
static int lookup(json_object *obj, const char *key, json_object **node)
{
	if (obj == NULL || !json_object_object_get_ex(obj, key, node))
		return 0;
	return *node != NULL;
}

int berth_json_as_string(json_object *node, const char *path, const char **out,
			 struct berth_error **err)
{
	if (!json_object_is_type(node, json_type_string))
		return type_error(node, path, json_type_string, err);
	*out = json_object_get_string(node);
	return 1;
}

int berth_json_as_int(json_object *node, const char *path, int64_t min, int64_t max, int64_t *out,
		      struct berth_error **err)
{
	int64_t v;

	if (!json_object_is_type(node, json_type_int))
		return type_error(node, path, json_type_int, err);
	v = json_object_get_int64(node);
	/* json-c saturates: INT64_MAX may stand for a larger unsigned value. */
	if (v == INT64_MAX && json_object_get_uint64(node) > (uint64_t)INT64_MAX)
		return berth_error_set(err, ERANGE, "%s: %s out of range [%lld, %lld]", path,
				       json_object_to_json_string(node), (long long)min,
				       (long long)max);
	if (v < min || v > max)
		return berth_error_set(err, ERANGE, "%s: %lld out of range [%lld, %lld]", path,
				       (long long)v, (long long)min, (long long)max);
	*out = v;
	return 1;
}

int berth_json_as_object(json_object *node, const char *path, struct berth_error **err)
{
	if (!json_object_is_type(node, json_type_object))
		return type_error(node, path, json_type_object, err);
	return 1;
}

#define WITH_NODE(obj, path, key, node, body)                                                      \
	do {                                                                                       \
		cleanup_free char *p_ = NULL;                                                      \
		if (!lookup(obj, key, &node))                                                      \
			return 0;                                                                  \
		p_ = berth_json_path(path, key);                                                   \
		body;                                                                              \
	} while (0)

int berth_json_string(json_object *obj, const char *path, const char *key, const char **out,
		      struct berth_error **err)
{
	json_object *node;

	WITH_NODE(obj, path, key, node, return berth_json_as_string(node, p_, out, err));
}

int berth_json_bool(json_object *obj, const char *path, const char *key, bool *out,
		    struct berth_error **err)
{
	json_object *node;

	WITH_NODE(obj, path, key, node, {
		if (!json_object_is_type(node, json_type_boolean))
			return type_error(node, p_, json_type_boolean, err);
		*out = json_object_get_boolean(node);
		return 1;
	});
}

int berth_json_int(json_object *obj, const char *path, const char *key, int64_t min, int64_t max,
		   int64_t *out, struct berth_error **err)
{
	json_object *node;

	WITH_NODE(obj, path, key, node, return berth_json_as_int(node, p_, min, max, out, err));
}

int berth_json_uint64(json_object *obj, const char *path, const char *key, uint64_t *out,
		      struct berth_error **err)
{
	json_object *node;

	WITH_NODE(obj, path, key, node, {
		if (!json_object_is_type(node, json_type_int))
			return type_error(node, p_, json_type_int, err);
		if (json_object_get_int64(node) < 0)
			return berth_error_set(err, ERANGE, "%s: %s must not be negative", p_,
					       json_object_to_json_string(node));
		*out = json_object_get_uint64(node);
		return 1;
	});
}

int berth_json_object(json_object *obj, const char *path, const char *key, json_object **out,
		      struct berth_error **err)
{
	json_object *node;

	WITH_NODE(obj, path, key, node, {
		if (!json_object_is_type(node, json_type_object))
			return type_error(node, p_, json_type_object, err);
		*out = node;
		return 1;
	});
}

int berth_json_array(json_object *obj, const char *path, const char *key, json_object **out,
		     struct berth_error **err)
{
	json_object *node;

	WITH_NODE(obj, path, key, node, {
		if (!json_object_is_type(node, json_type_array))
			return type_error(node, p_, json_type_array, err);
		*out = node;
		return 1;
	});
}

int berth_json_strv(json_object *obj, const char *path, const char *key, char ***out,
		    struct berth_error **err)
{
	cleanup_free char *p = NULL;
	json_object *arr;
	char **v;
	size_t n;
	int ret;

	ret = berth_json_array(obj, path, key, &arr, err);
	if (ret <= 0)
		return ret;
	p = berth_json_path(path, key);
	n = json_object_array_length(arr);
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *ip = berth_json_index(p, i);
		const char *s = NULL;

		ret = berth_json_as_string(json_object_array_get_idx(arr, i), ip, &s, err);
		if (ret < 0 || (v[i] = strdup(s)) == NULL) {
			berth_strv_free(v);
			return ret < 0 ? ret : berth_error_set(err, ENOMEM, "out of memory");
		}
	}
	berth_strv_free(*out);
	*out = v;
	return 1;
}

int berth_json_string_map(json_object *obj, const char *path, const char *key, json_object **out,
			  struct berth_error **err)
{
	cleanup_free char *p = NULL;
	json_object *map;
	int ret;

	ret = berth_json_object(obj, path, key, &map, err);
	if (ret <= 0)
		return ret;
	p = berth_json_path(path, key);
	json_object_object_foreach (map, k, val) {
		cleanup_free char *kp = berth_json_path(p, k);
		const char *s = NULL;

		ret = berth_json_as_string(val, kp, &s, err);
		if (ret < 0)
			return ret;
	}
	*out = map;
	return 1;
}

char *berth_json_dump(json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);

	return s ? strdup(s) : NULL;
}

void berth_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

size_t berth_strv_len(char *const *v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}
