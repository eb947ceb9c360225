/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/units.h"

/*
 * Defaults when /etc/berth/berth.conf says nothing: a memory limit and a
 * pids limit on every container (CIS 5.10, 5.28), an explicit CPU weight
 * (CIS 5.11: docker-bench flags 0 and 1024; only the ratio between sibling
 * containers matters), user namespaces on.
 */
void berth_conf_defaults(struct berth_engine_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->memory = 2LL << 30;
	c->cpu_shares = 512;
	c->pids_limit = 2048;
	c->ulimits[0] = strdup("nofile=1024:4096");
	c->log_driver = strdup("json-file");
	c->userns_remap = true;
	c->cgroup_parent = strdup("berth");
}

void berth_conf_release(struct berth_engine_conf *c)
{
	for (size_t i = 0; i < BERTH_CONF_MAX_LIST; i++) {
		free(c->ulimits[i]);
		free(c->log_opts[i]);
	}
	free(c->log_driver);
	free(c->storage_driver);
	free(c->seccomp_profile);
	free(c->cgroup_parent);
	memset(c, 0, sizeof(*c));
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int set_str(char **dst, const char *v, struct berth_error **err)
{
	char *s = strdup(v);

	if (s == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

/* Repeatable keys: the first one in the file replaces the built-in list. */
static int add_list(char **list, bool *replaced, const char *v, struct berth_error **err,
		    const char *key)
{
	size_t n = 0;

	if (!*replaced) {
		for (size_t i = 0; i < BERTH_CONF_MAX_LIST; i++) {
			free(list[i]);
			list[i] = NULL;
		}
		*replaced = true;
	}
	while (n < BERTH_CONF_MAX_LIST - 1 && list[n] != NULL)
		n++;
	if (n == BERTH_CONF_MAX_LIST - 1)
		return berth_error_set(err, E2BIG, "%s: more than %d values", key,
				       BERTH_CONF_MAX_LIST - 1);
	if (strchr(v, '=') == NULL)
		return berth_error_set(err, EINVAL, "%s: expected NAME=VALUE, got \"%s\"", key, v);
	list[n] = strdup(v);
	return list[n] ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static int set_limit(int64_t *dst, const char *key, const char *v, bool size,
		     struct berth_error **err)
{
	if (strcmp(v, "none") == 0) {
		*dst = 0;
		return 0;
	}
	if (size)
		return berth_parse_size(v, key, 0, dst, err);
	return berth_parse_int(v, key, 0, INT64_MAX, dst, err);
}

struct lists {
	bool ulimits, log_opts;
};

static int apply(struct berth_engine_conf *c, struct lists *l, const char *k, const char *v,
		 struct berth_error **err)
{
	if (strcmp(k, "memory") == 0)
		return set_limit(&c->memory, k, v, true, err);
	if (strcmp(k, "cpu_shares") == 0) {
		if (strcmp(v, "none") == 0) {
			c->cpu_shares = 0;
			return 0;
		}
		return berth_parse_int(v, k, 2, 262144, &c->cpu_shares, err);
	}
	if (strcmp(k, "pids_limit") == 0)
		return set_limit(&c->pids_limit, k, v, false, err);
	if (strcmp(k, "ulimit") == 0)
		return add_list(c->ulimits, &l->ulimits, v, err, k);
	if (strcmp(k, "log_opt") == 0)
		return add_list(c->log_opts, &l->log_opts, v, err, k);
	if (strcmp(k, "log_driver") == 0)
		return set_str(&c->log_driver, v, err);
	if (strcmp(k, "storage_driver") == 0) {
		if (strcmp(v, "overlay") != 0 && strcmp(v, "vfs") != 0)
			return berth_error_set(err, EINVAL,
					       "storage_driver: \"%s\" is not overlay or vfs", v);
		return set_str(&c->storage_driver, v, err);
	}
	if (strcmp(k, "userns") == 0) {
		if (strcmp(v, "remap") != 0 && strcmp(v, "host") != 0)
			return berth_error_set(err, EINVAL, "userns: \"%s\" is not remap or host",
					       v);
		c->userns_remap = strcmp(v, "remap") == 0;
		return 0;
	}
	if (strcmp(k, "seccomp_profile") == 0) {
		if (v[0] != '/')
			return berth_error_set(
			    err, EINVAL, "seccomp_profile: \"%s\" is not an absolute path", v);
		return set_str(&c->seccomp_profile, v, err);
	}
	if (strcmp(k, "cgroup_parent") == 0) {
		if (v[0] == '\0' || strstr(v, "..") != NULL)
			return berth_error_set(err, EINVAL, "cgroup_parent: bad value \"%s\"", v);
		return set_str(&c->cgroup_parent, v, err);
	}
	return berth_error_set(err, EINVAL, "unknown key \"%s\"", k);
}

int berth_conf_load(const char *path, struct berth_engine_conf *c, struct berth_error **err)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	cleanup_free char *line = NULL;
	struct lists l = { 0 };
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		return berth_error_errno(err, "open %s", path);
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *s, *eq, *k, *v;

		lineno++;
		/* A NUL would silently cut the line short. */
		if (memchr(line, '\0', (size_t)len) != NULL)
			return berth_error_set(err, EINVAL, "%s:%u: NUL byte", path, lineno);
		s = line;
		if ((eq = strchr(s, '#')) != NULL)
			*eq = '\0';
		s = trim(s);
		if (*s == '\0')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL)
			return berth_error_set(err, EINVAL, "%s:%u: expected \"key = value\"", path,
					       lineno);
		*eq = '\0';
		k = trim(s);
		v = trim(eq + 1);
		if (apply(c, &l, k, v, err) < 0)
			return berth_error_prefix(err, "%s:%u", path, lineno);
	}
	return 0;
}
