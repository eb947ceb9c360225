/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/mount-util.h"
#include "runtime/rootfs-steps.h"
#include "util/cleanup.h"

/*
 * The order follows runc: "/" becomes a slave so nothing we do propagates
 * to the host, the rootfs is bound onto itself (pivot_root needs a mount
 * point), the spec's mounts go on in order, then /dev.  After the
 * createContainer hooks, the pivot and the finishing touches.
 */

static int prepare_root(const struct berth_spec *spec, const char *rootfs, struct berth_error **err)
{
	unsigned long prop =
	    spec->rootfs_propagation ? spec->rootfs_propagation : MS_SLAVE | MS_REC;
	struct berth_mnt_attr private = { .propagation = MS_PRIVATE, .userns_fd = -1 };
	cleanup_close int parent = -1;

	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return berth_error_errno(err, "make '/' %s",
					 prop & MS_SHARED ? "shared" : "a slave");
	/* pivot_root refuses a shared parent mount; only "shared" makes it so. */
	if (!(prop & MS_SHARED))
		return 0;
	parent = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return berth_error_errno(err, "open rootfs '%s'", rootfs);
	return berth_mnt_setattr(parent, &private, rootfs, err);
}

/*
 * Bind the rootfs onto itself with mount(2), like runc: a classic bind keeps
 * receiving the host's mounts through the rslave "/", which a detached
 * clone would not.  The path is the runtime's own, not the container's.
 * Returns an O_PATH fd of the new mount's root.
 */
static int bind_rootfs(const char *rootfs, struct berth_error **err)
{
	int fd;

	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return berth_error_errno(err, "bind rootfs '%s'", rootfs);
	fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open rootfs '%s'", rootfs);
	return fd;
}

int berth_rootfs_mount(const struct berth_spec *spec, const struct berth_rootfs_opts *o,
		       struct berth_error **err)
{
	cleanup_close int rootfd = -1;
	int ret;

	if (o->rootfs == NULL || o->rootfs[0] != '/')
		return berth_error_set(err, EINVAL, "rootfs '%s': must be an absolute path",
				       o->rootfs ? o->rootfs : "");
	ret = prepare_root(spec, o->rootfs, err);
	if (ret < 0)
		return ret;
	rootfd = bind_rootfs(o->rootfs, err);
	if (rootfd < 0)
		return rootfd;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		ret = berth_rootfs_do_mount(rootfd, &spec->mounts[i], o, err);
		if (ret < 0)
			return berth_error_prefix(err, "mounts[%zu] '%s'", i,
						  spec->mounts[i].destination);
	}
	return berth_rootfs_devices(rootfd, spec, o, err);
}

static int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/*
 * pivot_root(".", ".") stacks the old root on top of the new one; making it
 * a slave before detaching keeps the unmount from reaching the host.
 */
static int pivot(int newroot, struct berth_error **err)
{
	if (fchdir(newroot) < 0)
		return berth_error_errno(err, "chdir to the rootfs");
	if (sys_pivot_root(".", ".") < 0) {
		if (errno == EINVAL)
			return 1; /* a ramfs/rootfs root: the caller falls back */
		return berth_error_errno(err, "pivot_root");
	}
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return berth_error_errno(err, "make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return berth_error_errno(err, "detach the old root");
	return 0;
}

/* For a root on ramfs/rootfs, where pivot_root is impossible: move and chroot. */
static int move_root(int newroot, struct berth_error **err)
{
	if (fchdir(newroot) < 0)
		return berth_error_errno(err, "chdir to the rootfs");
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return berth_error_errno(err, "move the rootfs onto '/'");
	if (chroot(".") < 0)
		return berth_error_errno(err, "chroot to the rootfs");
	return 0;
}

static int enter_root(const struct berth_rootfs_opts *o, struct berth_error **err)
{
	cleanup_close int newroot = -1;
	int ret;

	newroot = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (newroot < 0)
		return berth_error_errno(err, "open rootfs '%s'", o->rootfs);
	ret = o->no_pivot ? 1 : pivot(newroot, err);
	if (ret == 1)
		ret = move_root(newroot, err);
	if (ret >= 0 && chdir("/") < 0)
		ret = berth_error_errno(err, "chdir '/'");
	return ret;
}

static int finish(const struct berth_spec *spec, struct berth_error **err)
{
	struct berth_mnt_attr ro = { .set = MOUNT_ATTR_RDONLY, .userns_fd = -1 };
	cleanup_close int rootfd = -1;
	int ret;

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berth_error_errno(err, "open '/'");
	ret = berth_rootfs_mask_paths(rootfd, spec->masked_paths, err);
	if (ret >= 0)
		ret = berth_rootfs_readonly_paths(rootfd, spec->readonly_paths, err);
	if (ret >= 0 && spec->root_readonly && berth_mnt_setattr(rootfd, &ro, "/", err) < 0)
		ret = berth_error_prefix(err, "root.readonly");
	if (ret >= 0 && spec->rootfs_propagation &&
	    mount(NULL, "/", NULL, spec->rootfs_propagation, NULL) < 0)
		ret = berth_error_errno(err, "linux.rootfsPropagation");
	return ret;
}

int berth_rootfs_pivot(const struct berth_spec *spec, const struct berth_rootfs_opts *o,
		       struct berth_error **err)
{
	return enter_root(o, err);
}

int berth_rootfs_finalize(const struct berth_spec *spec, struct berth_error **err)
{
	return finish(spec, err);
}
