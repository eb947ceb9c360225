/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "image/unpack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/blobs.h"
#include "image/config.h"
#include "image/driver.h"
#include "storage/extract.h"
#include "storage/snapshot.h"
#include "util/cleanup.h"
#include "util/digest.h"

/* Layer blobs → snapshots: shared by pull, load and import. */

static int unpack_one(struct berth_store *s, int driver, const struct berth_descriptor *d,
		      const char *parent, const char *chain, const char *want,
		      struct berth_error **err)
{
	struct berth_extract_opts xo = {
		.name = d->digest,
		.allow_devices = berth_storage_devices_allowed(),
		.chown = true,
	};
	cleanup_close int fd = -1;
	char diffid[BERTH_DIGEST_BUF] = "";
	int ret;

	fd = berth_blob_open(s, d->digest, err);
	if (fd < 0)
		return fd;
	ret = berth_snapshot_prepare(berth_store_rootfd(s), driver, parent, chain, fd,
				     d->media_type, &xo, diffid, err);
	if (ret == 0 && strcmp(diffid, want) != 0)
		ret = berth_error_set(err, EBADMSG,
				      "layer %s: its content (diff ID %s) is not the config's %s",
				      d->digest, diffid, want);
	return ret;
}

int berth_image_unpack(struct berth_store *s, const struct berth_descriptor *layers, size_t n,
		       char *const *diff_ids, berth_unpacked_fn unpacked, void *ctx,
		       struct berth_error **err)
{
	cleanup_free char(*chain)[BERTH_DIGEST_BUF] = calloc(n ? n : 1, BERTH_DIGEST_BUF);
	int driver, ret;

	if (chain == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	ret = berth_store_driver(s, &driver, err);
	if (ret == 0)
		ret = berth_chain_ids(diff_ids, n, chain, err);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (berth_snapshot_exists(berth_store_rootfd(s), driver, chain[i]))
			continue;
		ret = unpack_one(s, driver, &layers[i], i ? chain[i - 1] : NULL, chain[i],
				 diff_ids[i], err);
		if (ret == 0 && unpacked)
			unpacked(ctx, i, layers[i].digest);
	}
	return ret;
}
