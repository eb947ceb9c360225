/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's writable root (docs/userns.md):
 *
 *   overlay  lowerdir = the image's snapshot diffs (top first; an empty
 *            directory containers/<id>/empty for an image without layers),
 *            upperdir = containers/<id>/diff, workdir = containers/<id>/work,
 *            mounted on containers/<id>/rootfs.
 *   vfs      a copy of the top snapshot's fs/ in containers/<id>/rootfs
 *            (made in rootfs-tmp/ and renamed, so a crash leaves no half copy).
 *
 * With a user namespace, every lower layer is an idmapped view of the
 * snapshot's diff/ (berth_snapshot_views: a bind mount with MOUNT_ATTR_IDMAP
 * at snapshots/<hex>/idmap-<mapping>, made by the first container with that
 * mapping and kept for the next ones), so the shared snapshots are never
 * copied nor chowned and a container's start clones no mount and makes no
 * user namespace.  The upper dir is NOT
 * idmapped: overlayfs does its own work-dir operations with the mounter's
 * credentials (host root), which an idmapped upper cannot represent
 * (EOVERFLOW, and the overlay falls back to read-only).  So diff/ stores the
 * container's own files with host ids (container root = the range's first
 * id) and its root directory is chowned to the mapped owner of the image's
 * root.  The vfs copy is stored unshifted and idmap-bind-mounted on itself.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "engine/rootfs.h"
#include "storage/snapshot.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

struct layers {
	char **dirs; /* top first, NULL-terminated */
	size_t n;
	char **views; /* their idmapped views, or NULL */
};

static void layers_release(struct layers *l)
{
	berth_strv_free(l->dirs);
	berth_strv_free(l->views);
}

static int ctr_path(struct berth_engine *e, const char *id, const char *sub, char **out,
		    struct berth_error **err)
{
	cleanup_free char *dir = NULL;

