/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_GC_H
#define BERTH_IMAGE_GC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/store.h"
#include "util/error.h"

/*
 * Garbage collection by reachability: what the image records reference
 * (manifests, indexes, configs, layers, and the chain IDs of their
 * snapshots) stays, everything else goes.  Nothing is reference-counted on
 * disk, so there is no count to get wrong after a crash.
 */

/* lib/storage's side: its snapshot directories, keyed by chain ID. */
struct berth_gc_hooks {
	/* Every snapshot's chain ID as a NULL-terminated vector the caller (GC) frees. */
	int (*list_snapshots)(void *ctx, char ***chain_ids, struct berth_error **err);
	/* Remove one snapshot. */
	int (*remove_snapshot)(void *ctx, const char *chain_id, struct berth_error **err);
	/* Does a container still use this snapshot (after a forced rmi)?  NULL: no. */
	bool (*snapshot_in_use)(void *ctx, const char *chain_id);
	void *ctx;
};

struct berth_gc_result {
	size_t blobs_removed;
	int64_t bytes_freed; /* blob bytes */
	size_t snapshots_removed;
};

/*
 * Collect under the store lock and with GC's exclusive lock, which waits
 * for other processes' leases (pulls in flight).  EBUSY when this handle
 * holds a lease itself.  @hooks may be NULL (blobs only); @out may be NULL.
 */
int berth_store_gc(struct berth_store *s, const struct berth_gc_hooks *hooks,
		   struct berth_gc_result *out, struct berth_error **err);

#endif
