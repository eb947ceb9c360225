/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_UNPACK_H
#define BERTH_IMAGE_UNPACK_H

#include <stddef.h>

#include "image/manifest.h"
#include "image/store.h"
#include "util/error.h"

/* Called once per layer unpacked (not for snapshots that already existed). */
typedef void (*berth_unpacked_fn)(void *ctx, size_t index, const char *digest);

/*
 * Unpack the @n layer blobs @layers (committed in the store) into snapshots
 * keyed by chain ID, each once, checking that each layer's DiffID is
 * @diff_ids[i] (EBADMSG otherwise: `layer sha256:…: its content (diff ID …)
 * is not the config's …`).  Layers whose snapshot exists are skipped.  On a
 * failure the snapshots already made stay (they are correct and shared).
 */
int berth_image_unpack(struct berth_store *s, const struct berth_descriptor *layers, size_t n,
		       char *const *diff_ids, berth_unpacked_fn unpacked, void *ctx,
		       struct berth_error **err);

#endif
