/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "format.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "util/cleanup.h"

static json_object *lookup(json_object *obj, const char *path, size_t len, bool *found)
{
	json_object *cur = obj;
	size_t i = 0;

	*found = true;
	if (len == 1 && path[0] == '.')
		return cur;
	while (i < len) {
		char key[256];
		size_t k = 0;

		if (path[i] != '.')
			break;
		i++;
		while (i < len && path[i] != '.' && k < sizeof(key) - 1)
			key[k++] = path[i++];
		key[k] = '\0';
		if (!json_object_is_type(cur, json_type_object) ||
		    !json_object_object_get_ex(cur, key, &cur)) {
			*found = false;
			return NULL;
		}
	}
	return cur;
}

static void print_value(FILE *out, json_object *v, bool json, int (*conv)(int))
{
	if (json) {
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE),
		      out);
		return;
	}
	if (v == NULL) {
		fputs("<nil>", out);
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_string:
		for (const char *s = json_object_get_string(v); *s; s++)
			fputc(conv ? conv((unsigned char)*s) : *s, out);
		break;
	case json_type_boolean:
		fputs(json_object_get_boolean(v) ? "true" : "false", out);
		break;
	case json_type_int:
		fprintf(out, "%lld", (long long)json_object_get_int64(v));
		break;
	default:
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE),
		      out);
	}
}

static int action(FILE *out, const char *a, size_t len, json_object *obj, struct berth_error **err)
{
	int (*conv)(int) = NULL;
	bool json = false, found;
	json_object *v;

	while (len && isspace((unsigned char)*a)) {
		a++;
		len--;
	}
	while (len && isspace((unsigned char)a[len - 1]))
		len--;
	if (len > 5 && strncmp(a, "json ", 5) == 0) {
		json = true;
		a += 5;
		len -= 5;
	} else if (len > 6 && (strncmp(a, "upper ", 6) == 0 || strncmp(a, "lower ", 6) == 0)) {
		conv = a[0] == 'u' ? toupper : tolower;
		a += 6;
		len -= 6;
	}
	while (len && isspace((unsigned char)*a)) {
		a++;
		len--;
	}
	if (len == 0 || a[0] != '.')
		return berth_error_set(err, EINVAL, "template: unsupported action \"{{%.*s}}\"",
				       (int)len, a);
	v = lookup(obj, a, len, &found);
	if (!found) {
		fputs("<no value>", out);
		return 0;
	}
	print_value(out, v, json, conv);
	return 0;
}

int cli_format(FILE *out, const char *tmpl, json_object *obj, struct berth_error **err)
{
	const char *p = tmpl;

	while (*p) {
		const char *open = strstr(p, "{{"), *close;

		if (open == NULL)
			open = p + strlen(p);
		for (const char *q = p; q < open; q++) {
			if (q[0] == '\\' && (q[1] == 't' || q[1] == 'n')) {
				fputc(q[1] == 't' ? '\t' : '\n', out);
				q++;
			} else {
				fputc(*q, out);
			}
		}
		if (*open == '\0')
			break;
		close = strstr(open + 2, "}}");
		if (close == NULL)
			return berth_error_set(err, EINVAL, "template: unclosed action in \"%s\"",
					       tmpl);
		if (action(out, open + 2, (size_t)(close - open - 2), obj, err) < 0)
			return berth_error_ret(err);
		p = close + 2;
	}
	return 0;
}
