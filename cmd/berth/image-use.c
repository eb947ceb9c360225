/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "containers.h"
#include "engine/prune.h"
#include "image/images.h"
#include "image-use.h"

/* Images and containers: what rmi refuses, what prune and GC keep (Docker's rules). */

bool cli_image_in_use(void *ctx, const struct berth_image *img)
{
	char id[BERTH_CTR_ID_LEN + 1];
	struct berth_engine *e;
	struct berth_error *err = NULL;
	bool running;

	if (cli_engine(ctx, &e, &err) < 0) {
		berth_error_free(err);
		return true; /* when in doubt, keep */
	}
	return berth_ctr_image_user(e, img->id, id, &running);
}

bool cli_snapshot_in_use(void *ctx, const char *chain_id)
{
	struct berth_engine *e;
	struct berth_error *err = NULL;

	if (cli_engine(ctx, &e, &err) < 0) {
		berth_error_free(err);
		return true;
	}
	return berth_ctr_snapshot_user(e, chain_id);
}

static const char *hex(const char *digest)
{
	return strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
}

/* Named by its id (or a prefix of it) rather than by a reference. */
static bool by_id(const char *name, const struct berth_image *img)
{
	const char *h = hex(name);

	return strlen(h) >= 4 && strspn(h, "0123456789abcdef") == strlen(h) &&
	       strncmp(hex(img->id), h, strlen(h)) == 0;
}

int cli_rmi_check(struct cli *g, const char *name, const struct berth_image *img, bool force,
		  bool *untag_only, struct berth_error **err)
{
	char cid[BERTH_CTR_ID_LEN + 1];
	struct berth_engine *e;
	bool running = false, id = by_id(name, img);

	*untag_only = false;
	if (cli_engine(g, &e, err) < 0)
		return berth_error_ret(err);
	if (!berth_ctr_image_user(e, img->id, cid, &running))
		return 0;
	if (!id && img->tags[0] != NULL && img->tags[1] != NULL)
		return 0; /* only one of several tags goes */
	if (!force && !id)
		return berth_error_set(err, EBUSY,
				       "conflict: unable to remove repository reference \"%s\" "
				       "(must force) - container %.12s is using its referenced "
				       "image %.12s",
				       name, cid, hex(img->id));
	if (!force || running) {
		/* a forced reference removal of an image a running container uses: untag only */
		if (force && !id) {
			*untag_only = true;
			return 0;
		}
		return berth_error_set(
		    err, EBUSY,
		    "conflict: unable to delete %.12s (%s) - image is being used "
		    "by %s container %.12s",
		    hex(img->id), force ? "cannot be forced" : "must be forced",
		    running ? "running" : "stopped", cid);
	}
	return 0;
}
