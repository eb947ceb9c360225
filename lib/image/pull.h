/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_PULL_H
#define BERTH_IMAGE_PULL_H

#include <stdbool.h>

#include "image/images.h"
#include "image/store.h"
#include "registry/client.h"
#include "util/error.h"

/* What pull reports as it goes (each may be NULL). */
struct berth_pull_events {
	/* A layer (or the config) starts, progresses, is verified or fails. */
	berth_blob_progress_fn progress;
	void *ctx;
	/* A layer the store already has ("Already exists"). */
	void (*present)(void *ctx, const char *digest);
	/* Before downloads start: how many, then each one (its index in @progress calls). */
	void (*begin)(void *ctx, size_t n);
	void (*blob)(void *ctx, size_t index, const char *digest, uint64_t size);
	/* Called per layer when it is unpacked ("Pull complete"). */
	void (*unpacked)(void *ctx, size_t index, const char *digest);
};

struct berth_pull_opts {
	const char *reference; /* "busybox", "host:5000/a/b:t", "x@sha256:…" */
	const char *platform;  /* "os/arch[/variant]" or NULL: this host's */
	const struct berth_registry_opts *registry; /* NULL: defaults */
	const struct berth_pull_events *events;	    /* NULL: silent */
	int parallel;				    /* downloads at once; <= 0: 3 */
};

/*
 * Pull an image into the store: resolve the reference's manifest (choosing the
 * platform in an index), download the config and the layers the store does not
 * have, in parallel, each verified against its digest before it is committed,
 * unpack each layer once into its snapshot (keyed by chain ID, the DiffID
 * checked against the config), then record and tag the image.  On failure
 * nothing partial is visible: committed blobs not yet referenced are left for
 * `image prune`/GC, as with an interrupted pull.  *out (may be NULL) gets the
 * record.
 */
int berth_image_pull(struct berth_store *s, const struct berth_pull_opts *o,
		     struct berth_image **out, struct berth_error **err);

#endif
