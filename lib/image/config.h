/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_CONFIG_H
#define BERTH_IMAGE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/digest.h"
#include "util/error.h"

/*
 * The image configuration (OCI image-spec config.md; Docker's image JSON is
 * the same shape): platform, the run defaults under "config", the layers'
 * diff IDs and the history.
 */

/* Configs are small; Docker's own limit for a config blob is 8 MiB. */
#define BERTH_CONFIG_MAX (8u << 20)

struct berth_label {
	char *key;
	char *value;
};

struct berth_history {
	char *created;	  /* RFC 3339 or NULL */
	char *created_by; /* NULL when absent */
	char *author;
	char *comment;
	bool empty_layer;
};

struct berth_image_config {
	char *architecture;
	char *os;
	char *variant; /* NULL when absent */
	char *created; /* RFC 3339 or NULL */
	char *author;

	/* "config": the defaults a container starts with; each may be NULL */
	char *user;
	char **env; /* "K=V" */
	char **entrypoint;
	char **cmd;
	char *working_dir;
	char **exposed_ports; /* "80/tcp", the keys of ExposedPorts */
	char **volumes;	      /* the keys of Volumes */
	struct berth_label *labels;
	size_t n_labels;
	char *stop_signal;

	char **diff_ids; /* rootfs.diff_ids, checked digests; never NULL */
	size_t n_diff_ids;
	struct berth_history *history;
	size_t n_history;
};

/*
 * Parse a config blob.  rootfs.type must be "layers"; every diff ID is a
 * checked sha256 digest; architecture and os are required.  EINVAL naming the
 * JSON path otherwise; EFBIG over BERTH_CONFIG_MAX.  The caller frees *out.
 */
int berth_image_config_parse(const char *buf, size_t len, struct berth_image_config **out,
			     struct berth_error **err);

/* NULL-safe. */
void berth_image_config_free(struct berth_image_config *c);

/*
 * Chain IDs (OCI image-spec config.md): ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).  @out must hold @n
 * buffers.  EINVAL when a diff ID is not a valid digest.
 */
int berth_chain_ids(char *const *diff_ids, size_t n, char (*out)[BERTH_DIGEST_BUF],
		    struct berth_error **err);

#endif
