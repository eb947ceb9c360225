/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec-res-internal.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

/*
 * HostConfig.Ulimits ([{Name, Soft, Hard}], Docker's names) merged with
 * berth.conf's "ulimit = nofile=1024:4096" defaults → process.rlimits.  The
 * merged list is written back to HostConfig.Ulimits, as Docker's daemon
 * merges its default ulimits into the container's HostConfig.
 */

#define HC_ULIMITS "HostConfig.Ulimits"

struct ulimit {
	const char *name;
	const char *rlimit;
};

/* go-units' names, plus "as" (RLIMIT_AS). */
static const struct ulimit ulimits[] = {
	{ "as", "RLIMIT_AS" },
	{ "core", "RLIMIT_CORE" },
	{ "cpu", "RLIMIT_CPU" },
	{ "data", "RLIMIT_DATA" },
	{ "fsize", "RLIMIT_FSIZE" },
	{ "locks", "RLIMIT_LOCKS" },
	{ "memlock", "RLIMIT_MEMLOCK" },
	{ "msgqueue", "RLIMIT_MSGQUEUE" },
	{ "nice", "RLIMIT_NICE" },
	{ "nofile", "RLIMIT_NOFILE" },
	{ "nproc", "RLIMIT_NPROC" },
	{ "rss", "RLIMIT_RSS" },
	{ "rtprio", "RLIMIT_RTPRIO" },
	{ "rttime", "RLIMIT_RTTIME" },
	{ "sigpending", "RLIMIT_SIGPENDING" },
	{ "stack", "RLIMIT_STACK" },
};

static const struct ulimit *find(const char *name)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(ulimits); i++)
		if (strcmp(ulimits[i].name, name) == 0)
			return &ulimits[i];
	return NULL;
}

/* Check one {Name, Soft, Hard}; -1 is unlimited. */
static int check(const char *where, const char *name, int64_t soft, int64_t hard,
		 struct berth_error **err)
{
	if (find(name) == NULL)
		return berth_error_set(err, EINVAL, "%s: invalid ulimit type: %s", where, name);
	if (soft < -1 || hard < -1)
		return berth_error_set(err, EINVAL, "%s: ulimit %s: negative limit", where, name);
	if (hard != -1 && (soft == -1 || soft > hard))
		return berth_error_set(err, EINVAL,
				       "%s: ulimit soft limit must be less than or equal to hard "
				       "limit: %lld > %lld",
				       where, (long long)soft, (long long)hard);
	return 0;
}

static json_object *entry(const char *name, int64_t soft, int64_t hard)
{
	json_object *u = json_object_new_object();

	json_object_object_add(u, "Name", json_object_new_string(name));
	json_object_object_add(u, "Hard", json_object_new_int64(hard));
	json_object_object_add(u, "Soft", json_object_new_int64(soft));
	return u;
}

/* The body's list, checked, as a new array (the caller puts it). */
static int body_ulimits(json_object *hc, json_object **out, struct berth_error **err)
{
	json_object *arr = NULL, *v = json_object_new_array();
	int ret = berth_json_array(hc, "HostConfig", "Ulimits", &arr, err);
	size_t n = ret > 0 ? json_object_array_length(arr) : 0;

	for (size_t i = 0; ret >= 0 && i < n; i++) {
		cleanup_free char *ep = berth_json_index(HC_ULIMITS, i);
		json_object *e = json_object_array_get_idx(arr, i);
		const char *name = NULL;
		int64_t soft = 0, hard = 0;

		if (berth_json_as_object(e, ep, err) < 0 ||
		    berth_json_string(e, ep, "Name", &name, err) < 0 ||
		    berth_json_int(e, ep, "Soft", INT64_MIN, INT64_MAX, &soft, err) < 0 ||
		    berth_json_int(e, ep, "Hard", INT64_MIN, INT64_MAX, &hard, err) < 0 ||
		    check(ep, name ? name : "", soft, hard, err) < 0)
			ret = berth_error_ret(err);
		else
			json_object_array_add(v, entry(name, soft, hard));
	}
	if (ret < 0) {
		json_object_put(v);
		return ret;
	}
	*out = v;
	return 0;
}

