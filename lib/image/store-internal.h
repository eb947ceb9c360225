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

#ifndef BERTH_IMAGE_STORE_INTERNAL_RECORDS
#define BERTH_IMAGE_STORE_INTERNAL_RECORDS
#include <json-c/json.h>

struct berth_image;

/* images/<hex>.json for a manifest digest; ENOENT when absent. */
int record_load(struct berth_store *s, const char *manifest, struct berth_image **out,
		struct berth_error **err);
/* Write a record crash-safely (replacing an older one). */
int record_save(struct berth_store *s, const struct berth_image *img, struct berth_error **err);
/* Remove a record; the directory is fsynced. */
int record_remove(struct berth_store *s, const char *manifest, struct berth_error **err);
/* Every record, in directory order, without tags. */
int record_load_all(struct berth_store *s, struct berth_image ***out, size_t *n,
		    struct berth_error **err);

/* The "tags" map of tags.json (an empty one when the file is absent). */
int tags_load(struct berth_store *s, json_object **tags, struct berth_error **err);
int tags_save(struct berth_store *s, json_object *tags, struct berth_error **err);
/* Set img->tags to the references in @tags that point at its manifest. */
int tags_attach(json_object *tags, struct berth_image *img, struct berth_error **err);
#endif
