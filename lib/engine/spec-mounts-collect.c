/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec-mounts-internal.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

/* HostConfig.Tmpfs, and the gathering of every mount request of a create body. */

#define HC "HostConfig"

/* Options a tmpfs takes that are mount flags: passed on as they are. */
static const char *const tmpfs_flags[] = {
	"ro",	    "rw",	  "exec",	 "noexec",	  "suid",
	"nosuid",   "dev",	  "nodev",	 "sync",	  "async",
	"dirsync",  "atime",	  "noatime",	 "diratime",	  "nodiratime",
	"relatime", "norelatime", "strictatime", "nostrictatime", "mand",
	"nomand",
};

static bool is_flag(const char *o)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(tmpfs_flags); i++)
		if (strcmp(o, tmpfs_flags[i]) == 0)
			return true;
	return false;
}

/* key=value of a tmpfs; @norm gets the value to pass (sizes in bytes). */
static int tmpfs_data(const char *key, const char *val, const char *where, char *norm, size_t size,
		      struct berth_error **err)
{
	int64_t n;

	if (strcmp(key, "size") == 0 || strcmp(key, "nr_inodes") == 0 ||
	    strcmp(key, "nr_blocks") == 0) {
		if (berth_parse_size(val, where, 0, &n, err) < 0)
			return berth_error_ret(err);
		snprintf(norm, size, "%lld", (long long)n);
	} else if (strcmp(key, "mode") == 0) {
		if (*val == '\0' || strspn(val, "01234567") != strlen(val) || strlen(val) > 5 ||
		    strtol(val, NULL, 8) > 07777)
			return berth_error_set(
			    err, EINVAL, "%s: mode '%s' is not an octal file mode", where, val);
		snprintf(norm, size, "%s", val);
	} else if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
		if (berth_parse_int(val, where, 0, UINT32_MAX - 1, &n, err) < 0)
			return berth_error_ret(err);
		snprintf(norm, size, "%lld", (long long)n);
	} else if (strcmp(key, "mpol") == 0 || strcmp(key, "huge") == 0) {
		if (*val == '\0' || strpbrk(val, ", ") != NULL)
			return berth_error_set(err, EINVAL, "%s: invalid tmpfs option \"%s=%s\"",
					       where, key, val);
		snprintf(norm, size, "%s", val);
	} else {
		return berth_error_set(err, EINVAL, "%s: invalid tmpfs option \"%s\"", where, key);
	}
	return 0;
}

static int tmpfs_option(char *o, const char *where, char **acc, struct berth_error **err)
{
	char norm[128];
	char *eq = strchr(o, '='), *n = NULL;

	if (eq == NULL && !is_flag(o))
		return berth_error_set(err, EINVAL, "%s: invalid tmpfs option \"%s\"", where, o);
	if (eq != NULL) {
		*eq = '\0';
		if (tmpfs_data(o, eq + 1, where, norm, sizeof(norm), err) < 0)
			return berth_error_ret(err);
	}
	if (asprintf(&n, "%s,%s%s%s", *acc, o, eq ? "=" : "", eq ? norm : "") < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	free(*acc);
	*acc = n;
	return 0;
}

int berth_mreq_parse_tmpfs(const char *target, const char *opts, const char *where,
			   struct berth_mreq *out, struct berth_error **err)
{
	cleanup_free char *copy = strdup(opts ? opts : "");
	struct berth_mreq m = { .type = BERTH_MREQ_TMPFS };
	char *save = NULL;
	int ret;

	/* Docker's defaults come first, so "exec" given by the user wins over "noexec". */
	m.tmpfs_opts = strdup("noexec,nosuid,nodev");
	m.mode = strdup("");
	if (copy == NULL || m.tmpfs_opts == NULL || m.mode == NULL)
		ret = berth_error_set(err, ENOMEM, "out of memory");
	else
		ret = berth_mreq_check_target(target, where, &m.target, err);
	for (char *o = ret < 0 ? NULL : strtok_r(copy, ",", &save); o != NULL;
	     o = strtok_r(NULL, ",", &save)) {
		ret = tmpfs_option(o, where, &m.tmpfs_opts, err);
		if (ret < 0)
			break;
		if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0)
			m.ro = strcmp(o, "ro") == 0;
	}
	if (ret < 0) {
		berth_mreq_release(&m);
		return ret;
	}
	*out = m;
	return 0;
}