	if (id[0] == '\0' || strchr(id, '/') != NULL || strcmp(id, ".") == 0 ||
	    strcmp(id, "..") == 0)
		return berth_error_set(err, EINVAL, "bad container id '%s'", id);
	dir = berth_ctr_dir(e, id);
	if (dir == NULL || asprintf(out, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "") < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* 1 when created, 0 when it existed. */
static int make_dir(const char *path, mode_t mode, struct berth_error **err)
{
	if (mkdir(path, mode) == 0)
		return 1;
	if (errno == EEXIST)
		return 0;
	return berth_error_errno(err, "mkdir '%s'", path);
}

static int sub_dir(const char *dir, const char *sub, mode_t mode, char **out,
		   struct berth_error **err)
{
	if (asprintf(out, "%s/%s", dir, sub) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return make_dir(*out, mode, err);
}

/*
 * The container's root process opens rootfs/ by path from inside its user
 * namespace, as the mapped root: containers/ and containers/<id>/ get the
 * mapped root's group with search permission (0710), nothing for others.
 */
static int let_mapped_root_in(int fd, const char *what, const struct berth_userns *u,
			      struct berth_error **err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return berth_error_errno(err, "stat '%s'", what);
	if (st.st_gid != u->gid.host && fchown(fd, (uid_t)-1, u->gid.host) < 0)
		return berth_error_errno(err, "chgrp '%s'", what);
	if ((st.st_mode & 0010) == 0 && fchmod(fd, (st.st_mode & 07777) | 0010) < 0)
		return berth_error_errno(err, "chmod '%s'", what);
	return 0;
}

static int dirs_for_mapped_root(struct berth_engine *e, const char *dir,
				const struct berth_userns *u, struct berth_error **err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return berth_error_errno(err, "container directory '%s'", dir);
	if (!u->enabled)
		return 0;
	if (let_mapped_root_in(e->ctrfd, "containers", u, err) < 0)
		return berth_error_ret(err);
	return let_mapped_root_in(fd, dir, u, err);
}

bool berth_ctr_rootfs_mounted(struct berth_engine *e, const char *id)
{
	struct berth_error *err = NULL;
	cleanup_free char *path = NULL;

	if (ctr_path(e, id, "rootfs", &path, &err) < 0) {
		berth_error_free(err);
		return false;
	}
	return berth_is_mount_root(path);
}

static int open_userns(void *u, struct berth_error **err)
{
	return berth_userns_fd(u, err);
}

static int layers_idmap(struct layers *l, const struct berth_userns *u, struct berth_error **err)
{
	char view[96];

	snprintf(view, sizeof(view), "idmap-u%u-%u-g%u-%u", u->uid.host, u->uid.size, u->gid.host,
		 u->gid.size);
	return berth_snapshot_views(l->dirs, l->n, view, open_userns, (void *)u, &l->views, err);
}

static int layers_get(struct berth_engine *e, const char *dir, const char *top, struct layers *l,
		      struct berth_error **err)
{
	cleanup_free char *empty = NULL;

	if (top[0] != '\0')
		return berth_snapshot_lowers(e->rootfd, top, &l->dirs, &l->n, err);
	if (sub_dir(dir, "empty", 0755, &empty, err) < 0)
		return berth_error_ret(err);
	l->dirs = calloc(2, sizeof(char *));
	if (l->dirs == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	l->dirs[0] = steal_ptr(&empty);
	l->n = 1;
	return 0;
}

/*
 * A new diff/ takes the top layer's root directory mode and owner (mapped
 * into the user namespace): overlayfs shows the upper root as "/", and the
 * container's root must own it.
 */
static int upper_root(const char *upper, const char *top_lower, const struct berth_userns *u,
		      struct berth_error **err)
{
	struct stat st;
	int64_t uid, gid;

	if (stat(top_lower, &st) < 0)
		return berth_error_errno(err, "stat '%s'", top_lower);
	uid = st.st_uid;
	gid = st.st_gid;
	if (u->enabled) {
		uid = berth_idmap_to_host(&u->uid, (uint32_t)st.st_uid);
		gid = berth_idmap_to_host(&u->gid, (uint32_t)st.st_gid);
		uid = uid < 0 ? u->uid.host : uid;
		gid = gid < 0 ? u->gid.host : gid;
	}
	if (chown(upper, (uid_t)uid, (gid_t)gid) < 0 || chmod(upper, st.st_mode & 07777) < 0)
		return berth_error_errno(err, "set the owner and mode of '%s'", upper);
	return 0;
}

static int overlay_config(int fs, const struct layers *l, const char *upper, const char *work)
{
	char **lowers = l->views != NULL ? l->views : l->dirs;

	for (size_t i = 0; i < l->n; i++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) < 0)
			return -errno;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "index", "off", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	return 0;
}

static int overlay_attach(const struct layers *l, const char *upper, const char *work,
			  const char *target, struct berth_error **err)
{
	cleanup_close int fs = fsopen("overlay", FSOPEN_CLOEXEC);
	cleanup_close int mnt = -1;
	int ret;

	if (fs < 0)
		return berth_error_errno(err, "open an overlay filesystem context");
	ret = overlay_config(fs, l, upper, work);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "overlay of %zu layers%s", l->n,
					 l->views ? " (idmapped)" : "");
	}
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0 || move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_error_errno(err, "mount overlay on '%s'", target);
	return 0;
}

static int mount_overlay(struct berth_engine *e, const char *dir, const char *top,
			 const struct berth_userns *u, const char *rootfs, struct berth_error **err)
{
	struct layers l = { 0 };
	cleanup_free char *upper = NULL;
	cleanup_free char *work = NULL;
	int fresh = 0, ret;

	ret = layers_get(e, dir, top, &l, err);
	if (ret == 0 && u->enabled && top[0] != '\0') /* an empty layer needs no mapping */
		ret = layers_idmap(&l, u, err);
	if (ret == 0)
		ret = fresh = sub_dir(dir, "diff", 0755, &upper, err);
	if (ret >= 0 && fresh == 1)
		ret = upper_root(upper, l.dirs[0], u, err);
	if (ret >= 0)
		ret = sub_dir(dir, "work", 0700, &work, err);
	if (ret >= 0)
		ret = overlay_attach(&l, upper, work, rootfs, err);
	layers_release(&l);
	return ret < 0 ? ret : 0;
}

/* A detached clone of @dir idmapped through the user namespace @nsfd. */
static int idmapped_clone(const char *dir, int nsfd, struct berth_error **err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)nsfd };
	cleanup_close int fd = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd < 0)
		return berth_error_errno(err, "clone the mount of '%s'", dir);
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return berth_error_errno(err, "idmap the mount of '%s'", dir);
	return steal_fd(&fd);
}

