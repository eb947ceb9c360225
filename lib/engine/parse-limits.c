/* SPDX-License-Identifier: Apache-2.0 */
/* Limits of run/create flags: ulimits, restart policies, devices and their throttles, caps. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/parse-flags.h"
#include "oci/spec.h"
#include "util/cleanup.h"

static const char *const ulimit_names[] = {
	"core",	  "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
	"nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
};

static int ulimit_known(const char *name, size_t len)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(ulimit_names); i++)
		if (strlen(ulimit_names[i]) == len && strncmp(ulimit_names[i], name, len) == 0)
			return 1;
	return 0;
}

static json_object *ulimit_json(const char *name, size_t len, int64_t soft, int64_t hard)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "Name", json_object_new_string_len(name, (int)len));
	json_object_object_add(o, "Soft", json_object_new_int64(soft));
	json_object_object_add(o, "Hard", json_object_new_int64(hard));
	return o;
}

int berth_flag_ulimit(const char *s, json_object **out, struct berth_error **err)
{
	const char *eq = strchr(s, '=');
	cleanup_free char *soft_s = NULL;
	const char *hard_s;
	int64_t soft, hard;

	if (eq == NULL)
		return berth_error_set(err, EINVAL, "invalid ulimit argument: %s", s);
	if (!ulimit_known(s, (size_t)(eq - s)))
		return berth_error_set(err, EINVAL, "invalid ulimit type: %.*s", (int)(eq - s), s);
	soft_s = strdup(eq + 1);
	if (soft_s == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	hard_s = strchr(soft_s, ':');
	if (hard_s != NULL && strchr(hard_s + 1, ':') != NULL)
		return berth_error_set(err, EINVAL,
				       "too many limit value arguments - %s, can only have up to "
				       "two, `soft[:hard]`",
				       eq + 1);
	if (hard_s != NULL)
		soft_s[hard_s++ - soft_s] = '\0';
	/* ERANGE for a number past int64, as berth_flag_int says. */
	if (hard_s != NULL && berth_flag_int(hard_s, INT64_MIN, INT64_MAX, &hard, err) < 0)
		return berth_error_ret(err);
	if (berth_flag_int(soft_s, INT64_MIN, INT64_MAX, &soft, err) < 0)
		return berth_error_ret(err);
	if (hard_s == NULL)
		hard = soft;
	if (hard != -1 && soft > hard)
		return berth_error_set(
		    err, EINVAL,
		    "ulimit soft limit must be less than or equal to hard limit: "
		    "%lld > %lld",
		    (long long)soft, (long long)hard);
	*out = ulimit_json(s, (size_t)(eq - s), soft, hard);
	return 0;
}

static json_object *restart_json(const char *name, size_t len, int64_t count)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "Name", json_object_new_string_len(name, (int)len));
	json_object_object_add(o, "MaximumRetryCount", json_object_new_int64(count));
	return o;
}

int berth_flag_restart(const char *s, json_object **out, struct berth_error **err)
{
	static const char *const names[] = { "no", "always", "on-failure", "unless-stopped" };
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	struct berth_error *inner = NULL;
	int64_t count = 0;
	size_t i;

	if (colon != NULL && len == 0)
		return berth_error_set(
		    err, EINVAL, "invalid restart policy format: no policy provided before colon");
	if (colon != NULL && colon[1] != '\0' &&
	    berth_flag_int(colon + 1, INT32_MIN, INT32_MAX, &count, &inner) < 0) {
		berth_error_free(inner);
		return berth_error_set(err, EINVAL,
				       "invalid restart policy format: maximum retry "
				       "count must be an integer");
	}
	for (i = 0; i < BERTH_ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
			break;
	if (i == BERTH_ARRAY_SIZE(names))
		return berth_error_set(err, EINVAL,
				       "invalid restart policy: unknown policy '%.*s'; use one of "
				       "'no', 'always', 'on-failure', or 'unless-stopped'",
				       (int)len, s);
	if (i != 2 && count != 0)
		return berth_error_set(
		    err, EINVAL,
		    "invalid restart policy: maximum retry count can only be used "
		    "with 'on-failure'%s",
		    count < 0 ? " and cannot be negative" : "");
	if (count < 0)
		return berth_error_set(
		    err, EINVAL, "invalid restart policy: maximum retry count cannot be negative");
	*out = restart_json(s, len, count);
	return 0;
}

/* Docker's validDeviceMode: one to three of r, w, m, none twice. */
static int device_mode(const char *m)
{
	int seen[3] = { 0 };
	size_t n = strlen(m);

	if (n == 0 || n > 3)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *k = strchr("rwm", m[i]);

		if (m[i] == '\0' || k == NULL || seen[k - "rwm"]++)
			return 0;
	}
	return 1;
}

