/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "cgroup/cgroup.h"

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

/*
 * The manager's front: life cycle, saving and reopening, process membership.
 * Knob writing is behind cg->ops (v1.c for v1 and hybrid, v2.c for v2).
 */

static void dir_release(struct berth_cg_dir *d)
{
	if (d == NULL)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d->ctrls);
	free(d->mount);
	free(d->path);
	free(d->full);
}

void berth_cgroup_free(struct berth_cgroup *cg)
{
	if (cg == NULL)
		return;
	for (size_t i = 0; i < cg->n_v1; i++)
		dir_release(&cg->v1[i]);
	free(cg->v1);
	dir_release(cg->v2);
	free(cg->v2);
	free(cg->fs_root);
	free(cg);
}

static struct berth_cgroup *cg_new(const char *fs_root, int mode)
{
	struct berth_cgroup *cg = calloc(1, sizeof(*cg));

	if (cg == NULL)
		return NULL;
	cg->mode = mode;
	cg->ops = mode == BERTH_CGROUP_V2 ? &berth_cgroup_v2_ops : &berth_cgroup_v1_ops;
	cg->fs_root = strdup(fs_root);
	if (cg->fs_root == NULL) {
		free(cg);
		return NULL;
	}
	return cg;
}

const char *berth_cgroup_path(const struct berth_cgroup *cg)
{
	if (cg->v2 != NULL)
		return cg->v2->path;
	return cg->n_v1 ? cg->v1[0].path : "/";
}

static int make_dirs(struct berth_cgroup *cg, struct berth_error **err)
{
	for (size_t i = 0; i < cg->n_v1; i++) {
		bool cpuset = berth_cg_find_v1(cg, "cpuset") == &cg->v1[i];

		if (berth_cg_mkdir(&cg->v1[i], cpuset, err) < 0)
			return berth_error_ret(err);
	}
	if (cg->v2 == NULL || berth_cg_mkdir(cg->v2, false, err) >= 0)
		return 0;
	if (cg->mode == BERTH_CGROUP_V2)
		return berth_error_ret(err);
	/*
	 * Hybrid: the unified hierarchy is a bonus (hugetlb, cgroup.kill here).
	 * Without it the v1 controllers still do the work; a field that needs it
	 * is refused later by name.
	 */
	berth_error_clear(err);
	dir_release(cg->v2);
	free(cg->v2);
	cg->v2 = NULL;
	return 0;
}

int berth_cgroup_create(const struct berth_cgroup_opts *o, const struct berth_resources *res,
			pid_t pid, struct berth_cgroup **out, struct berth_error **err)
{
	const char *root = o->fs_root ? o->fs_root : "/sys/fs/cgroup";
	struct berth_cgroup *cg;
	struct berth_error *ignored = NULL;
	int mode = berth_cgroup_mode(root);

	if (o->systemd)
		return berth_error_set(err, ENOTSUP,
				       "the systemd cgroup driver is not supported (no systemd "
				       "here): use a cgroupfs path such as \"/berth/%s\"",
				       o->id ? o->id : "<id>");
	if (mode < 0)
		return berth_error_set(err, -mode, "cgroup root '%s': %s", root, strerror(-mode));
	cg = cg_new(root, mode);
	if (cg == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (berth_cg_discover(cg, o->cgroups_path, o->id, err) < 0 || make_dirs(cg, err) < 0 ||
	    (res != NULL && cg->ops->apply(cg, res, false, err) < 0) ||
	    (pid > 0 && berth_cgroup_enter(cg, pid, err) < 0)) {
		if (cg->n_v1 || cg->v2)
			berth_cgroup_destroy(cg, &ignored);
		berth_error_free(ignored);
		berth_cgroup_free(cg);
		return berth_error_ret(err);
	}
	*out = cg;
	return 0;
}

static int enter_one(struct berth_cg_dir *d, pid_t pid, struct berth_error **err)
{
	char buf[32];
	int ret;

	if (berth_cg_open_dir(d, err) < 0)
		return berth_error_ret(err);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	ret = berth_write_file_at(d->fd, "cgroup.procs", buf, strlen(buf));
	if (ret < 0)
		return berth_error_set(err, -ret, "move pid %d into '%s': %s", (int)pid, d->full,
				       strerror(-ret));
	return 0;
}

int berth_cgroup_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error **err)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		if (enter_one(&cg->v1[i], pid, err) < 0)
			return berth_error_ret(err);
	if (cg->v2 != NULL && enter_one(cg->v2, pid, err) < 0)
		return berth_error_ret(err);
	return 0;
}

int berth_cgroup_update(struct berth_cgroup *cg, const struct berth_resources *res,
			struct berth_error **err)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		if (berth_cg_open_dir(&cg->v1[i], err) < 0)
			return berth_error_ret(err);
	if (cg->v2 != NULL && berth_cg_open_dir(cg->v2, err) < 0)
		return berth_error_ret(err);
	return cg->ops->apply(cg, res, true, err);
}

int berth_cgroup_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error **err)
{
	return cg->ops->freeze(cg, frozen, err);
}

int berth_cgroup_frozen(struct berth_cgroup *cg)
{
	return cg->ops->frozen(cg);
}

int berth_cgroup_destroy(struct berth_cgroup *cg, struct berth_error **err)
{
	struct berth_error *e = NULL;
	int ret = 0;

	/* Every hierarchy is tried; the first failure is reported. */
	for (size_t i = 0; i <= cg->n_v1; i++) {
		struct berth_cg_dir *d = i < cg->n_v1 ? &cg->v1[i] : cg->v2;

		if (d == NULL || berth_cg_rmdir(d, &e) >= 0)
			continue;
		if (ret == 0) {
			ret = -e->code;
			*err = steal_ptr(&e);
		} else {
			berth_error_clear(&e);
		}
	}
	return ret;
}

int berth_cgroup_stats(struct berth_cgroup *cg, json_object **out, struct berth_error **err)
{
	json_object *data = json_object_new_object();

	if (data == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (cg->ops->stats(cg, data, err) < 0) {
		json_object_put(data);
		return berth_error_ret(err);
	}
	*out = data;
	return 0;
}
