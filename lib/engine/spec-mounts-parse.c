/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec-mounts-internal.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

/*
 * Docker's three ways of asking for mounts, parsed into one list of
 * requests with Docker's checks and messages: Binds ("-v src:dst:opts"),
 * Mounts ("--mount type=...") and Tmpfs ("--tmpfs /run:size=64m").
 */

static const char *const propagations[] = { "private", "rprivate", "shared",
					    "rshared", "slave",	   "rslave" };

static bool is_propagation(const char *s)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(propagations); i++)
		if (strcmp(s, propagations[i]) == 0)
			return true;
	return false;
}

char *berth_clean_path(const char *path, bool dotdot_ok)
{
	size_t len = strlen(path);
	char *out = malloc(len + 2);
	size_t w = 0;

	if (out == NULL)
		return NULL;
	while (*path != '\0') {
		size_t n = strcspn(path, "/");

		if (n == 2 && strncmp(path, "..", 2) == 0) {
			if (!dotdot_ok) {
				free(out);
				errno = EINVAL;
				return NULL;
			}
			while (w > 0 && out[--w] != '/')
				;
		} else if (n > 0 && !(n == 1 && *path == '.')) {
			out[w++] = '/';
			memcpy(out + w, path, n);
			w += n;
		}
		path += n + (path[n] == '/');
	}
	if (w == 0)
		out[w++] = '/';
	out[w] = '\0';
	return out;
}

/* A mount target: absolute, no "..", not "/"; *clean gets the clean form. */
int berth_mreq_check_target(const char *t, const char *where, char **clean,
			    struct berth_error **err)
{
	if (t == NULL || *t == '\0')
		return berth_error_set(err, EINVAL, "%s: field Target must not be empty", where);
	if (*t != '/')
		return berth_error_set(err, EINVAL,
				       "%s: invalid mount path: '%s' mount path must be absolute",
				       where, t);
	*clean = berth_clean_path(t, false);
	if (*clean == NULL && errno == EINVAL)
		return berth_error_set(
		    err, EINVAL, "%s: invalid mount path: '%s' must not contain '..'", where, t);
	if (*clean == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (strcmp(*clean, "/") == 0)
		return berth_error_set(
		    err, EINVAL, "%s: invalid specification: destination can't be '/'", where);
	return 0;
}

/* A bind source (absolute host path, cleaned) or a volume name (checked). */
static int set_source(struct berth_mreq *m, const char *src, const char *where,
		      struct berth_error **err)
{
	if (*src == '/') {
		m->type = BERTH_MREQ_BIND;
		m->source = berth_clean_path(src, true);
		return m->source ? 0 : berth_error_set(err, ENOMEM, "out of memory");
	}
	m->type = BERTH_MREQ_VOLUME;
	if (berth_volume_check_name(src, err) < 0)
		return berth_error_prefix(err, "%s", where);
	m->source = strdup(src);
	return m->source ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static bool is_mode_list(const char *s)
{
	while (*s != '\0') {
		size_t n = strcspn(s, ",");
		static const char *const words[] = { "ro", "rw", "z", "Z", "nocopy" };
		bool known = false;

		for (size_t i = 0; i < BERTH_ARRAY_SIZE(words); i++)
			known = known || (strlen(words[i]) == n && strncmp(s, words[i], n) == 0);
		for (size_t i = 0; i < BERTH_ARRAY_SIZE(propagations); i++)
			known = known || (strlen(propagations[i]) == n &&
					  strncmp(s, propagations[i], n) == 0);
		if (!known)
			return false;
		s += n + (s[n] == ',');
	}
	return true;
}

/* -v options: ro|rw, z|Z, nocopy, a propagation, each at most once. */
static int parse_mode(struct berth_mreq *m, const char *mode, const char *where,
		      struct berth_error **err)
{
	cleanup_free char *copy = strdup(mode);
	bool rw_seen = false, nocopy_seen = false;
	char *save = NULL;

