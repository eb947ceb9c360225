/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/mount-util.h"
#include "runtime/rootfs-steps.h"
#include "runtime/copy-tree.h"
#include "util/cleanup.h"
#include "util/fs.h"

/*
 * One spec mount.  Both kinds are built detached first (a clone of the
 * source tree for binds, fsopen/fsmount for file systems), configured while
 * nobody can see them, then attached onto the destination fd.  So a bind
 * with "ro" needs no racy remount, and idmapping, which the kernel allows only
 * on detached mounts, fits in the same path.
 */

/* Attributes from MS_* flags and the recursive r* options, in runc's order. */
static int configure(int treefd, const struct berth_mount *m, bool flags_too,
		     struct berth_error **err)
{
	struct berth_mnt_attr top = { .userns_fd = -1 };
	struct berth_mnt_attr rec = {
		.set = m->attr_set, .clr = m->attr_clr, .userns_fd = -1, .recursive = true
	};
	int ret;

	if (flags_too) {
		/* Like runc's bind remount, plain flags change the top mount only. */
		berth_mnt_flags_to_attr(m->flags, m->clear, &top.set, &top.clr);
		ret = berth_mnt_setattr(treefd, &top, m->destination, err);
		if (ret < 0)
			return ret;
	}
	return berth_mnt_setattr(treefd, &rec, m->destination, err);
}

static int idmap(int treefd, const struct berth_mount *m, struct berth_error **err)
{
	struct berth_mnt_attr a = { .set = MOUNT_ATTR_IDMAP, .recursive = m->ridmap };
	cleanup_close int userns = -1;

	userns = berth_mnt_userns_fd(m->uid_maps, m->n_uid_maps, m->gid_maps, m->n_gid_maps, err);
	if (userns < 0)
		return userns;
	a.userns_fd = userns;
	return berth_mnt_setattr(treefd, &a, m->destination, err);
}

/* Attach @treefd at the destination, then set its propagation (needs it attached). */
static int attach(int rootfd, int *treefd, const struct berth_mount *m, bool file,
		  struct berth_error **err)
{
	struct berth_mnt_attr a = { .propagation = m->propagation & ~(unsigned long)MS_REC,
				    .recursive = (m->propagation & MS_REC) != 0,
				    .userns_fd = -1 };
	cleanup_close int dest = -1;
	int ret;

	dest = berth_mnt_open_dest(rootfd, m->destination, file, err);
	if (dest < 0)
		return dest;
	ret = berth_mnt_attach(*treefd, dest, m->destination, err);
	if (ret >= 0)
		ret = berth_mnt_setattr(*treefd, &a, m->destination, err);
	berth_close2(treefd, &dest);
	return ret;
}

/*
 * An idmapped bind: the kernel idmaps only detached mounts, so this one is
 * an open_tree clone (private: it does not join the source's peer group).
 */
static int do_idmapped_bind(int rootfd, const struct berth_mount *m, int srcfd, bool file,
			    bool recursive, struct berth_error **err)
{
	cleanup_close int tree = -1;
	int ret;

	tree = berth_mnt_clone(srcfd, "", recursive, err);
	if (tree < 0)
		return tree;
	ret = configure(tree, m, true, err);
	if (ret >= 0)
		ret = idmap(tree, m, err);
	if (ret >= 0)
		ret = attach(rootfd, &tree, m, file, err);
	return ret;
}

/* A bind: sources are host paths, relative ones from the cwd (the bundle). */
static int do_bind(int rootfd, const struct berth_mount *m, const char *source, bool recursive,
		   struct berth_error **err)
{
	struct berth_mnt_attr a = { .propagation = m->propagation & ~(unsigned long)MS_REC,
				    .recursive = (m->propagation & MS_REC) != 0,
				    .userns_fd = -1 };
	cleanup_close int src = -1;
	cleanup_close int dest = -1;
	cleanup_close int mnt = -1;
	struct stat st;
	int ret;

