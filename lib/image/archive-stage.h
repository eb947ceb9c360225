/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_ARCHIVE_STAGE_H
#define BERTH_IMAGE_ARCHIVE_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "image/store.h"
#include "util/digest.h"
#include "util/error.h"

/*
 * An untrusted archive read once, its regular files kept as unlinked temp
 * files under the store's tmp/ (same file system as the blobs, gone when the
 * process ends) and hashed on the way.  Nothing is written under a name taken
 * from the archive: names are only keys of this table.  Not part of the API.
 */

/* More files than any image archive needs; each one holds an fd while loading. */
#define STAGE_MAX_FILES 768
#define STAGE_MAX_NAME 1024

struct stage_file {
	char *name;
	int fd;
	int64_t size;
	char digest[BERTH_DIGEST_BUF];
};

struct stage_link {
	char *name;
	char *target; /* normalised, relative to the archive root */
};

struct stage {
	struct stage_file *files;
	size_t n_files;
	struct stage_link *links;
	size_t n_links;
};

/* Read the tar (optionally compressed) on @fd into @st; the caller releases @st. */
int stage_read(struct berth_store *s, int fd, struct stage *st, struct berth_error **err);

/* The file named @name (through links), or NULL. */
const struct stage_file *stage_find(const struct stage *st, const char *name);

/* A staged file of at most @max bytes, NUL-terminated; ENOENT / EFBIG naming @name. */
int stage_slurp(const struct stage *st, const char *name, size_t max, char **out, size_t *len,
		struct berth_error **err);

void stage_release(struct stage *st);

#endif