	if (copy == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (char *o = strtok_r(copy, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save)) {
		bool dup;

		if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0) {
			dup = rw_seen;
			rw_seen = true;
			m->ro = strcmp(o, "ro") == 0;
		} else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0) {
			dup = m->relabel != 0;
			m->relabel = *o;
		} else if (strcmp(o, "nocopy") == 0) {
			dup = nocopy_seen;
			nocopy_seen = m->nocopy = true;
		} else if (is_propagation(o)) {
			dup = m->propagation != NULL;
			free(m->propagation);
			m->propagation = strdup(o);
		} else {
			return berth_error_set(err, EINVAL,
					       "%s: invalid mode: %s (unknown option '%s')", where,
					       mode, o);
		}
		if (dup)
			return berth_error_set(err, EINVAL,
					       "%s: invalid mode: %s ('%s' repeats a choice)",
					       where, mode, o);
	}
	if (m->nocopy && m->type == BERTH_MREQ_BIND)
		return berth_error_set(err, EINVAL, "%s: invalid mode: %s (nocopy is for volumes)",
				       where, mode);
	m->mode = strdup(mode);
	return m->mode ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

int berth_mreq_parse_bind(const char *spec, const char *where, struct berth_mreq *out,
			  struct berth_error **err)
{
	cleanup_free char *copy = strdup(spec);
	char *parts[4] = { NULL };
	size_t n = 0;
	struct berth_mreq m = { .inspect = true, .create_source = true };
	int ret;