/* Bind @path on itself, idmapped through @u (the vfs copy). */
static int idmap_bind(const char *path, const struct berth_userns *u, struct berth_error **err)
{
	cleanup_close int nsfd = berth_userns_fd(u, err);
	cleanup_close int mnt = -1;

	if (nsfd < 0)
		return berth_error_ret(err);
	mnt = idmapped_clone(path, nsfd, err);
	if (mnt < 0)
		return berth_error_ret(err);
	if (move_mount(mnt, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_error_errno(err, "mount the idmapped '%s'", path);
	return 0;
}

/* Whether @path is missing or an empty directory. */
static bool dir_empty(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	bool empty = true;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return errno == ENOENT;
	}
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Copy the top snapshot's fs/ once: into rootfs-tmp/rootfs, renamed to rootfs. */
static int vfs_copy(struct berth_engine *e, const char *dir, const char *top, const char *rootfs,
		    struct berth_error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_free char *copy = NULL;
	cleanup_close int dfd = -1;

	if (!dir_empty(rootfs))
		return 0;
	if (top[0] == '\0')
		return make_dir(rootfs, 0755, err) < 0 ? berth_error_ret(err) : 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_errno(err, "open '%s'", dir);
	berth_rm_rf_at(dfd, "rootfs-tmp");
	if (asprintf(&tmp, "%s/rootfs-tmp", dir) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (make_dir(tmp, 0700, err) < 0 ||
	    berth_snapshot_mount_rw(e->rootfd, BERTH_DRIVER_VFS, top, tmp, &copy, err) < 0) {
		berth_rm_rf_at(dfd, "rootfs-tmp");
		return berth_error_ret(err);
	}
	if ((unlinkat(dfd, "rootfs", AT_REMOVEDIR) < 0 && errno != ENOENT) ||
	    renameat(AT_FDCWD, copy, dfd, "rootfs") < 0) {
		berth_error_errno(err, "rename '%s' to '%s'", copy, rootfs);
		berth_rm_rf_at(dfd, "rootfs-tmp");
		return berth_error_ret(err);
	}
	berth_rm_rf_at(dfd, "rootfs-tmp");
	fsync(dfd);
	return 0;
}

static int mount_vfs(struct berth_engine *e, const char *dir, const char *top,
		     const struct berth_userns *u, const char *rootfs, struct berth_error **err)
{
	if (top[0] != '\0' && !berth_snapshot_exists(e->rootfd, BERTH_DRIVER_VFS, top))
		return berth_error_set(err, ENOENT, "snapshot %s not found", top);
	if (vfs_copy(e, dir, top, rootfs, err) < 0)
		return berth_error_ret(err);
	return u->enabled ? idmap_bind(rootfs, u, err) : 0;
}

int berth_ctr_rootfs_mount(struct berth_engine *e, const char *id, int driver,
			   const char *top_chainid, const struct berth_userns *u, char **rootfs,
			   struct berth_error **err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *path = NULL;
	struct berth_userns host = { .enabled = false };
	int ret;

	if (u == NULL)
		u = &host;
	if (ctr_path(e, id, NULL, &dir, err) < 0 || ctr_path(e, id, "rootfs", &path, err) < 0)
		return berth_error_ret(err);
	if (dirs_for_mapped_root(e, dir, u, err) < 0)
		return berth_error_prefix(err, "rootfs of container %.12s", id);
	if (!berth_ctr_rootfs_mounted(e, id)) {
		if (driver == BERTH_DRIVER_OVERLAY)
			ret = make_dir(path, 0755, err) < 0
				  ? berth_error_ret(err)
				  : mount_overlay(e, dir, top_chainid, u, path, err);
		else
			ret = mount_vfs(e, dir, top_chainid, u, path, err);
		if (ret < 0)
			return berth_error_prefix(err, "rootfs of container %.12s", id);
	}
	*rootfs = steal_ptr(&path);
	return 0;
}

int berth_ctr_rootfs_umount(struct berth_engine *e, const char *id, struct berth_error **err)
{
	cleanup_free char *path = NULL;

	if (ctr_path(e, id, "rootfs", &path, err) < 0)
		return berth_error_ret(err);
	/* Stacked mounts (a mount call raced with another) come off one by one. */
	for (int i = 0; i < 16 && berth_ctr_rootfs_mounted(e, id); i++)
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
		    errno != ENOENT)
			return berth_error_errno(err, "unmount '%s'", path);
	return 0;
}
