/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/filter.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/json.h"

struct berth_ctr_filter {
	char **keys, **values; /* parallel, NULL-terminated */
	size_t n;
};

static const char *const statuses[] = { "created", "restarting", "running", "removing",
					"paused",  "exited",	 "dead",    NULL };

static bool in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static int check_value(const char *key, const char *value, struct berth_error **err)
{
	int64_t t;

	if (strcmp(key, "status") == 0 && !in(statuses, value))
		return berth_error_set(err, EINVAL,
				       "invalid filter 'status=%s': valid values are created, "
				       "restarting, running, removing, paused, exited, dead",
				       value);
	if (strcmp(key, "exited") == 0) {
		char *end = NULL;

		errno = 0;
		strtol(value, &end, 10);
		if (errno || end == value || *end)
			return berth_error_set(err, EINVAL, "invalid filter 'exited=%s'", value);
	}
	if (strcmp(key, "name") == 0) {
		regex_t re;

		if (regcomp(&re, value, REG_EXTENDED | REG_NOSUB) != 0)
			return berth_error_set(err, EINVAL, "invalid filter 'name=%s'", value);
		regfree(&re);
	}
	if (strcmp(key, "until") == 0 && berth_parse_until(value, 0, &t, err) < 0)
		return berth_error_ret(err);
	return 0;
}

static int add(struct berth_ctr_filter *f, const char *arg, size_t klen, const char *value)
{
	char **k = realloc(f->keys, (f->n + 2) * sizeof(char *));

	if (k == NULL)
		return -ENOMEM;
	f->keys = k;
	k = realloc(f->values, (f->n + 2) * sizeof(char *));
	if (k == NULL)
		return -ENOMEM;
	f->values = k;
	f->keys[f->n] = strndup(arg, klen);
	f->values[f->n] = strdup(value);
	f->keys[f->n + 1] = f->values[f->n + 1] = NULL;
	if (f->keys[f->n] == NULL || f->values[f->n] == NULL)
		return -ENOMEM;
	f->n++;
	return 0;
}

int berth_ctr_filter_parse(char *const *args, const char *const *allowed,
			   struct berth_ctr_filter **out, struct berth_error **err)
{
	struct berth_ctr_filter *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; args && args[i]; i++) {
		const char *eq = strchr(args[i], '=');
		size_t klen = eq ? (size_t)(eq - args[i]) : 0;
		char key[32];

		if (eq == NULL || klen == 0 || klen >= sizeof(key)) {
			berth_error_set(err, EINVAL, "bad format of filter (expected name=value)");
			goto fail;
		}
		snprintf(key, sizeof(key), "%.*s", (int)klen, args[i]);
		if (!in(allowed, key)) {
			berth_error_set(err, EINVAL, "invalid filter '%s'", key);
			goto fail;
		}
		if (check_value(key, eq + 1, err) < 0)
			goto fail;
		if (add(f, args[i], klen, eq + 1) < 0) {
			berth_error_set(err, ENOMEM, "out of memory");
			goto fail;
		}
	}
	*out = f;
	return 0;
fail:
	berth_ctr_filter_free(f);
	return berth_error_ret(err);
}

void berth_ctr_filter_free(struct berth_ctr_filter *f)
{
	if (f == NULL)
		return;
	berth_strv_free(f->keys);
	berth_strv_free(f->values);
	free(f);
}

bool berth_ctr_filter_has(const struct berth_ctr_filter *f, const char *key)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return true;
	return false;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "";
}

static bool has_label(const struct berth_ctr *c, const char *want)
{
	json_object *labels = NULL, *v;
	const char *eq = strchr(want, '=');
	char key[256];

	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - want) : (int)strlen(want), want);
	if (!json_object_object_get_ex(berth_ctr_config(c), "Labels", &labels) ||
	    !json_object_object_get_ex(labels, key, &v))
		return false;
	return eq == NULL || strcmp(json_object_get_string(v), eq + 1) == 0;
}

