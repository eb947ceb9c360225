/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_ROOTFS_STEPS_H
#define BERTH_RUNTIME_ROOTFS_STEPS_H

/* Internal steps of rootfs.c, one file each; @rootfd is an O_PATH fd of the rootfs. */

#include "runtime/rootfs.h"

/* mounts.c: one entry of "mounts" (@what names it in errors, "mounts[3]"). */
int berth_rootfs_do_mount(int rootfd, const struct berth_mount *m,
			  const struct berth_rootfs_opts *o, struct berth_error **err);

/* mounts-cgroup.c: a "cgroup" mount (cgroup2, or a tmpfs of v1 hierarchies). */
int berth_rootfs_mount_cgroup(int rootfd, const struct berth_mount *m,
			      const struct berth_rootfs_opts *o, struct berth_error **err);

/* devices.c: device nodes, /dev/ptmx, /dev symlinks, /dev/shm, /dev/console. */
int berth_rootfs_devices(int rootfd, const struct berth_spec *spec,
			 const struct berth_rootfs_opts *o, struct berth_error **err);

/* rootfs-paths.c: maskedPaths and readonlyPaths, after pivot (@rootfd is "/"). */
int berth_rootfs_mask_paths(int rootfd, char *const *paths, struct berth_error **err);
int berth_rootfs_readonly_paths(int rootfd, char *const *paths, struct berth_error **err);

/* @data with SELinux's context="@label" appended (linux.mountLabel); the caller frees. */
char *berth_mount_label_data(const char *data, const char *label);

#endif