static bool has_name(json_object *arr, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *n = NULL;

		json_object_object_get_ex(json_object_array_get_idx(arr, i), "Name", &n);
		if (strcmp(json_object_get_string(n), name) == 0)
			return true;
	}
	return false;
}

static int parse_limit(const char *s, const char *what, int64_t *out, struct berth_error **err)
{
	if (strcmp(s, "unlimited") == 0) {
		*out = -1;
		return 0;
	}
	return berth_parse_int(s, what, -1, INT64_MAX, out, err);
}

/* "name=soft[:hard]" of berth.conf, appended to @arr unless the body set that name. */
static int conf_ulimit(const char *line, json_object *arr, struct berth_error **err)
{
	cleanup_free char *copy = strdup(line);
	cleanup_free char *where = NULL;
	char *eq, *colon;
	int64_t soft, hard;

	if (copy == NULL || asprintf(&where, "berth.conf: ulimit = %s", line) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	eq = strchr(copy, '=');
	if (eq == NULL)
		return berth_error_set(err, EINVAL, "%s: expected name=soft[:hard]", where);
	*eq++ = '\0';
	colon = strchr(eq, ':');
	if (colon != NULL)
		*colon++ = '\0';
	if (parse_limit(eq, where, &soft, err) < 0 ||
	    parse_limit(colon ? colon : eq, where, &hard, err) < 0 ||
	    check(where, copy, soft, hard, err) < 0)
		return berth_error_ret(err);
	if (!has_name(arr, copy))
		json_object_array_add(arr, entry(copy, soft, hard));
	return 0;
}

/* Replace or append the rlimit of @type in process.rlimits. */
static void set_rlimit(json_object *rls, const char *type, int64_t soft, int64_t hard)
{
	json_object *r = json_object_new_object();
	size_t n = json_object_array_length(rls);

	json_object_object_add(r, "type", json_object_new_string(type));
	json_object_object_add(r, "hard",
			       json_object_new_uint64(hard < 0 ? UINT64_MAX : (uint64_t)hard));
	json_object_object_add(r, "soft",
			       json_object_new_uint64(soft < 0 ? UINT64_MAX : (uint64_t)soft));
	for (size_t i = 0; i < n; i++) {
		json_object *t = NULL;

		if (json_object_object_get_ex(json_object_array_get_idx(rls, i), "type", &t) &&
		    json_object_is_type(t, json_type_string) &&
		    strcmp(json_object_get_string(t), type) == 0) {
			json_object_array_put_idx(rls, i, r);
			return;
		}
	}
	json_object_array_add(rls, r);
}

int berth_spec_apply_ulimits(struct berth_spec_ctx *ctx, json_object *spec, json_object *hc,
			     struct berth_error **err)
{
	json_object *arr = NULL, *proc, *rls = NULL;
	size_t n;

	if (body_ulimits(hc, &arr, err) < 0)
		return berth_error_ret(err);
	for (char *const *c = ctx->engine->conf.ulimits; *c != NULL; c++) {
		if (conf_ulimit(*c, arr, err) < 0) {
			json_object_put(arr);
			return berth_error_ret(err);
		}
	}
	n = json_object_array_length(arr);
	if (n == 0) {
		json_object_put(arr);
		return 0;
	}
	proc = berth_spec_child(spec, "process");
	if (!json_object_object_get_ex(proc, "rlimits", &rls) ||
	    !json_object_is_type(rls, json_type_array)) {
		rls = json_object_new_array();
		json_object_object_add(proc, "rlimits", rls);
	}
	for (size_t i = 0; i < n; i++) {
		json_object *u = json_object_array_get_idx(arr, i), *name, *soft, *hard;

		json_object_object_get_ex(u, "Name", &name);
		json_object_object_get_ex(u, "Soft", &soft);
		json_object_object_get_ex(u, "Hard", &hard);
		set_rlimit(rls, find(json_object_get_string(name))->rlimit,
			   json_object_get_int64(soft), json_object_get_int64(hard));
	}
	json_object_object_add(hc, "Ulimits", arr);
	return 0;
}
