/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_PRUNE_H
#define BERTH_ENGINE_PRUNE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/ctr.h"
#include "engine/filter.h"
#include "util/error.h"

/* Container sizes, `container prune`, and which containers use which image. */

/*
 * The container's writable layer in bytes (overlay: its upper directory; vfs:
 * its whole copy), counted as Docker does: the sizes of the files, each
 * inode once.
 */
int64_t berth_ctr_rw_size(struct berth_engine *e, const char *id);

/* Bytes of the files below @dirfd/@name (not following symlinks, inodes once). */
int64_t berth_dir_size(int dirfd, const char *name);

struct berth_prune_result {
	char **ids; /* removed, NULL-terminated (the caller frees with berth_strv_free) */
	int64_t reclaimed;
};

/*
 * Remove every stopped (created, exited, dead) container @f matches.  A
 * container that fails to go is skipped (the first failure is returned after
 * the others were tried, with *out filled).
 */
int berth_ctr_prune(struct berth_engine *e, const struct berth_ctr_filter *f,
		    struct berth_prune_result *out, struct berth_error **err);

/*
 * The first container whose record's Image is @image_id (*running: whether
 * it is running), written to @id; false when none.
 */
bool berth_ctr_image_user(struct berth_engine *e, const char *image_id, char *id, bool *running);

/* Whether a container's root stands on snapshot @chain_id (its top or a parent). */
bool berth_ctr_snapshot_user(struct berth_engine *e, const char *chain_id);

#endif
