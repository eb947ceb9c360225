/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Idmapped views of snapshot layers (snapshot.h: berth_snapshot_views).  A
 * view is a bind mount of snapshots/<hex>/diff, idmapped through a user
 * namespace, at snapshots/<hex>/<name> ("idmap-u<host>-<size>-g<host>-<size>":
 * one per id mapping).  It stays mounted: every container with that mapping
 * gets its lower layers from the same views, and creating a container costs
 * no user namespace, no clone of each layer and no mount teardown.  It goes
 * with its snapshot (discard in snapshot.c calls snapshot_drop_views), or
 * with the machine: after a reboot the directory is there but not a mount,
 * and the next container mounts it again.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/snapshot-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define VIEW_PREFIX "idmap-"

/* "<dir of the layer>/<view>" for a "<snapshots>/<hex>/diff" layer path. */
static char *view_path(const char *layer, const char *view)
{
	const char *slash = strrchr(layer, '/');
	char *out = NULL;

	if (slash == NULL || strcmp(slash, "/diff") != 0)
		return NULL;
	if (asprintf(&out, "%.*s/%s", (int)(slash - layer), layer, view) < 0)
		return NULL;
	return out;
}

/* Mount the view @path of @layer through the user namespace @nsfd. */
static int mount_view(const char *layer, const char *path, int nsfd, struct berth_error **err)
{
	/* read-only: overlayfs only reads its lower layers, and nothing else should write */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY,
				   .userns_fd = (uint64_t)nsfd };
	cleanup_close int tree = -1;

	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir '%s'", path);
	tree = open_tree(AT_FDCWD, layer, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return berth_error_errno(err, "clone the mount of '%s'", layer);
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return berth_error_errno(err, "idmap the mount of '%s'", layer);
	if (move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_error_errno(err, "mount '%s'", path);
	return 0;
}

/*
 * The view @path of @layer, mounted unless it is: under an flock of the
 * snapshot's directory, so that two containers starting at once do not stack
 * two mounts.  *@nsfd is asked of @userns_fd the first time it is needed.
 */
static int ensure_view(const char *layer, const char *path, int *nsfd,
		       int (*userns_fd)(void *, struct berth_error **), void *arg,
		       struct berth_error **err)
{
	cleanup_free char *dir = strdup(path);
	cleanup_close int lock = -1;

	if (berth_is_mount_root(path))
		return 0;
	if (dir == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	*strrchr(dir, '/') = '\0';
	lock = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return berth_error_errno(err, "lock '%s'", dir);
	if (berth_is_mount_root(path))
		return 0;
	if (*nsfd < 0 && (*nsfd = userns_fd(arg, err)) < 0)
		return berth_error_ret(err);
	return mount_view(layer, path, *nsfd, err);
}

int berth_snapshot_views(char **layers, size_t n, const char *view,
			 int (*userns_fd)(void *, struct berth_error **), void *arg, char ***out,
			 struct berth_error **err)
{
	cleanup_strv char **v = calloc(n + 1, sizeof(char *));
	int nsfd = -1, ret = 0;

	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (strncmp(view, VIEW_PREFIX, strlen(VIEW_PREFIX)) != 0 || strchr(view, '/') != NULL)
		return berth_error_set(err, EINVAL, "bad view name '%s'", view);
	for (size_t i = 0; i < n && ret == 0; i++) {
		v[i] = view_path(layers[i], view);
		if (v[i] == NULL)
			ret = berth_error_set(err, EINVAL, "'%s' is not a snapshot's layer",
					      layers[i]);
		else
			ret = ensure_view(layers[i], v[i], &nsfd, userns_fd, arg, err);
	}
	if (nsfd >= 0)
		close(nsfd);
	if (ret < 0)
		return ret;
	*out = steal_ptr(&v);
	return 0;
}

void snapshot_drop_views(int snaps, const char *name)
{
	cleanup_close int fd = openat(snaps, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL)
		return;
	fd = -1; /* owned by d */
	while ((de = readdir(d)) != NULL) {
		char path[64 + sizeof(de->d_name)];

		if (strncmp(de->d_name, VIEW_PREFIX, strlen(VIEW_PREFIX)) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd(d), de->d_name);
		umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	}
	closedir(d);
}
