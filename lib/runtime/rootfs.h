/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_ROOTFS_H
#define BERTH_RUNTIME_ROOTFS_H

/*
 * The container's root file system: the spec's mounts, /dev, pivot_root,
 * masked and read-only paths.  Runs in the container's child process, in its
 * own mount namespace, before execve (so berth_error is used, no printing).
 *
 * Every destination is resolved inside the rootfs (RESOLVE_IN_ROOT) into an
 * O_PATH fd and mounts are attached onto that fd, so neither a symlink in the
 * image nor one swapped in while we mount can put a mount outside the rootfs.
 */

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

/*
 * The host's cgroup layout a "cgroup" mount copies (cgroup2, or the v1
 * hierarchies under /sys/fs/cgroup from /proc/self/mountinfo), read by the
 * runtime before the init exists, while it waits anyway, when the init's mount
 * namespace will be a copy of its own.  NULL (no "cgroup" mount in @spec, or
 * not read ahead): the init reads it itself.
 */
struct berth_cgroup_layout;
int berth_cgroup_layout_read(const struct berth_spec *spec, struct berth_cgroup_layout **out,
			     struct berth_error **err);
void berth_cgroup_layout_free(struct berth_cgroup_layout *l);

struct berth_rootfs_opts {
	const char *rootfs;  /* absolute host path of the root (root.path resolved) */
	bool userns;	     /* own user namespace: bind devices from the host, no mknod */
	bool new_netns;	     /* own network namespace: sysfs can be mounted, else /sys is bound */
	const char *console; /* host path of the pty slave to bind on /dev/console, or NULL */
	bool no_pivot;	     /* MS_MOVE + chroot instead of pivot_root (runc --no-pivot) */
	bool cgroupns;	     /* the init has its own cgroup namespace */
	const char *self_cgroup; /* /proc/self/cgroup as read before unsharing it */
	const char *mount_label; /* linux.mountLabel when SELinux is enabled, else NULL */
	const struct berth_cgroup_layout *cgroup_layout; /* read ahead, or NULL */
};

/*
 * Step 1, in the child already in its new mount namespace, cwd = the bundle
 * (relative bind sources are resolved from there): make "/" rslave (or
 * linux.rootfsPropagation), bind the rootfs onto itself, do every spec mount
 * in order, create the default and linux.devices nodes, /dev/ptmx, the /dev
 * symlinks, /dev/shm and the /dev/console bind.  Does not pivot: the
 * createContainer hooks run in between.  Errors name the mount
 * ("mounts[2] '/sys': ...").
 */
int berth_rootfs_mount(const struct berth_spec *spec, const struct berth_rootfs_opts *o,
		       struct berth_error **err);

/*
 * Step 2: pivot_root into the rootfs and detach the old root (with
 * @o->no_pivot, or when pivot_root fails with EINVAL because the current root
 * is a ramfs/rootfs: MS_MOVE onto "/" and chroot).
 * On return the cwd is the new "/".
 */
int berth_rootfs_pivot(const struct berth_spec *spec, const struct berth_rootfs_opts *o,
		       struct berth_error **err);

/*
 * Step 3, after what needs a writable /proc (sysctl): maskedPaths,
 * readonlyPaths, root.readonly and, last, linux.rootfsPropagation.
 */
int berth_rootfs_finalize(const struct berth_spec *spec, struct berth_error **err);

#endif
