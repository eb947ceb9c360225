/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_TESTS_IMAGE_HELPERS_H
#define BERTH_TESTS_IMAGE_HELPERS_H

#include "image/store.h"
#include "util/digest.h"

/* A fresh store in a new temp dir; the path is written to @dir (PATH_MAX). */
struct berth_store *tstore_new(char *dir);
/* Remove the temp dir. */
void tstore_rm(const char *dir);
/* Every path under @dir with type, mode, size and content sha256; the caller frees. */
char *tstore_listing(const char *dir);
/* Put a blob, failing the test on error. */
void tstore_put(struct berth_store *s, const char *data, char digest[BERTH_DIGEST_BUF]);
/*
 * Store an image of @n_layers layers whose contents derive from @seed and
 * write its manifest digest to @manifest.
 */
void tstore_image(struct berth_store *s, int seed, int n_layers, char manifest[BERTH_DIGEST_BUF]);

#endif