static struct berth_mreq *find_target(struct berth_mreqs *r, const char *target)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].target, target) == 0)
			return &r->v[i];
	return NULL;
}

/* Take @m into @r (released on failure): two mounts on one target are refused. */
static int push(struct berth_mreqs *r, struct berth_mreq *m, struct berth_error **err)
{
	struct berth_mreq *v;

	if (find_target(r, m->target) != NULL) {
		berth_error_set(err, EINVAL, "Duplicate mount point: %s", m->target);
		berth_mreq_release(m);
		return berth_error_ret(err);
	}
	v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (v == NULL) {
		berth_mreq_release(m);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	r->v = v;
	r->v[r->n++] = *m;
	return 0;
}

static int collect_binds(json_object *hc, struct berth_mreqs *r, struct berth_error **err)
{
	cleanup_strv char **binds = NULL;

	if (berth_json_strv(hc, HC, "Binds", &binds, err) < 0)
		return berth_error_ret(err);
	for (size_t i = 0; binds != NULL && binds[i] != NULL; i++) {
		cleanup_free char *where = berth_json_index(HC ".Binds", i);
		struct berth_mreq m;

		if (berth_mreq_parse_bind(binds[i], where, &m, err) < 0 || push(r, &m, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

static int collect_mounts(json_object *hc, struct berth_mreqs *r, struct berth_error **err)
{
	json_object *arr = NULL;
	int ret = berth_json_array(hc, HC, "Mounts", &arr, err);
	size_t n = ret > 0 ? json_object_array_length(arr) : 0;

	for (size_t i = 0; ret >= 0 && i < n; i++) {
		cleanup_free char *where = berth_json_index(HC ".Mounts", i);
		struct berth_mreq m;

		ret = berth_mreq_parse_mount(json_object_array_get_idx(arr, i), where, &m, err);
		if (ret >= 0)
			ret = push(r, &m, err);
	}
	return ret < 0 ? ret : 0;
}

static int collect_tmpfs(json_object *hc, struct berth_mreqs *r, struct berth_error **err)
{
	json_object *map = NULL;
	int ret = berth_json_string_map(hc, HC, "Tmpfs", &map, err);

	if (ret <= 0)
		return ret;
	json_object_object_foreach (map, target, val) {
		cleanup_free char *where = berth_json_path(HC ".Tmpfs", target);
		struct berth_mreq m;

		if (berth_mreq_parse_tmpfs(target, json_object_get_string(val), where, &m, err) <
			0 ||
		    push(r, &m, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

/* The keys of @obj's "Volumes" ({"/data": {}}): anonymous volumes where nothing else mounts. */
static int collect_anonymous(json_object *obj, const char *path, struct berth_mreqs *r,
			     struct berth_error **err)
{
	cleanup_free char *vp = berth_json_path(path, "Volumes");
	json_object *map = NULL;
	int ret = obj ? berth_json_object(obj, path, "Volumes", &map, err) : 0;

	if (ret <= 0)
		return ret;
	json_object_object_foreach (map, target, val) {
		cleanup_free char *where = berth_json_path(vp, target);
		struct berth_mreq m = { .type = BERTH_MREQ_VOLUME, .inspect = true };

		(void)val;
		if (berth_mreq_check_target(target, where, &m.target, err) < 0 ||
		    (m.mode = strdup("")) == NULL) {
			berth_mreq_release(&m);
			return *err ? berth_error_ret(err)
				    : berth_error_set(err, ENOMEM, "out of memory");
		}
		if (find_target(r, m.target) != NULL) {
			berth_mreq_release(&m);
			continue;
		}
		if (push(r, &m, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

int berth_mreqs_collect(struct berth_spec_ctx *ctx, struct berth_mreqs *out,
			struct berth_error **err)
{
	struct berth_mreqs r = { 0 };
	json_object *hc = NULL;
	int ret = berth_json_object(ctx->create, "", HC, &hc, err);

	if (ret > 0 && (collect_binds(hc, &r, err) < 0 || collect_mounts(hc, &r, err) < 0 ||
			collect_tmpfs(hc, &r, err) < 0))
		ret = berth_error_ret(err);
	if (ret >= 0)
		ret = collect_anonymous(ctx->create, "", &r, err);
	if (ret >= 0)
		ret = collect_anonymous(ctx->image_config, "image config", &r, err);
	if (ret < 0) {
		berth_mreqs_release(&r);
		return ret;
	}
	*out = r;
	return 0;
}
