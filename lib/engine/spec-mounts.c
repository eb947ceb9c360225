/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/spec-mounts-internal.h"
#include "engine/spec-res-internal.h"
#include "engine/volume.h"
#include "runtime/copy-tree.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/*
 * The body's mounts → the spec's "mounts" (after the defaults, parents
 * before children) and Docker's inspect "Mounts".  Host sources are checked
 * (or created) here; volumes are created, verified free of symlinks and
 * filled with the image's content at their target (Docker's copy-up).  A
 * failure removes the volumes this call created.
 */

#define HC "HostConfig"
#define DEFAULT_SHM (64LL << 20)

struct apply {
	struct berth_spec_ctx *ctx;
	json_object *mounts; /* new spec mounts, in request order */
	char **created;	     /* volumes created by this call, NULL-terminated */
	size_t n_created;
};

static int note_created(struct apply *a, const char *name)
{
	char **v = realloc(a->created, (a->n_created + 2) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	a->created = v;
	v[a->n_created] = strdup(name);
	if (v[a->n_created] == NULL)
		return -ENOMEM;
	v[++a->n_created] = NULL;
	return 0;
}

/* mkdir -p of an absolute host path, as `docker run -v /missing:/x` does. */
static int mkdir_host(const char *path, struct berth_error **err)
{
	cleanup_free char *p = strdup(path);

	if (p == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s != NULL)
			*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return berth_error_errno(err, "create bind source '%s'", p);
		if (s == NULL)
			return 0;
		*s = '/';
	}
}

static int resolve_bind(struct berth_mreq *m, struct berth_error **err)
{
	struct stat st;

	if (stat(m->source, &st) == 0)
		return 0;
	if (errno == ENOENT && m->create_source)
		return mkdir_host(m->source, err);
	if (errno == ENOENT)
		return berth_error_set(err, ENOENT,
				       "invalid mount config for type \"bind\": bind "
				       "source path does not exist: %s",
				       m->source);
	return berth_error_errno(err, "bind source '%s'", m->source);
}

