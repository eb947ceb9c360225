/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI image-spec whiteouts.  `.wh.<name>` deletes <name> of the lower layers,
 * `.wh..wh..opq` hides everything the lower layers have in its directory;
 * other `.wh..wh.*` names are AUFS bookkeeping and are ignored.
 *
 * overlay: the diff dir holds only this layer, so a whiteout becomes a 0:0
 * character device and an opaque directory gets trusted.overlay.opaque=y;
 * overlayfs applies them when the diffs are stacked.
 * vfs: the target already holds a copy of the parent snapshot, so a whiteout
 * deletes the path and an opaque marker clears what this layer did not add.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "storage/extract-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define OPAQUE ".wh..wh..opq"

/* Whether this layer wrote @path or something below it (vfs mode). */
static bool layer_wrote(struct extract *x, const char *path)
{
	size_t len = strlen(path);

	for (size_t i = 0; i < x->nseen; i++)
		if (strncmp(x->seen[i], path, len) == 0 &&
		    (x->seen[i][len] == '\0' || x->seen[i][len] == '/'))
			return true;
	return false;
}

static int clear_subdir(struct extract *x, int dirfd, const char *name, const char *path,
			struct berth_error **err);

static int clear_dir(struct extract *x, int dirfd, const char *dir, struct berth_error **err)
{
	cleanup_close int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int ret = 0;

	if (d == NULL)
		return berth_error_errno(err, "layer %s: open '%s'", x->layer, dir);
	fd = -1; /* owned by d now */
	while (ret == 0 && (de = readdir(d)) != NULL) {
		cleanup_free char *child = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&child, "%s%s%s", dir, *dir ? "/" : "", de->d_name) < 0) {
			ret = berth_error_set(err, ENOMEM, "out of memory");
			break;
		}
		if (!layer_wrote(x, child)) {
			if (berth_rm_rf_at(dirfd, de->d_name) < 0)
				ret = berth_error_errno(err, "layer %s: opaque '%s': remove '%s'",
							x->layer, dir, child);
		} else if (de->d_type == DT_DIR) {
			/* Kept for what this layer put inside; the lower content still goes. */
			ret = clear_subdir(x, dirfd, de->d_name, child, err);
		}
	}
	closedir(d);
	extract_forget_parent(x);
	return ret;
}

static int clear_subdir(struct extract *x, int dirfd, const char *name, const char *path,
			struct berth_error **err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return berth_error_errno(err, "layer %s: open '%s'", x->layer, path);
	return clear_dir(x, fd, path, err);
}

static int opaque(struct extract *x, const char *dir, struct berth_error **err)
{
	cleanup_close int path_fd = -1;
	cleanup_close int fd = -1;

	path_fd = extract_walk(x, dir, true, dir, err);
	if (path_fd < 0)
		return path_fd;
	fd = openat(path_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "layer %s: open '%s'", x->layer, dir);
	if (x->opts->whiteouts == BERTH_WHITEOUT_DELETE)
		return clear_dir(x, fd, dir, err);
	if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
		return berth_error_errno(err, "layer %s: mark '%s' opaque", x->layer, dir);
	return 0;
}

static int whiteout(struct extract *x, const char *path, struct berth_error **err)
{
	const char *base;
	int parent, ret;

	parent = extract_parent(x, path, &base, err);
	if (parent < 0)
		return parent;
	if (x->opts->whiteouts == BERTH_WHITEOUT_DELETE) {
		if (berth_rm_rf_at(parent, base) < 0 && errno != ENOENT)
			return berth_error_errno(err, "layer %s: whiteout '%s'", x->layer, path);
		extract_forget_parent(x);
		return 0;
	}
	ret = extract_clear_slot(x, parent, base, false, path, err);
	if (ret < 0)
		return ret;
	if (mknodat(parent, base, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return berth_error_errno(err, "layer %s: whiteout '%s'", x->layer, path);
	return 0;
}

int extract_whiteout(struct extract *x, const char *path, struct berth_error **err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dirlen = slash ? (size_t)(slash - path) : 0;
	cleanup_free char *target = NULL;

	if (strcmp(base, OPAQUE) == 0) {
		target = strndup(path, dirlen);
		return target ? opaque(x, target, err)
			      : berth_error_set(err, ENOMEM, "out of memory");
	}
	if (strncmp(base, ".wh..wh.", 8) == 0 || base[4] == '\0')
		return 0;
	if (asprintf(&target, "%.*s%s%s", (int)dirlen, path, slash ? "/" : "", base + 4) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return whiteout(x, target, err);
}
