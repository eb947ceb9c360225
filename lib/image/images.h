/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_IMAGES_H
#define BERTH_IMAGE_IMAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/store.h"
#include "util/digest.h"
#include "util/error.h"

/*
 * Image records and tags.  A record (images/<manifest hex>.json) says what an
 * image is made of: manifest, config (whose digest is the image ID, as in
 * Docker), layers with their diff IDs and chain IDs.  tags.json maps a full
 * reference ("docker.io/library/busybox:latest") to a manifest digest.
 * Records are written before the tags that name them and tags removed before
 * their records, so a tag always leads to a record, even after a crash.
 */

struct berth_image_layer {
	char digest[BERTH_DIGEST_BUF];	 /* the blob as distributed */
	char diff_id[BERTH_DIGEST_BUF];	 /* the uncompressed tar */
	char chain_id[BERTH_DIGEST_BUF]; /* the snapshot key in lib/storage */
	char *media_type;
	int64_t size;
	char **urls; /* foreign layers: where the blob may be fetched; NULL otherwise */
};

struct berth_image {
	char id[BERTH_DIGEST_BUF];	 /* config digest */
	char manifest[BERTH_DIGEST_BUF]; /* the platform manifest */
	char index[BERTH_DIGEST_BUF];	 /* the index it was chosen from, or "" */
	char *media_type;		 /* of the manifest */
	char *platform;			 /* "linux/amd64" from the config */
	struct berth_image_layer *layers;
	size_t n_layers;
	int64_t size;	     /* manifest + config + layer blobs, as stored */
	char *created;	     /* the config's "created", or NULL */
	int64_t added;	     /* unix time the record was written */
	char **repo_digests; /* "docker.io/library/busybox@sha256:…" (never NULL) */
	char **tags;	     /* full references from tags.json (never NULL) */
};

struct berth_image_add_opts {
	const char *manifest; /* digest of an image manifest already in the blobs */
	const char *index;    /* digest of the index it came from, or NULL */
	/*
	 * The reference it was pulled or loaded as, or NULL.  With a tag, the
	 * tag moves to this image; its name and digest become a repo digest.
	 */
	const char *reference;
};

/*
 * Record an image whose manifest, config and layer blobs are in the store.
 * Checks the manifest (an image manifest, not an index), the config and
 * that the layer count matches the diff IDs; computes chain IDs.  Adding an
 * image that exists merges its repo digests and moves the tag.  *out (may be
 * NULL) receives the record; the caller frees it.
 */
int berth_image_add(struct berth_store *s, const struct berth_image_add_opts *opts,
		    struct berth_image **out, struct berth_error **err);

/* Every image, newest first, with its tags.  The caller frees with berth_image_list_free(). */
int berth_image_list(struct berth_store *s, struct berth_image ***out, size_t *n,
		     struct berth_error **err);

/*
 * Find an image by reference ("busybox", "busybox:1.36", "name@sha256:…"),
 * by digest (image ID, manifest or index digest) or by a unique prefix of
 * the image ID's hex (at least 4 digits).  ENOENT `no such image: NAME`,
 * EINVAL for an ambiguous prefix.  The caller frees *out.
 */
int berth_image_resolve(struct berth_store *s, const char *name, struct berth_image **out,
			struct berth_error **err);

/* Point the tag @target (a reference with a tag) at the image @source names. */
int berth_image_tag(struct berth_store *s, const char *source, const char *target,
		    struct berth_error **err);

/* Remove the tag @ref (ENOENT when there is no such tag).  The image stays. */
int berth_image_untag(struct berth_store *s, const char *ref, struct berth_error **err);

struct berth_image_remove_opts {
	bool force;
	/* Does a container use @img?  NULL: nothing does. */
	bool (*in_use)(void *ctx, const struct berth_image *img);
	void *ctx;
};

/*
 * Docker's rmi: a reference with a tag that is one of several tags of the
 * image only loses that tag (returns 0).  Otherwise the image record and
 * all its tags go (returns 1), unless a container uses it or it is named by
 * ID while several tags name it: EBUSY, unless @opts->force.  Blobs and
 * snapshots are left to berth_store_gc().
 */
int berth_image_remove(struct berth_store *s, const char *name,
		       const struct berth_image_remove_opts *opts, struct berth_error **err);

void berth_image_free(struct berth_image *img);
void berth_image_list_free(struct berth_image **imgs, size_t n);

#endif
