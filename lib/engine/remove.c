/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/remove.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/ctr-internal.h"
#include "engine/ctr.h"
#include "engine/rootfs.h"
#include "engine/volume.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

static void mark_removing(struct berth_engine *e, const char *id)
{
	cleanup_close int dfd = openat(e->ctrfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (dfd < 0)
		return;
	fd = openat(dfd, BERTH_CTR_REMOVING, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
}

/* Kill everything in the container and wait (10 s at most) for its monitor to go. */
static void kill_and_wait(struct berth_engine *e, const char *id)
{
	struct berth_error *err = NULL;

	berth_container_pause(e->runtime, id, false, &err); /* a frozen task cannot die */
	berth_error_clear(&err);
	berth_container_kill(e->runtime, id, SIGKILL, true, &err);
	berth_error_clear(&err);
	for (int i = 0; i < 1000 && berth_ctr_monitor_alive(e, id); i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

/* The anonymous volumes container record @record mounts (Docker's label says which). */
static char **anonymous_volumes(struct berth_engine *e, json_object *record)
{
	struct berth_error *err = NULL;
	json_object *mounts;
	char **names = calloc(1, sizeof(char *));
	size_t n = 0;

	if (names == NULL || !json_object_object_get_ex(record, "Mounts", &mounts) ||
	    !json_object_is_type(mounts, json_type_array))
		return names;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i), *vol = NULL, *labels;
		const char *type = NULL, *name = NULL;
		char **grown;

		if (berth_json_string(m, "Mounts", "Type", &type, &err) != 1 ||
		    strcmp(type, "volume") != 0 ||
		    berth_json_string(m, "Mounts", "Name", &name, &err) != 1 ||
		    berth_volume_inspect(e, name, &vol, &err) < 0) {
			berth_error_clear(&err);
			continue;
		}
		if (json_object_object_get_ex(vol, "Labels", &labels) &&
		    json_object_is_type(labels, json_type_object) &&
		    json_object_object_get_ex(labels, "com.docker.volume.anonymous", NULL) &&
		    (grown = realloc(names, (n + 2) * sizeof(char *))) != NULL) {
			names = grown;
			names[n++] = strdup(name);
			names[n] = NULL;
		}
		json_object_put(vol);
	}
	berth_error_free(err);
	return names;
}

static char **anonymous_volumes_of(struct berth_engine *e, const char *id)
{
	struct berth_ctr *c = NULL;
	char **names;

	if (berth_ctr_load(e, id, &c, NULL) < 0)
		return calloc(1, sizeof(char *));
	names = anonymous_volumes(e, c->record);
	berth_ctr_free(c);
	return names;
}

/* After the record is gone, so the container no longer counts as a user. */
static void remove_volumes(struct berth_engine *e, char **anon)
{
	for (char **p = anon; p && *p; p++) {
		struct berth_error *e2 = NULL;

		berth_volume_remove(e, *p, &e2); /* in use by another container: it stays */
		berth_error_free(e2);
	}
}

int berth_ctr_remove_files_volumes(struct berth_engine *e, const char *id, bool volumes,
				   struct berth_error **err)
{
	char **anon = volumes ? anonymous_volumes_of(e, id) : NULL;
	int ret = berth_ctr_remove_files(e, id, err);

	if (ret == 0)
		remove_volumes(e, anon);
	berth_strv_free(anon);
	return ret;
}

#define REMOVED_PREFIX ".removed-"

/*
 * The container's directory out of containers/ in one rename: no record, so
 * no container, for anything that lists or looks up (ids only).  Its files
 * are freed later by berth_ctr_reclaim_removed.
 */
static int set_aside(struct berth_engine *e, const char *id)
{
	char name[sizeof(REMOVED_PREFIX) + BERTH_CTR_ID_LEN];

	snprintf(name, sizeof(name), REMOVED_PREFIX "%s", id);
	return renameat(e->ctrfd, id, e->ctrfd, name) < 0 ? -errno : 0;
}

/*
 * The name released the same way: its link holds the 64-character id, past
 * what ext4 stores in the inode, so unlinking it frees a block.
 */
static void set_aside_name(struct berth_engine *e, const char *name, const char *id)
{
	char aside[sizeof(REMOVED_PREFIX) + BERTH_CTR_ID_LEN + 8];

	if (!berth_ctr_name_owned(e, name, id))
		return;
	snprintf(aside, sizeof(aside), REMOVED_PREFIX "%s.name", id);
	if (renameat(e->namesfd, name, e->ctrfd, aside) < 0)
		unlinkat(e->namesfd, name, 0);
}

int berth_ctr_remove_loaded(struct berth_engine *e, const struct berth_ctr *c, bool volumes,
			    bool defer, struct berth_error **err)
{
	char **anon = volumes ? anonymous_volumes(e, c->record) : NULL;
	int ret;

	if (defer) {
		/* the rootfs off first: set aside, its mountpoint would move with it */
		ret = berth_ctr_rootfs_umount(e, c->id, err);
		if (ret == 0 && set_aside(e, c->id) == 0) {
			set_aside_name(e, berth_ctr_name(c), c->id);
			remove_volumes(e, anon);
			berth_strv_free(anon);
			return 0;
		}
	}
	/* the record first (`ps -a` stops listing it), then the name */
	berth_ctr_remove_outside_rootfs(e, c->id);
	berth_ctr_release_name(e, berth_ctr_name(c), c->id);
	ret = berth_ctr_rootfs_umount(e, c->id, err);
	if (ret == 0 && berth_rm_rf_at(e->ctrfd, c->id) < 0 && errno != ENOENT)
		ret = berth_error_errno(err, "remove container %s", c->id);
	if (ret == 0)
		remove_volumes(e, anon);
	berth_strv_free(anon);
	return ret;
}

void berth_ctr_reclaim_removed(struct berth_engine *e)
{
	cleanup_close int fd = openat(e->ctrfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL)
		return;
	fd = -1; /* owned by d */
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, REMOVED_PREFIX, strlen(REMOVED_PREFIX)) == 0)
			berth_rm_rf_at(dirfd(d), de->d_name);
	closedir(d);
}

int berth_ctr_remove(struct berth_engine *e, const char *ref, bool force, bool volumes,
		     struct berth_error **err)
{
	char id[BERTH_CTR_ID_LEN + 1];
	struct berth_ctr *c = NULL;
	struct berth_error *ignored = NULL;
	bool was_active;

	if (berth_ctr_lookup(e, ref, id, err) < 0 || berth_ctr_load(e, id, &c, err) < 0 ||
	    berth_ctr_refresh(e, c, err) < 0) {
		berth_ctr_free(c);
		return berth_error_ret(err);
	}
	was_active = berth_ctr_active(c);
	berth_ctr_free(c);
	if (was_active && !force)
		return berth_error_set(err, EBUSY,
				       "You cannot remove a running container %s. Stop the "
				       "container before attempting removal or force remove",
				       id);
	mark_removing(e, id);
	if (was_active || berth_ctr_monitor_alive(e, id))
		kill_and_wait(e, id);
	if (berth_ctr_monitor_alive(e, id))
		return berth_error_set(err, EBUSY, "container %s: its monitor does not exit", id);
	/* What a dead monitor left: the runtime's state and cgroup. */
	if (berth_container_delete(e->runtime, id, true, &ignored, err) < 0 &&
	    berth_error_ret(err) != -ENOENT)
		return berth_error_ret(err);
	berth_error_clear(err);
	berth_error_free(ignored);
	berth_attach_unlink(e, id); /* a killed monitor's socket */
	return berth_ctr_remove_files_volumes(e, id, volumes, err);
}
