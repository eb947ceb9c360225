/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating one tar entry under the target: regular files (sparse too),
 * directories, symlinks, hardlinks, fifos and devices, then their owner,
 * mode, xattrs and times.  Every call is relative to a parent directory fd
 * reached without following symlinks, and never follows the last component.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "storage/extract-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

int extract_clear_slot(struct extract *x, int parent, const char *base, bool is_dir,
		       const char *path, struct berth_error **err)
{
	struct stat st;

	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return berth_error_errno(err, "layer %s: stat '%s'", x->layer, path);
	}
	if (S_ISDIR(st.st_mode) && is_dir)
		return 1;
	if (S_ISDIR(st.st_mode))
		extract_forget_parent(x);
	if (S_ISDIR(st.st_mode) ? berth_rm_rf_at(parent, base) < 0 : unlinkat(parent, base, 0) < 0)
		return berth_error_errno(err, "layer %s: replace '%s'", x->layer, path);
	return 0;
}

static bool xattr_allowed(struct extract *x, const char *name)
{
	if (strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0)
		return true;
	/* trusted.overlay.* would be read by overlayfs as its own metadata: never from a layer. */
	if (strncmp(name, "trusted.overlay.", 16) == 0)
		return false;
	return strncmp(name, "trusted.", 8) == 0 && x->opts->allow_trusted_xattrs;
}

static int set_xattrs(struct extract *x, int fd, const char *path, struct archive_entry *e,
		      struct berth_error **err)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (!xattr_allowed(x, name))
			continue;
		if (fsetxattr(fd, name, value, size, 0) < 0)
			return berth_error_errno(err, "layer %s: xattr '%s' on '%s'", x->layer,
						 name, path);
	}
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec t[2])
{
	t[1].tv_sec = archive_entry_mtime(e);
	t[1].tv_nsec = archive_entry_mtime_nsec(e);
	t[0] = t[1];
	if (archive_entry_atime_is_set(e)) {
		t[0].tv_sec = archive_entry_atime(e);
		t[0].tv_nsec = archive_entry_atime_nsec(e);
	}
}

/* Owner before mode (chown clears setuid), xattrs after both (chown clears file caps). */
static int set_meta_fd(struct extract *x, int fd, const char *path, struct archive_entry *e,
		       bool times, struct berth_error **err)
{
	struct timespec t[2];

	if (x->opts->chown && fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0)
		return berth_error_errno(err, "layer %s: chown '%s'", x->layer, path);
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return berth_error_errno(err, "layer %s: chmod '%s'", x->layer, path);
	if (set_xattrs(x, fd, path, e, err) < 0)
		return berth_error_ret(err);
	entry_times(e, t);
	if (times && futimens(fd, t) < 0)
		return berth_error_errno(err, "layer %s: times of '%s'", x->layer, path);
	return 0;
}

/* Owner and times of a node that cannot be opened for writing (symlink, device, fifo). */
static int set_meta_at(struct extract *x, int parent, const char *base, const char *path,
		       struct archive_entry *e, struct berth_error **err)
{
	struct timespec t[2];

