/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_ARCHIVE_TAR_H
#define BERTH_IMAGE_ARCHIVE_TAR_H

#include <stddef.h>

#include "image/images.h"
#include "image/store.h"
#include "util/error.h"

/* Writing the tar of `save` (libarchive, pax); not part of the API. */
struct archive;

int tarw_open(int fd, struct archive **out, struct berth_error **err);
/* Finish the archive (trailer) and free it; NULL-safe when @ok is false. */
int tarw_close(struct archive *a, bool ok, struct berth_error **err);
int tarw_dir(struct archive *a, const char *name, struct berth_error **err);
int tarw_buf(struct archive *a, const char *name, const void *buf, size_t len,
	     struct berth_error **err);
/* A blob copied as stored. */
int tarw_blob(struct berth_store *s, struct archive *a, const char *name, const char *digest,
	      struct berth_error **err);
/* A layer decompressed to its tar, checked against its DiffID. */
int tarw_layer(struct berth_store *s, struct archive *a, const char *name,
	       const struct berth_image_layer *l, struct berth_error **err);

#endif