static bool name_matches(const struct berth_ctr *c, const char *pattern)
{
	regex_t re;
	char name[300];
	bool ok;

	/* Docker matches against "/name" */
	snprintf(name, sizeof(name), "/%s", berth_ctr_name(c));
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	ok = regexec(&re, name, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static bool ancestor(const struct berth_ctr *c, const char *value, berth_image_id_fn resolve,
		     void *ctx)
{
	const char *img = str(c->record, "Image");
	const char *hex = strncmp(img, "sha256:", 7) == 0 ? img + 7 : img;
	char *id;
	bool ok;

	if (strcmp(str(berth_ctr_config(c), "Image"), value) == 0 || strcmp(img, value) == 0 ||
	    (strlen(value) >= 4 && strncmp(hex, value, strlen(value)) == 0))
		return true;
	if (resolve == NULL || (id = resolve(ctx, value)) == NULL)
		return false;
	ok = strcmp(id, img) == 0;
	free(id);
	return ok;
}

static bool one(const struct berth_ctr *c, const char *key, const char *value, int64_t now,
		berth_image_id_fn resolve, void *ctx)
{
	int64_t t;

	if (strcmp(key, "status") == 0)
		return strcmp(berth_ctr_status(c), value) == 0;
	if (strcmp(key, "id") == 0)
		return strncmp(c->id, value, strlen(value)) == 0;
	if (strcmp(key, "name") == 0)
		return name_matches(c, value);
	if (strcmp(key, "label") == 0)
		return has_label(c, value);
	if (strcmp(key, "label!") == 0)
		return !has_label(c, value);
	if (strcmp(key, "ancestor") == 0)
		return ancestor(c, value, resolve, ctx);
	if (strcmp(key, "exited") == 0) {
		json_object *v;

		return strcmp(berth_ctr_status(c), BERTH_CTR_EXITED) == 0 &&
		       json_object_object_get_ex(c->state, "ExitCode", &v) &&
		       json_object_get_int64(v) == strtol(value, NULL, 10);
	}
	if (strcmp(key, "until") == 0)
		return berth_parse_until(value, now, &t, NULL) == 0 &&
		       berth_rfc3339_unix(str(c->record, "Created")) < t;
	return false;
}

bool berth_ctr_filter_match(const struct berth_ctr_filter *f, const struct berth_ctr *c,
			    int64_t now, berth_image_id_fn resolve, void *ctx)
{
	/* each key: any of its values (label and label! : all of them, as Docker) */
	for (size_t i = 0; f && i < f->n; i++) {
		bool all = strncmp(f->keys[i], "label", 5) == 0, any = false, every = true;

		for (size_t j = 0; j < f->n; j++) {
			bool m;

			if (strcmp(f->keys[i], f->keys[j]) != 0)
				continue;
			m = one(c, f->keys[j], f->values[j], now, resolve, ctx);
			any |= m;
			every &= m;
		}
		if (all ? !every : !any)
			return false;
	}
	return true;
}

int64_t berth_rfc3339_unix(const char *s)
{
	struct tm tm = { 0 };

	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

/* Go's durations as Docker takes them: "300ms", "1.5h", "2h45m", units h m s. */
static int duration(const char *s, double *secs)
{
	double total = 0;

	if (*s == '\0')
		return -EINVAL;
	while (*s) {
		char *end = NULL;
		double v = strtod(s, &end);

		if (end == s || v < 0)
			return -EINVAL;
		if (strncmp(end, "ms", 2) == 0)
			total += v / 1000, end += 2;
		else if (*end == 'h')
			total += v * 3600, end++;
		else if (*end == 'm')
			total += v * 60, end++;
		else if (*end == 's')
			total += v, end++;
		else
			return -EINVAL;
		s = end;
	}
	*secs = total;
	return 0;
}

int berth_parse_until(const char *s, int64_t now, int64_t *out, struct berth_error **err)
{
	struct tm tm = { 0 };
	const char *end;
	double secs;
	char *e = NULL;
	long long v;

	if (duration(s, &secs) == 0) {
		*out = now - (int64_t)secs;
		return 0;
	}
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) != NULL ||
	    (memset(&tm, 0, sizeof(tm)), end = strptime(s, "%Y-%m-%d", &tm)) != NULL) {
		/* fractions and "Z" are accepted; other zones are not */
		if (*end == '.')
			end += strspn(end + 1, "0123456789") + 1;
		if (*end == '\0' || strcmp(end, "Z") == 0) {
			*out = (int64_t)timegm(&tm);
			return 0;
		}
	}
	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno == 0 && e != s && (*e == '\0' || *e == '.')) {
		*out = v;
		return 0;
	}
	if (err == NULL)
		return -EINVAL;
	return berth_error_set(err, EINVAL, "failed to parse value as time or duration: \"%s\"", s);
}
