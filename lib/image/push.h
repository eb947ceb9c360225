/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_PUSH_H
#define BERTH_IMAGE_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "image/store.h"
#include "registry/client.h"
#include "util/digest.h"
#include "util/error.h"

/* What happened to one blob of a push. */
enum berth_push_outcome {
	BERTH_PUSH_UPLOADED, /* "Pushed" */
	BERTH_PUSH_EXISTS,   /* "Layer already exists" */
	BERTH_PUSH_MOUNTED,  /* "Mounted from <repo>" */
	BERTH_PUSH_SKIPPED,  /* a foreign layer: the manifest's URLs serve it */
};

/* What push reports as it goes (each may be NULL). */
struct berth_push_events {
	void *ctx;
	/* Before uploads start: the blobs (layers, then the config) in push order. */
	void (*begin)(void *ctx, size_t n);
	void (*blob)(void *ctx, size_t index, const char *digest, uint64_t size);
	/* Blob @index is being uploaded (not called for blobs found or mounted). */
	void (*uploading)(void *ctx, size_t index, const char *digest);
	/* Blob @index is done; @from is the source repository of a mount, else NULL. */
	void (*done)(void *ctx, size_t index, const char *digest, enum berth_push_outcome outcome,
		     const char *from);
};

struct berth_push_opts {
	const char *reference;	 /* the local image, as berth_image_resolve() takes it */
	const char *destination; /* "host/repo[:tag]" to push under; NULL: @reference */
	const struct berth_registry_opts *registry; /* NULL: defaults */
	const struct berth_push_events *events;	    /* NULL: silent */
	int parallel;				    /* uploads at once (child processes); <= 0: 3 */
};

struct berth_push_result {
	char tag[129];		       /* the tag the manifest was put under */
	char digest[BERTH_DIGEST_BUF]; /* the manifest's */
	size_t size;		       /* the manifest's bytes */
};

/*
 * Push an image of the store to a registry: each layer blob and the config is
 * skipped when the registry has it, mounted from another repository of the
 * same registry when the image's repo digests say it came from there, else
 * uploaded; then the stored manifest is put, byte for byte, under the tag.
 * The destination must name a tag (default "latest"), not a digest.  An image
 * chosen from an index is pushed as its platform manifest.  On success the
 * destination's name@digest joins the image's repo digests (unless the image
 * came from an index: that repo digest would name the index) and *out (may be
 * NULL) is filled.
 */
int berth_image_push(struct berth_store *s, const struct berth_push_opts *o,
		     struct berth_push_result *out, struct berth_error **err);

#endif
