/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "util/cleanup.h"
#include "util/json.h"

static json_object *parse(const char *s)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_json_parse(s, strlen(s), &o, &err), &err);
	return o;
}

BERTH_TEST(json_typed_getters_name_the_path)
{
	json_object *o = parse("{\"process\":{\"rlimits\":[{\"type\":5}],\"n\":-1}}");
	struct berth_error *err = NULL;
	json_object *proc, *arr;
	const char *s;
	uint64_t u;

	CHECK_INT(berth_json_object(o, "", "process", &proc, &err), ==, 1);
	CHECK_INT(berth_json_array(proc, "process", "rlimits", &arr, &err), ==, 1);
	CHECK_INT(berth_json_string(json_object_array_get_idx(arr, 0), "process.rlimits[0]", "type",
				    &s, &err),
		  ==, -EINVAL);
	CHECK_STR(err->msg, "process.rlimits[0].type: expected a string, got an integer");
	berth_error_clear(&err);
	CHECK_INT(berth_json_uint64(proc, "process", "n", &u, &err), ==, -ERANGE);
	CHECK_STR(err->msg, "process.n: -1 must not be negative");
	berth_error_free(err);
	json_object_put(o);
}

BERTH_TEST(json_absent_and_null_are_absent)
{
	json_object *o = parse("{\"a\":null}");
	struct berth_error *err = NULL;
	const char *s = "untouched";

	CHECK_INT(berth_json_string(o, "", "a", &s, &err), ==, 0);
	CHECK_INT(berth_json_string(o, "", "b", &s, &err), ==, 0);
	CHECK_STR(s, "untouched");
	CHECK(err == NULL);
	json_object_put(o);
}

BERTH_TEST(json_int_range_and_saturation)
{
	json_object *o = parse("{\"big\":18446744073709551615,\"x\":70000,\"f\":1.5}");
	struct berth_error *err = NULL;
	int64_t v;
	uint64_t u;

	CHECK_INT(berth_json_int(o, "", "big", INT64_MIN, INT64_MAX, &v, &err), ==, -ERANGE);
	berth_error_clear(&err);
	CHECK_INT(berth_json_int(o, "", "x", 0, 65535, &v, &err), ==, -ERANGE);
	CHECK_STR(err->msg, "x: 70000 out of range [0, 65535]");
	berth_error_clear(&err);
	CHECK_INT(berth_json_uint64(o, "", "big", &u, &err), ==, 1);
	CHECK(u == UINT64_MAX);
	CHECK_INT(berth_json_int(o, "", "f", 0, 10, &v, &err), <, 0);
	berth_error_free(err);
	json_object_put(o);
}

BERTH_TEST(json_rejects_bad_documents)
{
	const char *bad[] = { "{", "{\"a\":1} x", "[1,]", "{\"a\" 1}", "" };
	json_object *o = NULL;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		struct berth_error *err = NULL;

		CHECK_INT(berth_json_parse(bad[i], strlen(bad[i]), &o, &err), ==, -EINVAL);
		CHECK(strstr(err->msg, "invalid JSON") != NULL);
		berth_error_free(err);
	}
}

BERTH_TEST(json_depth_limit)
{
	char buf[400];
	json_object *o = NULL;
	struct berth_error *err = NULL;

	memset(buf, '[', 200);
	memset(buf + 200, ']', 200);
	CHECK_INT(berth_json_parse(buf, sizeof(buf), &o, &err), ==, -EINVAL);
	berth_error_free(err);
}

BERTH_TEST(json_strv)
{
	json_object *o = parse("{\"a\":[\"x\",\"y\"],\"b\":[\"x\",2]}");
	struct berth_error *err = NULL;
	char **v = NULL;

	CHECK_INT(berth_json_strv(o, "p", "a", &v, &err), ==, 1);
	CHECK_INT(berth_strv_len(v), ==, 2);
	CHECK_STR(v[1], "y");
	CHECK_INT(berth_json_strv(o, "p", "b", &v, &err), <, 0);
	CHECK_STR(err->msg, "p.b[1]: expected a string, got an integer");
	berth_strv_free(v);
	berth_error_free(err);
	json_object_put(o);
}
