/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_ARCHIVE_INTERNAL_H
#define BERTH_IMAGE_ARCHIVE_INTERNAL_H

#include "image/archive-stage.h"
#include "image/archive.h"
#include "image/config.h"
#include "image/manifest.h"

/* One image of an archive being loaded, checked before anything is committed. */
struct load_image {
	char manifest[BERTH_DIGEST_BUF];
	char index[BERTH_DIGEST_BUF]; /* "" unless chosen from an index in the archive */
	struct berth_manifest *m;
	struct berth_image_config *c;
	char *manifest_buf; /* a manifest built for a docker-archive, or NULL */
	size_t manifest_len;
	/* staged blobs: index (or NULL), manifest (or NULL when built), config, layers */
	const struct stage_file *index_file, *manifest_file, *config_file;
	const struct stage_file **layer_files;
	char **tags; /* full references, NULL-terminated (never NULL) */
};

struct load_plan {
	struct load_image *images;
	size_t n;
};

/* Append a blank image to @p; *out points into @p. */
int load_plan_add(struct load_plan *p, struct load_image **out, struct berth_error **err);
void load_plan_release(struct load_plan *p);

/* Add @ref (normalised, must carry a tag and no digest) to @li->tags. */
int load_add_tag(struct load_image *li, const char *ref, struct berth_error **err);

/* Read and parse a staged config, checking its digest (@want, or NULL). */
int load_config(const struct stage *st, const char *name, const char *want, struct load_image *li,
		struct berth_error **err);

/*
 * The DiffID of a staged layer (decompressing as @media_type says, NULL to
 * sniff), checked against the config's; *compression gets what was found.
 */
int load_check_layer(const struct stage_file *f, const char *media_type, const char *want,
		     int *compression, struct berth_error **err);

/* Plan the images of a docker-archive / an OCI layout. */
int load_plan_docker(const struct stage *st, struct load_plan *p, struct berth_error **err);
int load_plan_oci(const struct stage *st, struct load_plan *p, struct berth_error **err);

/* Copy a staged file into the blob store (verified against @digest) unless present. */
int load_commit_file(struct berth_store *s, const struct stage_file *f, const char *digest,
		     struct berth_error **err);

#endif
