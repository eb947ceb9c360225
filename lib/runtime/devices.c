/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/mount-util.h"
#include "runtime/rootfs-steps.h"
#include "util/cleanup.h"
#include "util/fs.h"

/*
 * /dev: the spec's default devices plus linux.devices, then the links every
 * container expects.  Without a user namespace nodes are made with mknod;
 * in one, mknod of devices is refused, so the host's node is bound onto an
 * empty file instead (as runc does).
 */

static const struct berth_device default_devices[] = {
	{ .path = "/dev/null", .type = 'c', .major = 1, .minor = 3, .file_mode = 0666 },
	{ .path = "/dev/zero", .type = 'c', .major = 1, .minor = 5, .file_mode = 0666 },
	{ .path = "/dev/full", .type = 'c', .major = 1, .minor = 7, .file_mode = 0666 },
	{ .path = "/dev/random", .type = 'c', .major = 1, .minor = 8, .file_mode = 0666 },
	{ .path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9, .file_mode = 0666 },
	{ .path = "/dev/tty", .type = 'c', .major = 5, .minor = 0, .file_mode = 0666 },
};

static const struct {
	const char *target, *name;
} dev_links[] = {
	{ "/proc/self/fd", "fd" },
	{ "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" },
	{ "/proc/self/fd/2", "stderr" },
};

/*
 * The parent directory of @path, created inside the root; *base points into
 * @path.  For a node right in /dev that is @devfd (already resolved inside
 * the root), given back as is (*owned = -1): no lookup again.
 */
static int open_parent(int rootfd, int devfd, const char *path, const char **base, int *owned)
{
	cleanup_free char *dir = NULL;
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash[1] == '\0')
		return -EINVAL;
	*base = slash + 1;
	if (slash - path == 4 && strncmp(path, "/dev", 4) == 0)
		return devfd;
	dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return -ENOMEM;
	*owned = berth_mkdir_p_in_root(rootfd, dir, 0755);
	return *owned;
}

static int make_node(int dirfd, const char *base, const struct berth_device *d)
{
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	mode_t mode = d->has_file_mode || d->file_mode ? d->file_mode : 0666;
	cleanup_close int fd = -1;

	if (mknodat(dirfd, base, type | (mode & 07777),
		    makedev((unsigned)d->major, (unsigned)d->minor)) < 0)
		return -errno;
	/* mknod applied the umask; set the exact mode and owner on the node itself. */
	fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchownat(fd, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
		return -errno;
	if (fchmodat(dirfd, base, mode & 07777, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/*
 * In a user namespace: bind the host node (same path) onto an empty file,
 * made in @dir (the node's directory, resolved inside the root) where the old
 * node was just removed: O_EXCL | O_NOFOLLOW, so a new file or an error.
 */
static int bind_node(int dir, const char *base, const struct berth_device *d,
		     struct berth_error **err)
{
	cleanup_close int tree = -1;
	cleanup_close int dest = -1;
	int ret;

	/* The file first: on EEXIST the caller removes the old node and comes back. */
	dest = berth_mnt_create_at(dir, base, true);
	if (dest == -EEXIST)
		return dest;
	if (dest < 0) {
		errno = -dest;
		return berth_error_errno(err, "'%s'", d->path);
	}
	tree = berth_mnt_clone(AT_FDCWD, d->path, false, err);
	if (tree < 0)
		return tree;
	ret = berth_mnt_attach(tree, dest, d->path, err);
	berth_close2(&tree, &dest);
	return ret;
}

static int create_device(int rootfd, int devfd, const struct berth_device *d, bool userns,
			 struct berth_error **err)
{
	cleanup_close int owned = -1;
	const char *base = NULL;
	int dir, ret;

	dir = open_parent(rootfd, devfd, d->path, &base, &owned);
	if (dir < 0) {
		errno = -dir;
		return berth_error_errno(err, "device '%s'", d->path);
	}
	/*
	 * Create; only when the name is taken, replace what the image has there
	 * (never a directory or a mount point) and create again.
	 */
	for (int tries = 0;; tries++) {
		ret = userns ? bind_node(dir, base, d, err) : make_node(dir, base, d);
		if (ret != -EEXIST || tries > 0)
			break;
		if (unlinkat(dir, base, 0) < 0 && errno != ENOENT)
			return berth_error_errno(err, "device '%s': remove the old node", d->path);
	}
	/* bind_node set the error itself, but for a name taken again. */
	if (ret < 0 && (!userns || ret == -EEXIST)) {
		errno = -ret;
		return berth_error_errno(err, "device '%s'", d->path);
	}
	return ret < 0 ? ret : 0;
}

static bool in_spec(const struct berth_spec *spec, const char *path)
{
	for (size_t i = 0; i < spec->n_devices; i++)
		if (strcmp(spec->devices[i].path, path) == 0)
			return true;
	return false;
}

static int create_devices(int rootfd, int devfd, const struct berth_spec *spec, bool userns,
			  struct berth_error **err)
{
	int ret = 0;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(default_devices) && ret >= 0; i++)
		if (!in_spec(spec, default_devices[i].path))
			ret = create_device(rootfd, devfd, &default_devices[i], userns, err);
	for (size_t i = 0; i < spec->n_devices && ret >= 0; i++)
		ret = create_device(rootfd, devfd, &spec->devices[i], userns, err);
	return ret;
}

/* /dev/ptmx -> pts/ptmx (the devpts instance of the container), fd/std* links, /dev/shm. */
static int dev_links_and_dirs(int devfd, struct berth_error **err)
{
	/* Replace an image's /dev/ptmx only when there is one. */
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0 &&
	    (errno != EEXIST || unlinkat(devfd, "ptmx", 0) < 0 ||
	     symlinkat("pts/ptmx", devfd, "ptmx") < 0))
		return berth_error_errno(err, "symlink '/dev/ptmx'");
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0 && errno != EEXIST)
			return berth_error_errno(err, "symlink '/dev/%s'", dev_links[i].name);
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 &&
	    errno != EEXIST)
		return berth_error_errno(err, "symlink '/dev/core'");
	if (mkdirat(devfd, "shm", 01777) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir '/dev/shm'");
	return 0;
}

static int bind_console(int rootfd, const char *console, struct berth_error **err)
{
	cleanup_close int tree = -1;
	cleanup_close int dest = -1;

	tree = berth_mnt_clone(AT_FDCWD, console, false, err);
	if (tree < 0)
		return tree;
	dest = berth_mnt_open_dest(rootfd, "/dev/console", true, err);
	if (dest < 0)
		return dest;
	return berth_mnt_attach(tree, dest, "/dev/console", err);
}

int berth_rootfs_devices(int rootfd, const struct berth_spec *spec,
			 const struct berth_rootfs_opts *o, struct berth_error **err)
{
	cleanup_close int devfd = -1;
	int ret;

	devfd = berth_mkdir_p_in_root(rootfd, "/dev", 0755);
	if (devfd < 0) {
		errno = -devfd;
		return berth_error_errno(err, "'/dev'");
	}
	ret = create_devices(rootfd, devfd, spec, o->userns, err);
	if (ret >= 0)
		ret = dev_links_and_dirs(devfd, err);
	if (ret >= 0 && o->console != NULL)
		ret = bind_console(rootfd, o->console, err);
	return ret;
}
