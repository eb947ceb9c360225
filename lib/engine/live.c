/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/create.h"
#include "engine/rootfs.h"
#include "runtime/state.h"
#include "util/cleanup.h"

int berth_ctr_get(struct berth_engine *e, const char *ref, struct berth_ctr **out,
		  struct berth_error **err)
{
	char id[BERTH_CTR_ID_LEN + 1];
	struct berth_ctr *c = NULL;

	if (berth_ctr_lookup(e, ref, id, err) < 0 || berth_ctr_load(e, id, &c, err) < 0)
		return berth_error_ret(err);
	if (berth_ctr_refresh(e, c, err) < 0) {
		berth_ctr_free(c);
		return berth_error_ret(err);
	}
	*out = c;
	return 0;
}

int berth_ctr_require_running(const struct berth_ctr *c, bool paused_ok, struct berth_error **err)
{
	const char *s = berth_ctr_status(c);

	if (strcmp(s, BERTH_CTR_PAUSED) == 0 && !paused_ok)
		return berth_error_set(err, EINVAL,
				       "container %s is paused, unpause the container before exec",
				       c->id);
	if (strcmp(s, BERTH_CTR_RUNNING) == 0 || strcmp(s, BERTH_CTR_PAUSED) == 0)
		return 0;
	if (strcmp(s, BERTH_CTR_RESTARTING) == 0)
		return berth_error_set(err, EINVAL,
				       "container %s is restarting, wait until the container is "
				       "running",
				       c->id);
	return berth_error_set(err, EINVAL, "container %s is not running", c->id);
}

int berth_ctr_cgroup(struct berth_engine *e, const char *id, struct berth_cgroup **out,
		     struct berth_error **err)
{
	struct berth_state *st = NULL;
	int ret;

	if (berth_state_load(e->runtime, id, &st, err) < 0)
		return berth_error_prefix(err, "container %s", id);
	if (st->cgroup == NULL) {
		berth_state_free(st);
		return berth_error_set(err, ENOENT, "container %s: the runtime knows no cgroup",
				       id);
	}
	ret = berth_cgroup_open(st->cgroup, out, err);
	berth_state_free(st);
	return ret < 0 ? berth_error_prefix(err, "container %s", id) : 0;
}

int berth_ctr_rootfs_open(struct berth_engine *e, const struct berth_ctr *c, bool *mounted,
			  struct berth_error **err)
{
	cleanup_close int dfd = -1;
	int fd;

	*mounted = false;
	if (!berth_ctr_rootfs_mounted(e, c->id)) {
		if (berth_ctr_mount(e, c, err) < 0)
			return berth_error_ret(err);
		*mounted = berth_ctr_rootfs_mounted(e, c->id);
	}
	dfd = berth_ctr_dirfd(e, c->id, err);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		berth_error_errno(err, "container %s: open rootfs", c->id);
		berth_ctr_rootfs_close(e, c->id, -1, *mounted);
		return berth_error_ret(err);
	}
	return fd;
}

void berth_ctr_rootfs_close(struct berth_engine *e, const char *id, int fd, bool mounted)
{
	struct berth_error *err = NULL;
	struct berth_ctr *c = NULL;

	if (fd >= 0)
		close(fd);
	if (!mounted)
		return;
	/* A start may have come in meanwhile: its monitor mounted (found) the same root. */
	if (berth_ctr_load(e, id, &c, &err) == 0 && !berth_ctr_active(c) &&
	    !berth_ctr_monitor_alive(e, id))
		berth_ctr_rootfs_umount(e, id, &err);
	berth_error_free(err);
	berth_ctr_free(c);
}