static json_object *device_json(const char *host, const char *ctr, const char *perms)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "PathOnHost", json_object_new_string(host));
	json_object_object_add(o, "PathInContainer", json_object_new_string(ctr));
	json_object_object_add(o, "CgroupPermissions", json_object_new_string(perms));
	return o;
}

int berth_flag_device(const char *s, json_object **out, struct berth_error **err)
{
	cleanup_free char *copy = strdup(s);
	char *part[4] = { NULL };
	const char *dst, *perms = "rwm";
	size_t n = 0;

	if (copy == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (char *p = copy, *c; n < 4; p = c + 1) {
		part[n++] = p;
		c = strchr(p, ':');
		if (c == NULL)
			break;
		*c = '\0';
	}
	if (n > 3 || part[0][0] == '\0')
		return berth_error_set(err, EINVAL, "bad format for path: %s", s);
	dst = part[0];
	if (n == 2 && device_mode(part[1]))
		perms = part[1];
	else if (n >= 2)
		dst = part[1];
	if (n == 3 && !device_mode(part[2]))
		return berth_error_set(err, EINVAL, "bad mode specified: %s", part[2]);
	if (n == 3)
		perms = part[2];
	if (dst[0] != '/')
		return berth_error_set(err, EINVAL, "%s is not an absolute path", dst);
	*out = device_json(part[0], dst, perms);
	return 0;
}

/* "/dev/x:VALUE" split at the first colon; *val points into @s. */
static int device_pair(const char *s, size_t *plen, const char **val, struct berth_error **err)
{
	const char *colon = strchr(s, ':');

	if (colon == NULL)
		return berth_error_set(err, EINVAL, "bad format: %s", s);
	if (strncmp(s, "/dev/", 5) != 0)
		return berth_error_set(err, EINVAL, "bad format for device path: %s", s);
	*plen = (size_t)(colon - s);
	*val = colon + 1;
	return 0;
}

static json_object *path_value(const char *path, size_t plen, const char *key, int64_t v)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "Path", json_object_new_string_len(path, (int)plen));
	json_object_object_add(o, key, json_object_new_int64(v));
	return o;
}

int berth_flag_throttle(const char *s, int iops, json_object **out, struct berth_error **err)
{
	struct berth_error *inner = NULL;
	const char *val;
	size_t plen;
	int64_t rate;
	int ret;

	if (device_pair(s, &plen, &val, err) < 0)
		return berth_error_ret(err);
	ret = iops ? berth_flag_int(val, 0, INT64_MAX, &rate, &inner)
		   : berth_flag_ram_bytes(val, &rate, &inner);
	berth_error_free(inner);
	if (ret < 0 && iops)
		return berth_error_set(err, EINVAL,
				       "invalid rate for device: %s. The correct format is "
				       "<device-path>:<number>. Number must be a positive integer",
				       s);
	if (ret < 0)
		return berth_error_set(err, EINVAL,
				       "invalid rate for device: %s. The correct format is "
				       "<device-path>:<number>[<unit>]. Number must be a positive "
				       "integer. Unit is optional and can be kb, mb, or gb",
				       s);
	*out = path_value(s, plen, "Rate", rate);
	return 0;
}

int berth_flag_weight_device(const char *s, json_object **out, struct berth_error **err)
{
	struct berth_error *inner = NULL;
	const char *val;
	size_t plen;
	int64_t w;

	if (device_pair(s, &plen, &val, err) < 0)
		return berth_error_ret(err);
	if (berth_flag_int(val, 0, 65535, &w, &inner) < 0 || val[0] == '-' || val[0] == '+' ||
	    (w > 0 && (w < 10 || w > 1000))) {
		berth_error_free(inner);
		return berth_error_set(err, EINVAL, "invalid weight for device: %s", s);
	}
	*out = path_value(s, plen, "Weight", w);
	return 0;
}

/* A decimal number or "*", ending at @stop; advances *p past it. */
static int rule_number(const char **p, char stop)
{
	const char *q = *p;

	if (*q == '*')
		q++;
	else
		while (isdigit((unsigned char)*q))
			q++;
	if (q == *p || *q != stop)
		return 0;
	*p = q + 1;
	return 1;
}

int berth_flag_device_cgroup_rule(const char *s, struct berth_error **err)
{
	const char *p = s + 2;
	size_t n;

	if (s[0] == '\0' || strchr("acb", s[0]) == NULL || s[1] != ' ' || !rule_number(&p, ':') ||
	    !rule_number(&p, ' '))
		goto bad;
	n = strspn(p, "rwm");
	if (n == 0 || n > 3 || p[n] != '\0')
		goto bad;
	return 0;
bad:
	return berth_error_set(err, EINVAL, "invalid device cgroup format '%s'", s);
}
