/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_STORE_H
#define BERTH_IMAGE_STORE_H

#include "util/error.h"

/*
 * The image store under the data root (default /var/lib/berth, `--root DIR`):
 *
 *   blobs/sha256/<hex>     content-addressed blobs (manifests, configs, layers)
 *   images/<hex>.json      image records, keyed by manifest digest
 *   tags.json              reference → manifest digest
 *   snapshots/             unpacked layers, owned by lib/storage
 *   tmp/                   partial writes; garbage after a crash, cleaned by open
 *   lock                   flock: writers of images/ and tags.json serialise on it
 *   gc.lock                flock: shared by writers in flight (leases), exclusive for GC
 *
 * Every file becomes visible by rename from tmp/ after an fsync, and the
 * directory is fsynced after the rename, so a crash at any point leaves
 * either the old or the new file, never a partial one.  See docs/images.md.
 */

#define BERTH_DEFAULT_ROOT "/var/lib/berth"

struct berth_store;

/*
 * Open (creating the layout if needed) the store at @root and remove the
 * temp files of writers that are gone (each live writer holds an flock on
 * its temp file, so a dead one is recognised without guessing from pids).
 * The caller frees *out with berth_store_free().
 */
int berth_store_open(const char *root, struct berth_store **out, struct berth_error **err);

/* NULL-safe; releases the locks and leases this handle holds. */
void berth_store_free(struct berth_store *s);

/* The data root path as given to open. */
const char *berth_store_root(const struct berth_store *s);

/* An O_DIRECTORY fd of the data root (borrowed; lib/storage opens snapshots/ under it). */
int berth_store_rootfd(const struct berth_store *s);

/*
 * Take the store's write lock (flock on "lock", blocking).  Nested calls on
 * the same handle count; each needs an unlock.
 */
int berth_store_lock(struct berth_store *s, struct berth_error **err);
void berth_store_unlock(struct berth_store *s);

/*
 * A lease keeps garbage collection away while blobs are written but not yet
 * referenced by an image record (a pull between its first blob and its
 * record).  Nested leases on the same handle count.  GC blocks until every
 * other process's leases are released, and refuses (EBUSY) on a handle that
 * holds one.
 */
int berth_store_lease(struct berth_store *s, struct berth_error **err);
void berth_store_unlease(struct berth_store *s);

/* Remove temp files of dead writers from tmp/ (done by open as well). */
int berth_store_clean_tmp(struct berth_store *s, struct berth_error **err);

#endif