	if (copy == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (char *p = copy; n < 4; n++) {
		parts[n] = p;
		p = strchr(p, ':');
		if (p == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (n > 3 || *parts[0] == '\0' || (n > 1 && *parts[1] == '\0') ||
	    (n == 3 && *parts[2] == '\0'))
		return berth_error_set(err, EINVAL, "%s: invalid volume specification: '%s'", where,
				       spec);
	/* "/dst:ro": a target with options but no source, which Docker refuses. */
	if (n == 2 && is_mode_list(parts[1]))
		return berth_error_set(err, EINVAL, "%s: invalid volume specification: '%s'", where,
				       spec);
	if (n == 1) { /* just a target: an anonymous volume */
		m.type = BERTH_MREQ_VOLUME;
		ret = berth_mreq_check_target(parts[0], where, &m.target, err);
	} else {
		ret = set_source(&m, parts[0], where, err);
		if (ret >= 0)
			ret = berth_mreq_check_target(parts[1], where, &m.target, err);
	}
	if (ret >= 0)
		ret = parse_mode(&m, n == 3 ? parts[2] : "", where, err);
	if (ret < 0) {
		berth_mreq_release(&m);
		return ret;
	}
	*out = m;
	return 0;
}

/* The options object of another type is a mistake Docker refuses. */
static int refuse_other_options(json_object *o, const char *path, const char *type,
				struct berth_error **err)
{
	static const char *const keys[][2] = { { "BindOptions", "bind" },
					       { "VolumeOptions", "volume" },
					       { "TmpfsOptions", "tmpfs" } };
	json_object *v = NULL;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(keys); i++)
		if (strcmp(type, keys[i][1]) != 0 && json_object_object_get_ex(o, keys[i][0], &v) &&
		    v != NULL)
			return berth_error_set(err, EINVAL,
					       "%s: %s must not be specified for type "
					       "\"%s\"",
					       path, keys[i][0], type);
	return 0;
}

static int mount_bind_opts(json_object *o, const char *path, struct berth_mreq *m,
			   struct berth_error **err)
{
	cleanup_free char *bp = berth_json_path(path, "BindOptions");
	json_object *b = NULL;
	const char *prop = NULL;

	if (berth_json_object(o, path, "BindOptions", &b, err) < 0 ||
	    (b != NULL && berth_json_string(b, bp, "Propagation", &prop, err) < 0))
		return berth_error_ret(err);
	if (prop == NULL || *prop == '\0')
		return 0;
	if (!is_propagation(prop))
		return berth_error_set(err, EINVAL, "%s.Propagation: invalid propagation mode: %s",
				       bp, prop);
	m->propagation = strdup(prop);
	return m->propagation ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static int mount_tmpfs_opts(json_object *o, const char *path, struct berth_mreq *m,
			    struct berth_error **err)
{
	cleanup_free char *tp = berth_json_path(path, "TmpfsOptions");
	json_object *t = NULL;
	int64_t size = 0, mode = -1;

	if (berth_json_object(o, path, "TmpfsOptions", &t, err) < 0 ||
	    (t != NULL && (berth_json_int(t, tp, "SizeBytes", 0, INT64_MAX, &size, err) < 0 ||
			   berth_json_int(t, tp, "Mode", 0, 07777, &mode, err) < 0)))
		return berth_error_ret(err);
	if (asprintf(&m->tmpfs_opts, "noexec,nosuid,nodev%s", m->ro ? ",ro" : "") < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (size > 0 || mode >= 0) {
		char *s = NULL;
		char sz[32] = "", md[32] = "";

		if (size > 0)
			snprintf(sz, sizeof(sz), ",size=%lld", (long long)size);
		if (mode >= 0)
			snprintf(md, sizeof(md), ",mode=%llo", (unsigned long long)mode);
		if (asprintf(&s, "%s%s%s", m->tmpfs_opts, sz, md) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		free(m->tmpfs_opts);
		m->tmpfs_opts = s;
	}
	return 0;
}

static int mount_type(json_object *o, const char *path, struct berth_mreq *m, const char **type,
		      struct berth_error **err)
{
	if (berth_json_as_object(o, path, err) < 0 ||
	    berth_json_string(o, path, "Type", type, err) < 0)
		return berth_error_ret(err);
	if (*type == NULL)
		return berth_error_set(err, EINVAL, "%s.Type: required (bind, volume or tmpfs)",
				       path);
	if (strcmp(*type, "bind") == 0)
		m->type = BERTH_MREQ_BIND;
	else if (strcmp(*type, "volume") == 0)
		m->type = BERTH_MREQ_VOLUME;
	else if (strcmp(*type, "tmpfs") == 0)
		m->type = BERTH_MREQ_TMPFS;
	else
		return berth_error_set(err, EINVAL, "%s.Type: mount type unknown: \"%s\"", path,
				       *type);
	return refuse_other_options(o, path, *type, err);
}

static int mount_source(const char *src, const char *path, const char *type, struct berth_mreq *m,
			struct berth_error **err)
{
	bool empty = src == NULL || *src == '\0';

	if (m->type == BERTH_MREQ_TMPFS && !empty)
		return berth_error_set(err, EINVAL,
				       "%s: invalid mount config for type \"tmpfs\": "
				       "field Source must not be specified",
				       path);
	if (m->type == BERTH_MREQ_BIND && empty)
		return berth_error_set(err, EINVAL,
				       "%s: invalid mount config for type \"bind\": "
				       "field Source must not be empty",
				       path);
	if (m->type == BERTH_MREQ_BIND && *src != '/')
		return berth_error_set(err, EINVAL,
				       "%s: invalid mount config for type \"bind\": "
				       "invalid mount path: '%s' mount path must be "
				       "absolute",
				       path, src);
	if (empty)
		return 0;
	if (m->type == BERTH_MREQ_VOLUME && *src == '/')
		return berth_error_set(err, EINVAL,
				       "%s: invalid mount config for type \"%s\": "
				       "'%s' is not a volume name",
				       path, type, src);
	return set_source(m, src, path, err);
}

int berth_mreq_parse_mount(json_object *o, const char *path, struct berth_mreq *out,
			   struct berth_error **err)
{
	cleanup_free char *vp = berth_json_path(path, "VolumeOptions");
	struct berth_mreq m = { .inspect = true };
	const char *type = NULL, *src = NULL, *dst = NULL;
	json_object *vo = NULL;
	int ret;

	ret = mount_type(o, path, &m, &type, err);
	if (ret >= 0 && (berth_json_string(o, path, "Source", &src, err) < 0 ||
			 berth_json_string(o, path, "Target", &dst, err) < 0 ||
			 berth_json_bool(o, path, "ReadOnly", &m.ro, err) < 0 ||
			 berth_json_object(o, path, "VolumeOptions", &vo, err) < 0 ||
			 (vo != NULL && berth_json_bool(vo, vp, "NoCopy", &m.nocopy, err) < 0)))
		ret = berth_error_ret(err);
	if (ret >= 0)
		ret = mount_source(src, path, type, &m, err);
	if (ret >= 0)
		ret = berth_mreq_check_target(dst, path, &m.target, err);
	if (ret >= 0 && m.type == BERTH_MREQ_BIND)
		ret = mount_bind_opts(o, path, &m, err);
	if (ret >= 0 && m.type == BERTH_MREQ_TMPFS)
		ret = mount_tmpfs_opts(o, path, &m, err);
	if (ret >= 0 && (m.mode = strdup("")) == NULL)
		ret = berth_error_set(err, ENOMEM, "out of memory");
	if (ret < 0) {
		berth_mreq_release(&m);
		return ret;
	}
	*out = m;
	return 0;
}

void berth_mreq_release(struct berth_mreq *m)
{
	free(m->source);
	free(m->target);
	free(m->propagation);
	free(m->mode);
	free(m->tmpfs_opts);
	memset(m, 0, sizeof(*m));
}

void berth_mreqs_release(struct berth_mreqs *r)
{
	for (size_t i = 0; i < r->n; i++)
		berth_mreq_release(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
