/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_MOUNT_UTIL_H
#define BERTH_RUNTIME_MOUNT_UTIL_H

/*
 * Mount primitives on file descriptors (the "new" mount API).  A mount is
 * built detached (open_tree(OPEN_TREE_CLONE) or fsopen/fsmount), configured
 * with mount_setattr, and attached with move_mount onto an O_PATH fd of the
 * destination that was resolved inside the rootfs.  Nothing here takes a
 * path that the kernel would resolve again, so a symlink swapped in while we
 * work cannot redirect a mount out of the rootfs (runc CVE-2021-30465).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/spec.h"
#include "util/error.h"

/*
 * Resolve @path inside @rootfd, creating it when missing as a directory, or
 * as an empty regular file when @file (parents are directories).  Symlinks,
 * including dangling ones, are followed as the container would follow them,
 * never out of @rootfd.  Returns an fd of the destination (O_PATH, or for a
 * file just created, that file opened read-only); fails with ENOTDIR/EISDIR
 * when an existing destination has the wrong kind.
 */
int berth_mnt_open_dest(int rootfd, const char *path, bool file, struct berth_error **err);

/*
 * Create @name (one component) in the directory @dirfd: a directory (mode
 * 0755), or when @file an empty regular file (0644), never following or
 * reusing what is there (EEXIST).  Returns an fd of it to mount on (O_PATH
 * for a directory, the new file opened read-only), or -errno.  For mount
 * points in a directory the caller trusts: a tmpfs it just mounted, or a
 * directory it resolved inside the root.
 */
int berth_mnt_create_at(int dirfd, const char *name, bool file);

/* Close *@a and *@b (either may be -1; one close_range when adjacent), set both to -1. */
void berth_close2(int *a, int *b);

/* Close @n fds (one close_range per run of consecutive ones); -1 entries are skipped. */
void berth_close_fds(const int *fds, size_t n);

/* Detached copy of the mount tree at @path (relative to @dirfd); @recursive: with submounts. */
int berth_mnt_clone(int dirfd, const char *path, bool recursive, struct berth_error **err);

/*
 * A new detached mount of file system @type.  @source may be NULL; @data is
 * the comma-separated option string given to the file system (may be NULL);
 * @ms_flags are MS_* flags (per-mount ones become mount attributes,
 * sync/dirsync/mand superblock flags).  Returns the mount fd.
 */
int berth_mnt_fsmount(const char *type, const char *source, const char *data,
		      unsigned long ms_flags, struct berth_error **err);

/*
 * Bind @srcfd onto @destfd with mount(2) through /proc/self/fd (checked to
 * be procfs), which keeps mount(2)'s propagation semantics: the new mount
 * joins the source's peer group, where a detached open_tree clone would be
 * private.  Returns an O_PATH fd of the new mount: @path re-resolved inside
 * @rootfd and checked to be the mount just made (else EXDEV).
 */
int berth_mnt_bind_fds(int rootfd, const char *path, int srcfd, int destfd, bool recursive,
		       struct berth_error **err);

/*
 * mount(2) with MS_REMOUNT | @flags and @data on the mount whose root @fd
 * is (through a checked /proc/self/fd): the spec's "remount" option, with
 * runc's semantics (superblock and mount flags, file-system options).
 */
int berth_mnt_remount_fd(int fd, const char *path, unsigned long flags, const char *data,
			 struct berth_error **err);

/* Attach the detached mount @treefd on @destfd (an O_PATH fd). @what names it in errors. */
int berth_mnt_attach(int treefd, int destfd, const char *what, struct berth_error **err);

struct berth_mnt_attr {
	uint64_t set, clr;    /* MOUNT_ATTR_* */
	uint64_t propagation; /* MS_PRIVATE/MS_SHARED/MS_SLAVE/MS_UNBINDABLE or 0 */
	int userns_fd;	      /* with MOUNT_ATTR_IDMAP in @set, else -1 */
	bool recursive;	      /* AT_RECURSIVE */
};

/* mount_setattr on the mount @fd refers to; a no-op when nothing is asked. */
int berth_mnt_setattr(int fd, const struct berth_mnt_attr *a, const char *what,
		      struct berth_error **err);

/*
 * berth_mnt_clone with @a applied to the copy before anyone sees it, in one
 * call (open_tree_attr, Linux 6.15) where the kernel has it.  @a->recursive
 * is both the copy's and the attributes' (AT_RECURSIVE); no idmapping here.
 */
int berth_mnt_clone_attr(int dirfd, const char *path, const struct berth_mnt_attr *a,
			 struct berth_error **err);

/* Translate MS_* flags set / cleared into MOUNT_ATTR_* set / clear masks (ORed in). */
void berth_mnt_flags_to_attr(unsigned long set, unsigned long clear, uint64_t *attr_set,
			     uint64_t *attr_clr);

/* A user namespace fd carrying these mappings (for MOUNT_ATTR_IDMAP). */
int berth_mnt_userns_fd(const struct berth_id_map *uids, size_t n_uids,
			const struct berth_id_map *gids, size_t n_gids, struct berth_error **err);

#endif
