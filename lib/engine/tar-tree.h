/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_TAR_TREE_H
#define BERTH_ENGINE_TAR_TREE_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/*
 * A file tree written as a tar stream (cp, export), walked through file
 * descriptors only: every entry below the start is opened with
 * openat(parent, name, O_NOFOLLOW), so a container that swaps a directory
 * for a symlink while we read makes the walk fail or record the symlink,
 * never read outside the tree (CVE-2018-15664).
 */

struct archive;

struct berth_tar_tree_opts {
	const char *arcname; /* the start's name in the archive; "" or ".": write only its
				contents (a directory's entries at the archive's top) */
	/* ownership in the archive: (@uid >= 0 ? @uid : the file's) + @id_add, where
	 * @id_add moves ids across a user namespace's mapping (out of range: 65534) */
	int64_t uid, gid;
	int64_t id_add;
	bool skip_whiteout_names; /* refuse names starting with ".wh." (they mean deletion) */
};

/* Open a pax tar writer on @fd (the caller closes with berth_tar_close). */
int berth_tar_open(int fd, struct archive **out, struct berth_error **err);
int berth_tar_close(struct archive *a, bool ok, struct berth_error **err);

/*
 * Write the tree whose root is @fd (an O_PATH fd of a file, directory,
 * symlink, fifo or device; the caller keeps it) to @a.
 */
int berth_tar_tree(struct archive *a, int fd, const struct berth_tar_tree_opts *o,
		   struct berth_error **err);

/*
 * Copy tar stream @in to @out, changing every entry's owner as @o says
 * (uid/gid, no arcname use) and refusing ".wh." names: what comes from the
 * user for `cp - CTR:DIR`.
 */
int berth_tar_rewrite(int in, struct archive *out, const struct berth_tar_tree_opts *o,
		      struct berth_error **err);

#endif
