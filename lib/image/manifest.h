/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_MANIFEST_H
#define BERTH_IMAGE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/platform.h"
#include "util/digest.h"
#include "util/error.h"

/*
 * Manifests and indexes: OCI image manifest and index, Docker schema 2
 * manifest and manifest list.  Schema 1 is refused.  Everything a manifest
 * says is checked here (digests, sizes, media types) so later stages can
 * trust the struct.
 */

/* Registries and the OCI spec cap manifests at 4 MiB; anything larger is refused. */
#define BERTH_MANIFEST_MAX (4u << 20)

#define BERTH_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define BERTH_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define BERTH_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define BERTH_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define BERTH_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define BERTH_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define BERTH_MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define BERTH_MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define BERTH_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define BERTH_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define BERTH_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define BERTH_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define BERTH_MT_DOCKER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

enum berth_manifest_kind {
	BERTH_MANIFEST_IMAGE, /* OCI manifest or Docker schema 2 manifest */
	BERTH_MANIFEST_INDEX, /* OCI index or Docker manifest list */
};

enum berth_compression {
	BERTH_COMPRESSION_NONE,
	BERTH_COMPRESSION_GZIP,
	BERTH_COMPRESSION_ZSTD,
};

struct berth_descriptor {
	char *media_type;
	char digest[BERTH_DIGEST_BUF];
	int64_t size;
	char **urls;			/* NULL-terminated or NULL (foreign layers) */
	bool has_platform;		/* index entries */
	struct berth_platform platform; /* valid when has_platform */
};

struct berth_manifest {
	enum berth_manifest_kind kind;
	char *media_type;		 /* the effective media type */
	struct berth_descriptor config;	 /* BERTH_MANIFEST_IMAGE */
	struct berth_descriptor *layers; /* BERTH_MANIFEST_IMAGE */
	size_t n_layers;
	struct berth_descriptor *manifests; /* BERTH_MANIFEST_INDEX */
	size_t n_manifests;
};

/*
 * Parse a manifest or index of @len bytes.  @media_type is what the registry
 * or archive said it is (a Content-Type; NULL when unknown); the document's
 * own mediaType wins when present and must agree with it.  Refuses with
 * EINVAL: schema 1 (`schema 1 manifests are not supported: …`), invalid JSON,
 * unknown media types, bad digests and sizes; EFBIG over BERTH_MANIFEST_MAX
 * (`manifest larger than 4 MiB`).  The caller frees *out.
 */
int berth_manifest_parse(const char *buf, size_t len, const char *media_type,
			 struct berth_manifest **out, struct berth_error **err);

/* NULL-safe. */
void berth_manifest_free(struct berth_manifest *m);

/*
 * What a layer media type means: its compression and whether it is a
 * foreign (non-distributable) layer.  EINVAL for anything else:
 * `unsupported layer media type "…"`.
 */
int berth_layer_media_type(const char *media_type, enum berth_compression *compression,
			   bool *foreign, struct berth_error **err);

/* True for the four manifest/index media types berth reads. */
bool berth_manifest_media_type_known(const char *media_type);

/*
 * Pick the entry of @index (an index or manifest list) for @want: the best
 * berth_platform_score() among image manifests.  ENOENT when none fits,
 * listing what the index offers: `no image for linux/arm/v7 in the index
 * (available: linux/amd64, linux/arm64)`.  *out points into @index.
 */
int berth_manifest_select(const struct berth_manifest *index, const struct berth_platform *want,
			  const struct berth_descriptor **out, struct berth_error **err);

#endif