	if (x->opts->chown && fchownat(parent, base, archive_entry_uid(e), archive_entry_gid(e),
				       AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_errno(err, "layer %s: chown '%s'", x->layer, path);
	/* The node was just created by us, so it is not a symlink unless it is the entry. */
	if (archive_entry_filetype(e) != AE_IFLNK &&
	    fchmodat(parent, base, archive_entry_perm(e) & 07777, 0) < 0)
		return berth_error_errno(err, "layer %s: chmod '%s'", x->layer, path);
	entry_times(e, t);
	if (utimensat(parent, base, t, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_errno(err, "layer %s: times of '%s'", x->layer, path);
	return 0;
}

static int write_data(struct extract *x, int fd, const char *path, struct archive_entry *e,
		      struct berth_error **err)
{
	int64_t size = archive_entry_size(e), offset;
	const void *buf;
	size_t len;
	int ret;

	while ((ret = archive_read_data_block(x->ar, &buf, &len, &offset)) == ARCHIVE_OK) {
		if (offset < 0 || (uint64_t)offset + len > (uint64_t)size)
			return berth_error_set(err, EFBIG,
					       "layer %s: entry '%s': data beyond its declared "
					       "size of %lld bytes",
					       x->layer, path, (long long)size);
		for (size_t done = 0; done < len;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, len - done, offset + done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return berth_error_errno(err, "layer %s: write '%s'", x->layer,
							 path);
			done += n;
		}
	}
	if (ret != ARCHIVE_EOF)
		return extract_archive_fail(x, path, err);
	if (ftruncate(fd, size) < 0) /* a sparse file may end in a hole */
		return berth_error_errno(err, "layer %s: truncate '%s'", x->layer, path);
	return 0;
}

static int make_file(struct extract *x, int parent, const char *base, const char *path,
		     struct archive_entry *e, struct berth_error **err)
{
	uint64_t cap = x->opts->max_entry   ? x->opts->max_entry
		       : x->opts->max_total ? x->opts->max_total
					    : BERTH_LAYER_DEFAULT_MAX;
	cleanup_close int fd = -1;

	if (archive_entry_size(e) < 0 || (uint64_t)archive_entry_size(e) > cap)
		return berth_error_set(err, EFBIG,
				       "layer %s: entry '%s': declared size %lld exceeds the limit "
				       "of %llu bytes",
				       x->layer, path, (long long)archive_entry_size(e),
				       (unsigned long long)cap);
	fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_errno(err, "layer %s: create '%s'", x->layer, path);
	if (write_data(x, fd, path, e, err) < 0)
		return berth_error_ret(err);
	return set_meta_fd(x, fd, path, e, true, err);
}

static int make_dir(struct extract *x, int parent, const char *base, const char *path,
		    struct archive_entry *e, struct berth_error **err)
{
	cleanup_close int fd = -1;

	if (mkdirat(parent, base, 0700) < 0 && errno != EEXIST)
		return berth_error_errno(err, "layer %s: mkdir '%s'", x->layer, path);
	fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "layer %s: open '%s'", x->layer, path);
	struct timespec t[2];

	if (set_meta_fd(x, fd, path, e, false, err) < 0)
		return berth_error_ret(err);
	entry_times(e, t);
	return extract_defer_times(x, path, t, err);
}

int extract_defer_times(struct extract *x, const char *path, const struct timespec t[2],
			struct berth_error **err)
{
	struct dir_time *grown;

	if (x->ndirs == x->dirs_cap) {
		x->dirs_cap = x->dirs_cap ? 2 * x->dirs_cap : 64;
		grown = realloc(x->dirs, x->dirs_cap * sizeof(*grown));
		if (grown == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		x->dirs = grown;
	}
	x->dirs[x->ndirs].path = strdup(path);
	if (x->dirs[x->ndirs].path == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	memcpy(x->dirs[x->ndirs++].times, t, sizeof(x->dirs[0].times));
	return 0;
}

static int make_hardlink(struct extract *x, int parent, const char *base, const char *path,
			 const char *target, struct berth_error **err)
{
	cleanup_free char *clean = NULL;
	cleanup_close int tdir = -1;
	const char *tbase;
	struct stat st;
	char *slash;

	cleanup_free char *what = NULL;

	if (asprintf(&what, "hardlink '%s' to ", path) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (extract_clean_name(x->layer, what, target, &clean, err) < 0)
		return berth_error_ret(err);
	tbase = clean;
	slash = strrchr(clean, '/');
	if (slash != NULL) {
		*slash = '\0';
		tbase = slash + 1;
	}
	tdir = extract_walk(x, slash ? clean : "", false, target, err);
	if (tdir < 0)
		berth_error_clear(err); /* reported below, as a missing target */
	if (tdir < 0 || fstatat(tdir, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		st.st_mode = 0;
	if (st.st_mode == 0 || S_ISDIR(st.st_mode))
		return berth_error_set(err, st.st_mode == 0 ? ENOENT : EPERM,
				       "layer %s: hardlink '%s' to '%s': target is not a file "
				       "inside the layer",
				       x->layer, path, target);
	if (linkat(tdir, tbase, parent, base, 0) < 0)
		return berth_error_errno(err, "layer %s: hardlink '%s' to '%s'", x->layer, path,
					 target);
	return 0;
}

static int make_node(struct extract *x, int parent, const char *base, const char *path,
		     struct archive_entry *e, struct berth_error **err)
{
	mode_t type = archive_entry_filetype(e);

	if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);

		if (target == NULL || *target == '\0')
			return berth_error_set(err, EPROTO, "layer %s: symlink '%s' has no target",
					       x->layer, path);
		if (symlinkat(target, parent, base) < 0)
			return berth_error_errno(err, "layer %s: symlink '%s'", x->layer, path);
	} else if (type == AE_IFIFO) {
		if (mknodat(parent, base, S_IFIFO | 0600, 0) < 0)
			return berth_error_errno(err, "layer %s: mkfifo '%s'", x->layer, path);
	} else if (type == AE_IFCHR || type == AE_IFBLK) {
		if (!x->opts->allow_devices)
			return berth_error_set(err, EPERM,
					       "layer %s: device node '%s' refused: devices are "
					       "only created by root outside a user namespace",
					       x->layer, path);
		if (mknodat(parent, base, type | 0600, archive_entry_rdev(e)) < 0)
			return berth_error_errno(err, "layer %s: mknod '%s'", x->layer, path);
	} else {
		return berth_error_set(err, EPROTO, "layer %s: entry '%s': unsupported type 0%o",
				       x->layer, path, (unsigned)type);
	}
	return set_meta_at(x, parent, base, path, e, err);
}

int extract_entry(struct extract *x, const char *path, struct archive_entry *e,
		  struct berth_error **err)
{
	const char *hardlink = archive_entry_hardlink(e);
	bool is_dir = !hardlink && archive_entry_filetype(e) == AE_IFDIR;
	const char *base;
	int parent, ret;

	parent = extract_parent(x, path, &base, err);
	if (parent < 0)
		return parent;
	ret = extract_clear_slot(x, parent, base, is_dir, path, err);
	if (ret < 0)
		return ret;
	if (hardlink != NULL)
		return make_hardlink(x, parent, base, path, hardlink, err);
	if (is_dir)
		return make_dir(x, parent, base, path, e, err);
	if (archive_entry_filetype(e) == AE_IFREG)
		return make_file(x, parent, base, path, e, err);
	return make_node(x, parent, base, path, e, err);
}
