/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots keyed by chain ID: prepare (unpack once, crash-safe publish),
 * exists, remove, list, garbage collection.  Layout in snapshot.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/snapshot-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct lowers {
	int fds[MAX_LAYERS];
	size_t n;
};

static void lowers_close(struct lowers *l)
{
	while (l->n > 0)
		close(l->fds[--l->n]);
}

/* O_PATH fds on the diff dirs of the chain ending at @phex, top first (overlay). */
static int lowers_open(int snaps, const char *phex, struct lowers *l, struct berth_error **err)
{
	char cur[65], path[80];

	memcpy(cur, phex, 65);
	while (cur[0] != '\0') {
		if (l->n == MAX_LAYERS)
			return berth_error_set(err, E2BIG, "more than %d layers", MAX_LAYERS);
		snprintf(path, sizeof(path), "%s/diff", cur);
		l->fds[l->n] = openat(snaps, path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (l->fds[l->n] < 0)
			return berth_error_errno(err, "open snapshot sha256:%s", cur);
		l->n++;
		if (snapshot_parent(snaps, cur, cur, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

static int extract_into(int snaps, int subfd, int driver, const char *phex, int blob_fd,
			const char *media_type, struct berth_extract_opts *x, char *diffid,
			struct berth_error **err)
{
	struct lowers *l = calloc(1, sizeof(*l));
	int ret = 0;

	if (l == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (driver == BERTH_DRIVER_OVERLAY)
		ret = lowers_open(snaps, phex, l, err);
	x->lowers = l->fds;
	x->nlowers = l->n;
	if (ret == 0)
		ret = berth_layer_extract(subfd, blob_fd, media_type, x->name, x, diffid, err);
	x->lowers = NULL;
	x->nlowers = 0;
	lowers_close(l);
	free(l);
	return ret;
}

/* Fill snapshots/<tmp>: the tree (a copy of the parent for vfs, then the layer) and the files. */
static int fill(int tmp, int snaps, int driver, const char *phex, int blob_fd,
		const char *media_type, struct berth_extract_opts *x, char *diffid,
		struct berth_error **err)
{
	const char *sub = driver == BERTH_DRIVER_OVERLAY ? "diff" : "fs";
	cleanup_close int subfd = -1;
	cleanup_close int pfd = -1;
	cleanup_free char *ppath = NULL;

	if (mkdirat(tmp, sub, 0755) < 0)
		return berth_error_errno(err, "mkdir '%s'", sub);
	subfd = openat(tmp, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (subfd < 0)
		return berth_error_errno(err, "open '%s'", sub);
	if (driver == BERTH_DRIVER_VFS && *phex) {
		if (asprintf(&ppath, "%s/fs", phex) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		pfd = openat(snaps, ppath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (pfd < 0)
			return berth_error_errno(err, "open parent snapshot 'sha256:%s'", phex);
		if (vfs_copy_tree(pfd, subfd, err) < 0)
			return berth_error_prefix(err, "copy parent snapshot sha256:%s", phex);
	}
	if (extract_into(snaps, subfd, driver, phex, blob_fd, media_type, x, diffid, err) < 0)
		return berth_error_ret(err);
	if (berth_write_file_atomic(tmp, "parent", phex, strlen(phex), 0600, err) < 0 ||
	    berth_write_file_atomic(tmp, "diffid", diffid, strlen(diffid), 0600, err) < 0)
		return berth_error_ret(err);
	/* One syncfs flushes the whole unpacked tree; cheaper than an fsync per file. */
	if (syncfs(tmp) < 0)
		return berth_error_errno(err, "syncfs");
	return berth_write_file_atomic(tmp, "complete", berth_storage_driver_name(driver),
				       strlen(berth_storage_driver_name(driver)), 0600, err);
}

/* Move an existing (stale or foreign-driver) snapshots/<hex> out of the way and delete it. */
static int discard(int snaps, const char *name, struct berth_error **err)
{
	char gone[64];

	if (snapshot_tmp_name("tmp-rm-", gone, err) < 0)
		return berth_error_ret(err);
	if (renameat(snaps, name, snaps, gone) < 0)
		return errno == ENOENT ? 0 : berth_error_errno(err, "remove snapshot '%s'", name);
	if (fsync(snaps) < 0)
		return berth_error_errno(err, "fsync '%s'", SNAPSHOTS);
	snapshot_drop_views(snaps, gone);
	berth_rm_rf_at(snaps, gone);
	return 0;
}

static int publish(int root_fd, int snaps, const char *tmp, const char *hex, int driver,
		   struct berth_error **err)
{
	char chainid[72];

	snprintf(chainid, sizeof(chainid), "sha256:%s", hex);
	if (renameat(snaps, tmp, snaps, hex) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			return berth_error_errno(err, "publish snapshot %s", chainid);
		if (berth_snapshot_exists(root_fd, driver, chainid))
			return 1; /* another berth unpacked it meanwhile */
		if (discard(snaps, hex, err) < 0)
			return berth_error_ret(err);
		if (renameat(snaps, tmp, snaps, hex) < 0)
			return berth_error_errno(err, "publish snapshot %s", chainid);
	}
	if (fsync(snaps) < 0)
		return berth_error_errno(err, "fsync '%s'", SNAPSHOTS);
	return 0;
}

static int prepare_new(int root_fd, int driver, const char *phex, const char *hex, int blob_fd,
		       const char *media_type, struct berth_extract_opts *x, char *diffid,
		       struct berth_error **err)
{
	cleanup_close int snaps = -1;
	cleanup_close int tmp = -1;
	char name[64];
	int ret;

	snaps = snapshot_dir(root_fd, true, err);
	if (snaps < 0 || snapshot_tmp_name("tmp-", name, err) < 0)
		return berth_error_ret(err);
	if (mkdirat(snaps, name, 0700) < 0)
		return berth_error_errno(err, "mkdir '%s/%s'", SNAPSHOTS, name);
	tmp = openat(snaps, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tmp < 0)
		ret = berth_error_errno(err, "open '%s/%s'", SNAPSHOTS, name);
	else
		ret = fill(tmp, snaps, driver, phex, blob_fd, media_type, x, diffid, err);
	if (ret >= 0)
		ret = publish(root_fd, snaps, name, hex, driver, err);
	if (ret != 0)
		berth_rm_rf_at(snaps, name);
	return ret < 0 ? ret : 0;
}

int berth_snapshot_prepare(int root_fd, int driver, const char *parent_chainid, const char *chainid,
			   int blob_fd, const char *media_type,
			   const struct berth_extract_opts *opts, char *diffid,
			   struct berth_error **err)
{
	struct berth_extract_opts x = *opts;
	cleanup_close int snaps = -1;
	char hex[65], phex[65] = "";

	if (snapshot_hex(chainid, hex, err) < 0)
		return berth_error_ret(err);
	if (parent_chainid != NULL && snapshot_hex(parent_chainid, phex, err) < 0)
		return berth_error_ret(err);
	if (berth_snapshot_exists(root_fd, driver, chainid)) {
		snaps = snapshot_dir(root_fd, false, err);
		if (snaps < 0)
			return snaps;
		return snapshot_read_small(snaps, hex, "diffid", diffid, 72, err);
	}
	if (parent_chainid != NULL && !berth_snapshot_exists(root_fd, driver, parent_chainid))
		return berth_error_set(err, ENOENT, "parent snapshot %s not found", parent_chainid);
	x.name = opts->name ? opts->name : chainid;
	x.whiteouts =
	    driver == BERTH_DRIVER_OVERLAY ? BERTH_WHITEOUT_OVERLAY : BERTH_WHITEOUT_DELETE;
	return prepare_new(root_fd, driver, phex, hex, blob_fd, media_type, &x, diffid, err);
}

int berth_snapshot_remove(int root_fd, const char *chainid, struct berth_error **err)
{
	cleanup_close int snaps = -1;
	char hex[65];
	struct stat st;

	if (snapshot_hex(chainid, hex, err) < 0)
		return berth_error_ret(err);
	snaps = snapshot_dir(root_fd, false, err);
	if (snaps < 0)
		return snaps;
	if (fstatat(snaps, hex, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_errno(err, "snapshot %s", chainid);
	return discard(snaps, hex, err);
}
