/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CLI_IMAGE_USE_H
#define BERTH_CLI_IMAGE_USE_H

#include <stdbool.h>

#include "cli.h"

/* berth_image_remove_opts.in_use over the container records (@ctx: struct cli *). */
bool cli_image_in_use(void *ctx, const struct berth_image *img);

/* berth_gc_hooks.snapshot_in_use: a container's root stands on it (@ctx: struct cli *). */
bool cli_snapshot_in_use(void *ctx, const char *chain_id);

/*
 * Docker's rmi conflicts for @img named @name: EBUSY with Docker's message, or
 * 0 to go on; *untag_only when a forced removal may only drop the tag (a
 * running container uses the image).
 */
int cli_rmi_check(struct cli *g, const char *name, const struct berth_image *img, bool force,
		  bool *untag_only, struct berth_error **err);

#endif
