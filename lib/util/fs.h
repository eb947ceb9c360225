/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_FS_H
#define BERTH_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/*
 * File-system helpers.  Everything under a container rootfs, a layer or the
 * store is opened relative to a directory fd and resolved as if that
 * directory were "/": openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), or a
 * component-by-component O_NOFOLLOW walk where openat2 is missing (old
 * kernels, valgrind).  A symlink, "..", or absolute path can never lead out.
 */

/*
 * Open @path inside @rootfd.  @flags as for open(2); O_CLOEXEC is always added.
 * A symlink in the last component is followed (in root) unless O_NOFOLLOW is
 * given.  Returns the fd or -errno (errno is set too); no error object, so it
 * can be used in a forked child.
 */
int berth_openat_in_root(int rootfd, const char *path, int flags, mode_t mode);

/* Force the fallback walk (tests). */
void berth_fs_force_fallback(int on);

/*
 * Create @path and its missing parents inside @rootfd as directories (mode
 * @mode) and return an O_PATH|O_DIRECTORY fd to it, or -errno.
 */
int berth_mkdir_p_in_root(int rootfd, const char *path, mode_t mode);

/* Whether @path (not followed if a symlink) is the root of a mount. */
bool berth_is_mount_root(const char *path);

/*
 * The absolute path of the directory or file @fd is open on, as the kernel
 * names it (one readlink of /proc/self/fd/N, where realpath() of that link
 * would readlink every component); NULL with errno set, ENOENT when it was
 * deleted.  The caller frees it.
 */
char *berth_fd_path(int fd);

/* Read a whole file (at most @max bytes, else EFBIG); NUL-terminated buffer. */
int berth_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
		       struct berth_error **err);

/* The same from an open @fd (a pipe, a socket), until EOF. */
int berth_read_fd(int fd, size_t max, char **out, size_t *len, struct berth_error **err);

/* Write @len bytes to an existing file (cgroup knobs, /proc files). -errno. */
int berth_write_file_at(int dirfd, const char *path, const char *buf, size_t len);

/* Crash-safe replace: temp file, fsync, rename, fsync of the directory. */
int berth_write_file_atomic(int dirfd, const char *path, const char *buf, size_t len, mode_t mode,
			    struct berth_error **err);

/*
 * Atomic but not durable: temp file and rename, no fsync.  For state on
 * tmpfs (/run) that a reboot clears anyway; readers never see a partial file.
 */
int berth_write_file_replace(int dirfd, const char *path, const char *buf, size_t len, mode_t mode,
			     struct berth_error **err);

/*
 * berth_write_file_replace, keeping the file it replaces open: *old_fd (-1
 * when there was none) is that file, unlinked.  Freeing a file's blocks can
 * be slow (on ext4 without a journal mounted with `discard`, rename(2) over a
 * 1-byte file waits ~0.7 ms for the device's discard): whoever holds *old_fd
 * decides when that cost is paid, by closing it off its critical path.
 */
int berth_write_file_replace_keep(int dirfd, const char *path, const char *buf, size_t len,
				  mode_t mode, int *old_fd, struct berth_error **err);

/* Write all of @buf to @fd, retrying on EINTR and short writes. -errno. */
int berth_write_all(int fd, const void *buf, size_t len);

/* Remove a directory tree below @dirfd/@name without following symlinks. */
int berth_rm_rf_at(int dirfd, const char *name);

#endif
