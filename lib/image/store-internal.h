/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_STORE_INTERNAL_H
#define BERTH_IMAGE_STORE_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

#include "image/store.h"

/* Shared by the files of lib/image; not part of the API. */
struct berth_store {
	char *root;
	int rootfd;
	int blobsfd;  /* blobs/sha256 */
	int imagesfd; /* images */
	int tmpfd;    /* tmp */
	int lockfd;
	int lock_depth;
	int gcfd;
	int leases;
};

/* Largest tags.json and image record accepted. */
#define STORE_METADATA_MAX (16u << 20)

/*
 * Create a temp file in tmp/ named "<kind>-…", flock'ed by the returned fd
 * (so berth_store_clean_tmp() leaves it alone).  *name is the caller's.
 */
int store_tmp_create(struct berth_store *s, const char *kind, char **name,
		     struct berth_error **err);

/* fsync @fd, rename tmp/@tmpname to @dirfd/@name, fsync @dirfd. */
int store_tmp_publish(struct berth_store *s, int fd, const char *tmpname, int dirfd,
		      const char *name, struct berth_error **err);

/* Write @buf to @dirfd/@name crash-safely through tmp/. */
int store_write_atomic(struct berth_store *s, int dirfd, const char *name, const char *buf,
		       size_t len, struct berth_error **err);

#endif
