/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_ARCHIVE_H
#define BERTH_IMAGE_ARCHIVE_H

#include <stddef.h>

#include "image/images.h"
#include "image/store.h"
#include "util/error.h"

/*
 * Image archives (docs/images.md): `save`, `load` and `import`.
 *
 *   docker-archive  manifest.json [{Config, RepoTags, Layers}], repositories,
 *                   <config hex>.json, <diff id hex>/layer.tar (uncompressed)
 *   oci-archive     an OCI image layout in a tar: oci-layout, index.json,
 *                   blobs/sha256/<hex> (blobs as stored)
 */

enum berth_archive_format {
	BERTH_ARCHIVE_DOCKER,
	BERTH_ARCHIVE_OCI,
};

struct berth_save_opts {
	char *const *names; /* images: references, IDs or digests */
	size_t n_names;
	enum berth_archive_format format;
	int fd; /* where the tar goes (not closed) */
};

/*
 * Write the images @o->names as one tar archive to @o->fd.  A name that is a
 * tag saves that tag; an ID or digest saves every tag of the image.  Layers
 * shared by several images are written once.  Fails with ENOENT for an
 * unknown image, EIO when a stored blob does not match its digest.
 */
int berth_image_save(struct berth_store *s, const struct berth_save_opts *o,
		     struct berth_error **err);

/* What load reports: each tag it set (@ref NULL for an untagged image) and the image ID. */
struct berth_load_events {
	void (*loaded)(void *ctx, const char *ref, const char *id);
	void *ctx;
};

/*
 * Load a docker-archive or oci-archive (recognised by manifest.json or by
 * oci-layout + index.json; gzip/zstd-compressed tars are accepted) from @fd.
 * The archive is untrusted: names with "..", absolute names, devices,
 * oversized files and a blob whose content does not match its digest are
 * refused (EINVAL / EFBIG / EBADMSG), all before anything is committed, so a
 * refused archive leaves the store as it was.  Then blobs are committed,
 * layers unpacked into snapshots, images recorded and tagged.
 */
int berth_image_load(struct berth_store *s, int fd, const struct berth_load_events *ev,
		     struct berth_error **err);

struct berth_import_opts {
	int fd;		       /* a rootfs tar, optionally gzip- or zstd-compressed */
	const char *reference; /* "repo[:tag]" or NULL for an untagged image */
	const char *message;   /* history comment, or NULL */
};

/*
 * Make a one-layer image of a root file system tarball: the layer is stored
 * as given, the config says os linux, this host's architecture, created now.
 * *out (may be NULL) receives the record.
 */
int berth_image_import(struct berth_store *s, const struct berth_import_opts *o,
		       struct berth_image **out, struct berth_error **err);

#endif
