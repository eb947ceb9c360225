/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_JSON_H
#define BERTH_UTIL_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/*
 * The one door for untrusted JSON.  Parsing has a size cap and a depth limit;
 * getters check type and range and name the JSON path in their errors
 * (`process.rlimits[2].type: expected a string`).  json-c's raw getters
 * saturate and coerce silently, so nothing outside this file calls them on
 * untrusted input.
 *
 * Getters return 1 when @key is present with the right type, 0 when it is
 * absent or null (the out-parameter is left untouched), and a negative errno
 * with *err set otherwise.  @path is the path of @obj ("" for the root).
 */

#define BERTH_JSON_MAX_DEPTH 64

int berth_json_parse(const char *buf, size_t len, json_object **out, struct berth_error **err);

/* Read at most @max bytes of @path (relative to @dirfd) and parse them. */
int berth_json_parse_file(int dirfd, const char *path, size_t max, json_object **out,
			  struct berth_error **err);

/* "path.key" (or "key" when @path is empty); the caller frees. Never NULL. */
char *berth_json_path(const char *path, const char *key);
/* "path[i]"; the caller frees. Never NULL. */
char *berth_json_index(const char *path, size_t i);

int berth_json_string(json_object *obj, const char *path, const char *key, const char **out,
		      struct berth_error **err);
int berth_json_bool(json_object *obj, const char *path, const char *key, bool *out,
		    struct berth_error **err);
int berth_json_int(json_object *obj, const char *path, const char *key, int64_t min, int64_t max,
		   int64_t *out, struct berth_error **err);
int berth_json_uint64(json_object *obj, const char *path, const char *key, uint64_t *out,
		      struct berth_error **err);
int berth_json_object(json_object *obj, const char *path, const char *key, json_object **out,
		      struct berth_error **err);
int berth_json_array(json_object *obj, const char *path, const char *key, json_object **out,
		     struct berth_error **err);

/* An array of strings as a NULL-terminated vector; the caller frees it. */
int berth_json_strv(json_object *obj, const char *path, const char *key, char ***out,
		    struct berth_error **err);

/* Check a node itself (an array element, say) and convert it; @path names it. */
int berth_json_as_string(json_object *node, const char *path, const char **out,
			 struct berth_error **err);
int berth_json_as_int(json_object *node, const char *path, int64_t min, int64_t max, int64_t *out,
		      struct berth_error **err);
int berth_json_as_object(json_object *node, const char *path, struct berth_error **err);

/* Check that every value of the object at @key is a string (annotations, sysctl). */
int berth_json_string_map(json_object *obj, const char *path, const char *key, json_object **out,
			  struct berth_error **err);

/* Serialise compactly; the caller frees. NULL on allocation failure. */
char *berth_json_dump(json_object *obj);

/* Free a strv (NULL-safe). */
void berth_strv_free(char **v);
size_t berth_strv_len(char *const *v);

#endif