	src = open(source, O_PATH | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return berth_error_errno(err, "source '%s'", source);
	if (m->idmap)
		return do_idmapped_bind(rootfd, m, src, !S_ISDIR(st.st_mode), recursive, err);
	dest = berth_mnt_open_dest(rootfd, m->destination, !S_ISDIR(st.st_mode), err);
	if (dest < 0)
		return dest;
	mnt = berth_mnt_bind_fds(rootfd, m->destination, src, dest, recursive, err);
	if (mnt < 0)
		return mnt;
	ret = configure(mnt, m, true, err);
	if (ret >= 0)
		ret = berth_mnt_setattr(mnt, &a, m->destination, err);
	return ret;
}

/*
 * "remount": reconfigure what is already mounted at the destination with
 * mount(2)'s MS_REMOUNT, flags and data as given (runc's semantics), then
 * the recursive attributes.
 */
static int do_remount(int rootfd, const struct berth_mount *m, struct berth_error **err)
{
	unsigned long bind = m->kind == BERTH_MOUNT_BIND ? MS_BIND : 0;
	cleanup_close int fd = -1;
	int ret;

	fd = berth_openat_in_root(rootfd, m->destination, O_PATH, 0);
	if (fd < 0) {
		errno = -fd;
		return berth_error_errno(err, "'%s'", m->destination);
	}
	ret =
	    berth_mnt_remount_fd(fd, m->destination, (m->flags & ~MS_REMOUNT) | bind, m->data, err);
	if (ret < 0)
		return ret;
	return configure(fd, m, false, err);
}

/* tmpcopyup: fill the detached tmpfs with what the rootfs has at the destination. */
static int copy_up(int rootfd, int tree, const struct berth_mount *m, struct berth_error **err)
{
	cleanup_close int src = -1;
	cleanup_close int dst = -1;

	if (m->type == NULL || strcmp(m->type, "tmpfs") != 0)
		return berth_error_set(err, EINVAL, "'%s': tmpcopyup needs a tmpfs",
				       m->destination);
	src = berth_openat_in_root(rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0);
	if (src == -ENOENT)
		return 0;
	if (src < 0) {
		errno = -src;
		return berth_error_errno(err, "'%s': open for tmpcopyup", m->destination);
	}
	dst = openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		return berth_error_errno(err, "'%s': open the new tmpfs", m->destination);
	if (berth_copy_tree(src, dst, err) < 0)
		return berth_error_prefix(err, "'%s'", m->destination);
	return 0;
}

static int do_fs(int rootfd, const struct berth_mount *m, struct berth_error **err)
{
	cleanup_close int tree = -1;
	int ret;

	tree = berth_mnt_fsmount(m->type, m->source, m->data, m->flags, err);
	if (tree < 0)
		return tree;
	ret = configure(tree, m, false, err);
	if (ret >= 0 && m->tmpcopyup)
		ret = copy_up(rootfd, tree, m, err);
	if (ret >= 0)
		ret = attach(rootfd, &tree, m, false, err);
	return ret;
}

/*
 * sysfs belongs to the network namespace of its mounter: without a new one
 * the kernel refuses it (in a user namespace) or would show the host's
 * devices, so bind the host's /sys instead, rslave, as runc does.
 */
static int do_sysfs(int rootfd, const struct berth_mount *m, const struct berth_rootfs_opts *o,
		    struct berth_error **err)
{
	struct berth_mount bind = *m;

	if (o->new_netns)
		return do_fs(rootfd, m, err);
	bind.propagation = MS_SLAVE | MS_REC;
	bind.idmap = false;
	return do_bind(rootfd, &bind, "/sys", true, err);
}

char *berth_mount_label_data(const char *data, const char *label)
{
	char *out = NULL;

	if (asprintf(&out, "%s%scontext=\"%s\"", data ? data : "", data && *data ? "," : "",
		     label) < 0)
		return NULL;
	return out;
}

/* File systems that take an SELinux context= option and get linux.mountLabel. */
static bool labelable(const char *type)
{
	static const char *const types[] = { "tmpfs", "devpts", "mqueue", "ramfs", "shm" };

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(types); i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	return false;
}

static int do_labelled_fs(int rootfd, const struct berth_mount *m, const char *label,
			  struct berth_error **err)
{
	struct berth_mount copy = *m;
	int ret;

	copy.data = berth_mount_label_data(m->data, label);
	if (copy.data == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	ret = do_fs(rootfd, &copy, err);
	free(copy.data);
	return ret;
}

int berth_rootfs_do_mount(int rootfd, const struct berth_mount *m,
			  const struct berth_rootfs_opts *o, struct berth_error **err)
{
	if (m->flags & MS_REMOUNT)
		return do_remount(rootfd, m, err);
	if (m->kind == BERTH_MOUNT_BIND)
		return do_bind(rootfd, m, m->source, m->recursive, err);
	if (m->type == NULL)
		return berth_error_set(err, EINVAL, "'%s': type is required for a non-bind mount",
				       m->destination);
	if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)
		return berth_rootfs_mount_cgroup(rootfd, m, o, err);
	if (strcmp(m->type, "sysfs") == 0)
		return do_sysfs(rootfd, m, o, err);
	if (o->mount_label != NULL && labelable(m->type))
		return do_labelled_fs(rootfd, m, o->mount_label, err);
	return do_fs(rootfd, m, err);
}
