/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/* Saving/reopening a handle, listing and signalling its processes. */

static json_object *dir_json(const struct berth_cg_dir *d)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "controllers", json_object_new_string(d->ctrls));
	json_object_object_add(o, "mount", json_object_new_string(d->mount));
	json_object_object_add(o, "path", json_object_new_string(d->path));
	return o;
}

char *berth_cgroup_save(const struct berth_cgroup *cg)
{
	json_object *o = json_object_new_object();
	json_object *v1 = json_object_new_array();
	char *s;

	json_object_object_add(o, "mode", json_object_new_int(cg->mode));
	json_object_object_add(o, "root", json_object_new_string(cg->fs_root));
	for (size_t i = 0; i < cg->n_v1; i++)
		json_object_array_add(v1, dir_json(&cg->v1[i]));
	json_object_object_add(o, "v1", v1);
	if (cg->v2 != NULL)
		json_object_object_add(o, "v2", dir_json(cg->v2));
	s = berth_json_dump(o);
	json_object_put(o);
	return s;
}

static int load_dir(json_object *o, const char *path, struct berth_cg_dir *d,
		    struct berth_error **err)
{
	const char *c = NULL, *m = NULL, *p = NULL;

	d->fd = -1;
	if (berth_json_as_object(o, path, err) < 0 ||
	    berth_json_string(o, path, "controllers", &c, err) < 0 ||
	    berth_json_string(o, path, "mount", &m, err) < 0 ||
	    berth_json_string(o, path, "path", &p, err) < 0)
		return berth_error_ret(err);
	if (c == NULL || m == NULL || p == NULL || *p != '/' || strstr(p, "/..") != NULL)
		return berth_error_set(err, EINVAL, "saved cgroup %s: incomplete", path);
	d->ctrls = strdup(c);
	d->mount = strdup(m);
	d->path = strdup(p);
	if (d->ctrls == NULL || d->mount == NULL || d->path == NULL ||
	    asprintf(&d->full, "%s%s", m, p) < 0) {
		d->full = NULL;
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	/*
	 * Opened when first used (berth_cg_open_dir): delete needs no fd at all,
	 * and the directory may be gone already (delete after a crash).
	 */
	return 0;
}

static int load(json_object *o, struct berth_cgroup *cg, struct berth_error **err)
{
	json_object *v1 = NULL, *v2 = NULL;
	int64_t mode = 0;
	const char *root = NULL;

	if (berth_json_int(o, "", "mode", 1, 3, &mode, err) < 0 ||
	    berth_json_string(o, "", "root", &root, err) < 0 ||
	    berth_json_array(o, "", "v1", &v1, err) < 0 ||
	    berth_json_object(o, "", "v2", &v2, err) < 0)
		return berth_error_ret(err);
	if (mode == 0 || root == NULL || (cg->fs_root = strdup(root)) == NULL)
		return berth_error_set(err, EINVAL, "saved cgroup: mode and root are required");
	cg->mode = (int)mode;
	cg->ops = mode == BERTH_CGROUP_V2 ? &berth_cgroup_v2_ops : &berth_cgroup_v1_ops;
	if (v1 != NULL && json_object_array_length(v1) > 0) {
		cg->v1 = calloc(json_object_array_length(v1), sizeof(*cg->v1));
		if (cg->v1 == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		for (size_t i = 0; i < json_object_array_length(v1); i++) {
			cleanup_free char *p = berth_json_index("v1", i);

			cg->n_v1++;
			if (load_dir(json_object_array_get_idx(v1, i), p, &cg->v1[i], err) < 0)
				return berth_error_ret(err);
		}
	}
	if (v2 == NULL)
		return 0;
	if ((cg->v2 = calloc(1, sizeof(*cg->v2))) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return load_dir(v2, "v2", cg->v2, err);
}

int berth_cgroup_open(const char *saved, struct berth_cgroup **out, struct berth_error **err)
{
	json_object *o = NULL;
	struct berth_cgroup *cg;
	int ret;

	if (berth_json_parse(saved, strlen(saved), &o, err) < 0)
		return berth_error_prefix(err, "saved cgroup");
	cg = calloc(1, sizeof(*cg));
	if (cg == NULL) {
		json_object_put(o);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	ret = load(o, cg, err);
	json_object_put(o);
	if (ret < 0) {
		berth_cgroup_free(cg);
		return ret;
	}
	*out = cg;
	return 0;
}

/* Where membership is read: the v2 cgroup on v2, else a v1 hierarchy (freezer first). */
static struct berth_cg_dir *primary(struct berth_cgroup *cg)
{
	struct berth_cg_dir *d = NULL;

	if (cg->mode == BERTH_CGROUP_V2)
		return cg->v2;
	if ((d = berth_cg_find_v1(cg, "freezer")) == NULL)
		d = berth_cg_find_v1(cg, "pids");
	if (d == NULL)
		d = cg->n_v1 ? &cg->v1[0] : cg->v2;
	return d;
}

struct pidv {
	pid_t *v;
	size_t n, cap;
};

static int add_pids(int cgfd, struct pidv *pv, int depth)
{
	struct berth_error *err = NULL;
	cleanup_free char *buf = NULL;
	DIR *dir;
	struct dirent *e;
	int ret = 0, fd;

	if (berth_read_file_at(cgfd, "cgroup.procs", 1 << 22, &buf, NULL, &err) < 0) {
		ret = -err->code;
		berth_error_free(err);
		return ret;
	}
	for (char *p = buf; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != '\0')) {
		if (pv->n == pv->cap) {
			pid_t *nv = realloc(pv->v, (pv->cap = pv->cap * 2 + 16) * sizeof(*nv));

			if (nv == NULL)
				return -ENOMEM;
			pv->v = nv;
		}
		pv->v[pv->n++] = (pid_t)strtol(p, NULL, 10);
	}
	if ((fd = openat(cgfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while (depth < 64 && ret == 0 && (e = readdir(dir)) != NULL) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cleanup_close int sub =
		    openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub >= 0)
			ret = add_pids(sub, pv, depth + 1);
		if (ret == -ENOENT) /* removed meanwhile */
			ret = 0;
	}
	closedir(dir);
	return ret;
}

int berth_cgroup_pids(struct berth_cgroup *cg, pid_t **pids, size_t *n, struct berth_error **err)
{
	struct berth_cg_dir *d = primary(cg);
	struct pidv pv = { 0 };
	int ret;

	if (d == NULL)
		return berth_error_set(err, ENOENT, "cgroup has no hierarchy");
	if (berth_cg_open_dir(d, err) < 0)
		return berth_error_ret(err);
	ret = add_pids(d->fd, &pv, 0);
	if (ret < 0) {
		free(pv.v);
		return berth_error_set(err, -ret, "list processes of '%s': %s", d->full,
				       strerror(-ret));
	}
	*pids = pv.v;
	*n = pv.n;
	return 0;
}

static int signal_all(struct berth_cgroup *cg, int sig, struct berth_error **err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;

	if (berth_cgroup_pids(cg, &pids, &n, err) < 0)
		return berth_error_ret(err);
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i], sig) < 0 && errno != ESRCH)
			return berth_error_errno(err, "kill %d", (int)pids[i]);
	return 0;
}

int berth_cgroup_kill(struct berth_cgroup *cg, int sig, struct berth_error **err)
{
	struct berth_error *ignored = NULL;
	bool frozen = false;
	int ret;

	if (sig == SIGKILL && cg->v2 != NULL && berth_cg_open_dir(cg->v2, &ignored) == 0 &&
	    berth_cg_has(cg->v2, "cgroup.kill"))
		return berth_cg_set(cg->v2, NULL, "cgroup.kill", err, "1");
	berth_error_clear(&ignored);
	/* Frozen, nobody can fork between listing and signalling. */
	if (berth_cgroup_freeze(cg, true, &ignored) == 0)
		frozen = true;
	berth_error_clear(&ignored);
	ret = signal_all(cg, sig, err);
	if (frozen && berth_cgroup_freeze(cg, false, ret < 0 ? &ignored : err) < 0 && ret == 0)
		ret = berth_error_ret(err);
	berth_error_free(ignored);
	return ret;
}
