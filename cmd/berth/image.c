/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image-use.h"
#include "image/gc.h"
#include "image/images.h"
#include "storage/snapshot.h"
#include "util/cleanup.h"

/* `berth image ...` and garbage collection of what no image uses. */

static int list_snapshots(void *ctx, char ***ids, struct berth_error **err)
{
	return berth_snapshot_list(berth_store_rootfd(((struct cli *)ctx)->store), ids, err);
}

static int remove_snapshot(void *ctx, const char *id, struct berth_error **err)
{
	return berth_snapshot_remove(berth_store_rootfd(((struct cli *)ctx)->store), id, err);
}

/* Snapshots under a container's root stay, even when its image was removed with -f. */
const struct berth_gc_hooks *cli_gc_hooks(struct cli *g)
{
	static struct berth_gc_hooks hooks = { .list_snapshots = list_snapshots,
					       .remove_snapshot = remove_snapshot,
					       .snapshot_in_use = cli_snapshot_in_use };

	hooks.ctx = g;
	return &hooks;
}

/* image prune: dangling (untagged) images, or with -a every image; then GC. */
static int prune(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
					      { "force", no_argument, NULL, 'f' },
					      { 0 } };
	struct berth_image **imgs = NULL;
	struct berth_gc_result res = { 0 };
	struct berth_store *s;
	bool all = false;
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+af", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c != 'f')
			return berth_error_set(err, EINVAL, "image prune: invalid flag"), 1;
	}
	if (cli_store(g, &s, err) < 0 || berth_image_list(s, &imgs, &n, err) < 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		struct berth_image_remove_opts ro = { .force = true };
		struct berth_error *e = NULL;

		if ((!all && imgs[i]->tags[0] != NULL) || cli_image_in_use(g, imgs[i]))
			continue;
		if (berth_image_remove(s, imgs[i]->id, &ro, &e) >= 0)
			printf("deleted: %s\n", imgs[i]->id);
		berth_error_free(e);
	}
	berth_image_list_free(imgs, n);
	if (berth_store_gc(s, cli_gc_hooks(g), &res, err) < 0)
		return 1;
	printf("Total reclaimed: %zu blobs, %zu snapshots\n", res.blobs_removed,
	       res.snapshots_removed);
	return 0;
}

int cmd_image(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct command subs[] = {
		{ "ls", cmd_images, NULL },
		{ "list", cmd_images, NULL },
		{ "inspect", cmd_image_inspect, NULL },
		{ "rm", cmd_rmi, NULL },
		{ "tag", cmd_tag, NULL },
		{ "pull", cmd_pull, NULL },
		{ "prune", prune, NULL },
		{ "save", cmd_save, NULL },
		{ "load", cmd_load, NULL },
		{ "import", cmd_import, NULL },
		{ "history", cmd_history, NULL },
	};

	if (argc < 2)
		return berth_error_set(err, EINVAL,
				       "usage: berth image "
				       "ls|inspect|rm|tag|pull|prune|save|load|import|history"),
		       1;
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0;
			return subs[i].run(g, argc - 1, argv + 1, err);
		}
	return berth_error_set(err, EINVAL, "image: unknown command \"%s\"", argv[1]), 1;
}