static bool dir_empty(int fd)
{
	int dup = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dup < 0 ? NULL : fdopendir(dup);
	struct dirent *de;
	bool empty = true;

	if (d == NULL) {
		if (dup >= 0)
			close(dup);
		return false;
	}
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Docker's copy-up: an empty volume gets what the image has at the target, owner and mode too. */
static int copy_up(struct berth_spec_ctx *ctx, const char *target, int datafd, bool *copied,
		   struct berth_error **err)
{
	cleanup_close int src = -1;
	struct stat st;

	*copied = false;
	if (ctx->rootfs_fd < 0 || !dir_empty(datafd))
		return 0;
	src = berth_openat_in_root(ctx->rootfs_fd, target, O_RDONLY | O_DIRECTORY, 0);
	if (src == -ENOENT || src == -ENOTDIR)
		return 0;
	if (src < 0) {
		errno = -src;
		return berth_error_errno(err, "copy-up: open '%s' in the image", target);
	}
	if (fstat(src, &st) < 0 || fchown(datafd, st.st_uid, st.st_gid) < 0 ||
	    fchmod(datafd, st.st_mode & 07777) < 0)
		return berth_error_errno(err, "copy-up of '%s'", target);
	if (berth_copy_tree(src, datafd, err) < 0)
		return berth_error_prefix(err, "copy-up of '%s'", target);
	*copied = true;
	return 0;
}

static int resolve_volume(struct apply *a, struct berth_mreq *m, char **path,
			  struct berth_error **err)
{
	const struct berth_userns *u = a->ctx->userns;
	struct berth_volume_create_opts o = { .name = m->source, .anonymous = m->source == NULL };
	char name[BERTH_VOLUME_NAME_MAX + 1];
	cleanup_close int fd = -1;
	bool created = false, copied = false;

	if (berth_volume_create(a->ctx->engine, &o, name, &created, err) < 0)
		return berth_error_ret(err);
	if (created && note_created(a, name) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (m->source == NULL && (m->source = strdup(name)) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (berth_volume_path(a->ctx->engine, name, path, &fd, err) < 0)
		return berth_error_ret(err);
	if (!m->nocopy && copy_up(a->ctx, m->target, fd, &copied, err) < 0)
		return berth_error_prefix(err, "volume %s", name);
	/* A fresh empty volume belongs to the container's root, as the rest of its files. */
	if (created && !copied && u != NULL && u->enabled &&
	    fchown(fd, u->uid.host, u->gid.host) < 0)
		return berth_error_errno(err, "volume %s: chown", name);
	return 0;
}

static json_object *strv_json(const char *comma_list)
{
	json_object *a = json_object_new_array();
	cleanup_free char *copy = strdup(comma_list);
	char *save = NULL;

	for (char *o = copy ? strtok_r(copy, ",", &save) : NULL; o != NULL;
	     o = strtok_r(NULL, ",", &save))
		json_object_array_add(a, json_object_new_string(o));
	return a;
}

static void add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *spec_mount(const struct berth_mreq *m, const char *source)
{
	json_object *s = json_object_new_object();
	cleanup_free char *opts = NULL;

	add_str(s, "destination", m->target);
	if (m->type == BERTH_MREQ_TMPFS) {
		add_str(s, "type", "tmpfs");
		add_str(s, "source", "tmpfs");
		json_object_object_add(s, "options", strv_json(m->tmpfs_opts));
		return s;
	}
	add_str(s, "type", "bind");
	add_str(s, "source", source);
	if (asprintf(&opts, "rbind,%s,%s", m->propagation ? m->propagation : "rprivate",
		     m->ro ? "ro" : "rw") < 0)
		opts = NULL;
	json_object_object_add(s, "options", strv_json(opts ? opts : "rbind"));
	return s;
}

static json_object *inspect_mount(const struct berth_mreq *m, const char *source)
{
	static const char *const types[] = { "bind", "volume", "tmpfs" };
	json_object *o = json_object_new_object();

	add_str(o, "Type", types[m->type]);
	if (m->type == BERTH_MREQ_VOLUME)
		add_str(o, "Name", m->source);
	add_str(o, "Source", source ? source : "");
	add_str(o, "Destination", m->target);
	if (m->type == BERTH_MREQ_VOLUME)
		add_str(o, "Driver", "local");
	add_str(o, "Mode", m->mode ? m->mode : "");
	json_object_object_add(o, "RW", json_object_new_boolean(!m->ro));
	add_str(o, "Propagation",
		m->type == BERTH_MREQ_BIND ? (m->propagation ? m->propagation : "rprivate") : "");
	return o;
}

static int resolve_one(struct apply *a, struct berth_mreq *m, struct berth_error **err)
{
	cleanup_free char *path = NULL;
	int ret = 0;

	if (m->relabel)
		berth_spec_warn(a->ctx,
				"mount %s: SELinux relabeling (:%c) is not done by berth; "
				"option ignored",
				m->target, m->relabel);
	if (m->type == BERTH_MREQ_BIND)
		ret = resolve_bind(m, err);
	else if (m->type == BERTH_MREQ_VOLUME)
		ret = resolve_volume(a, m, &path, err);
	if (ret < 0)
		return ret;
	json_object_array_add(a->mounts, spec_mount(m, path ? path : m->source));
	if (m->inspect && a->ctx->mounts_out != NULL)
		json_object_array_add(a->ctx->mounts_out,
				      inspect_mount(m, path ? path : m->source));
	return 0;
}

/* ReadonlyRootfs: root.readonly, and writable tmpfs where programs expect to write. */
static int readonly_rootfs(struct berth_spec_ctx *ctx, json_object *spec, json_object *hc,
			   struct berth_mreqs *r, struct berth_error **err)
{
	static const char *const dirs[][2] = { { "/tmp", "nosuid,nodev,mode=1777" },
					       { "/var/tmp", "nosuid,nodev,mode=1777" },
					       { "/run", "nosuid,nodev,mode=755" } };
	bool ro = false;

	if (hc != NULL && berth_json_bool(hc, HC, "ReadonlyRootfs", &ro, err) < 0)
		return berth_error_ret(err);
	json_object_object_add(berth_spec_child(spec, "root"), "readonly",
			       json_object_new_boolean(ro));
	for (size_t i = 0; ro && i < BERTH_ARRAY_SIZE(dirs); i++) {
		struct berth_mreq *v;
		bool taken = false;

		for (size_t j = 0; j < r->n; j++)
			taken = taken || strcmp(r->v[j].target, dirs[i][0]) == 0;
		if (taken)
			continue;
		v = realloc(r->v, (r->n + 1) * sizeof(*v));
		if (v == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		r->v = v;
		v[r->n] = (struct berth_mreq){ .type = BERTH_MREQ_TMPFS,
					       .target = strdup(dirs[i][0]),
					       .tmpfs_opts = strdup(dirs[i][1]) };
		if (v[r->n++].target == NULL || v[r->n - 1].tmpfs_opts == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* ShmSize: the size of the default /dev/shm (none when the user mounts there). */
static int shm_size(json_object *spec, json_object *hc, struct berth_mreqs *r,
		    struct berth_error **err)
{
	json_object *mounts = NULL;
	int64_t size = 0;
	char opt[64];

	if (hc != NULL && berth_json_int(hc, HC, "ShmSize", INT64_MIN, INT64_MAX, &size, err) < 0)
		return berth_error_ret(err);
	if (size < 0)
		return berth_error_set(err, EINVAL, HC ".ShmSize: SHM size can not be less than 0");
	for (size_t j = 0; j < r->n; j++)
		if (strcmp(r->v[j].target, "/dev/shm") == 0)
			return 0;
	if (size == 0)
		size = DEFAULT_SHM;
	if (hc != NULL)
		json_object_object_add(hc, "ShmSize", json_object_new_int64(size));
	snprintf(opt, sizeof(opt), "size=%lld", (long long)size);
	if (!json_object_object_get_ex(spec, "mounts", &mounts))
		return 0;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i), *d = NULL, *o = NULL;

		if (!json_object_object_get_ex(m, "destination", &d) ||
		    strcmp(json_object_get_string(d), "/dev/shm") != 0 ||
		    !json_object_object_get_ex(m, "options", &o))
			continue;
		for (size_t k = 0; k < json_object_array_length(o); k++)
			if (strncmp(json_object_get_string(json_object_array_get_idx(o, k)),
				    "size=", 5) == 0)
				json_object_array_put_idx(o, k, json_object_new_string(opt));
	}
	return 0;
}

static size_t depth(json_object *m)
{
	json_object *d = NULL;
	const char *s;
	size_t n = 0;

	json_object_object_get_ex(m, "destination", &d);
	for (s = json_object_get_string(d); s && *s; s++)
		n += *s == '/';
	return n;
}

/* spec.mounts = the defaults no request replaces, then the requests, parents first. */
static void merge(json_object *spec, json_object *added)
{
	json_object *old = NULL, *out = json_object_new_array();
	size_t n = json_object_array_length(added), maxd = 0;

	if (json_object_object_get_ex(spec, "mounts", &old))
		for (size_t i = 0; i < json_object_array_length(old); i++) {
			json_object *m = json_object_array_get_idx(old, i), *d = NULL;
			bool replaced = false;

			json_object_object_get_ex(m, "destination", &d);
			for (size_t j = 0; j < n && !replaced; j++) {
				json_object *ad = NULL;

				json_object_object_get_ex(json_object_array_get_idx(added, j),
							  "destination", &ad);
				replaced = strcmp(json_object_get_string(ad),
						  json_object_get_string(d)) == 0;
			}
			if (!replaced)
				json_object_array_add(out, json_object_get(m));
		}
	for (size_t j = 0; j < n; j++)
		maxd = depth(json_object_array_get_idx(added, j)) > maxd
			   ? depth(json_object_array_get_idx(added, j))
			   : maxd;
	for (size_t d = 1; d <= maxd; d++)
		for (size_t j = 0; j < n; j++)
			if (depth(json_object_array_get_idx(added, j)) == d)
				json_object_array_add(
				    out, json_object_get(json_object_array_get_idx(added, j)));
	json_object_object_add(spec, "mounts", out);
}

static void undo(struct apply *a)
{
	for (size_t i = 0; i < a->n_created; i++) {
		struct berth_error *ignored = NULL;

		berth_volume_remove(a->ctx->engine, a->created[i], &ignored);
		berth_error_free(ignored);
	}
}

int berth_spec_apply_mounts(struct berth_spec_ctx *ctx, json_object *spec, struct berth_error **err)
{
	struct berth_mreqs r = { 0 };
	struct apply a = { .ctx = ctx, .mounts = json_object_new_array() };
	json_object *hc = NULL;
	int ret = berth_json_object(ctx->create, "", HC, &hc, err);

	if (ret >= 0)
		ret = berth_mreqs_collect(ctx, &r, err);
	if (ret >= 0)
		ret = readonly_rootfs(ctx, spec, hc, &r, err);
	if (ret >= 0)
		ret = shm_size(spec, hc, &r, err);
	for (size_t i = 0; ret >= 0 && i < r.n; i++)
		ret = resolve_one(&a, &r.v[i], err);
	if (ret >= 0)
		merge(spec, a.mounts);
	else
		undo(&a);
	json_object_put(a.mounts);
	berth_strv_free(a.created);
	berth_mreqs_release(&r);
	return ret < 0 ? ret : 0;
}
