/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "image/pull.h"
#include "registry/progress.h"
#include "util/cleanup.h"

/* `berth pull`: Docker's output, a line per layer, live on a terminal. */

struct view {
	enum berth_progress_mode mode;
	struct berth_progress *bar;
	char **ids; /* the renderer borrows the digests: ours outlive the pull's manifest */
	size_t n;
};

static void on_present(void *ctx, const char *digest)
{
	struct view *v = ctx;
	char id[16];

	if (v->mode == BERTH_PROGRESS_QUIET)
		return;
	berth_progress_short_id(id, sizeof(id), digest);
	printf("%s: Already exists\n", id);
}

static void on_begin(void *ctx, size_t n)
{
	struct view *v = ctx;
	struct berth_error *err = NULL;

	v->ids = calloc(n ? n : 1, sizeof(char *));
	v->n = v->ids ? n : 0;
	if (v->ids == NULL || berth_progress_new(stdout, v->mode, n, &v->bar, &err) < 0)
		berth_error_free(err); /* no progress display, the pull goes on */
}

static void on_blob(void *ctx, size_t index, const char *digest, uint64_t size)
{
	struct view *v = ctx;

	if (v->bar == NULL || index >= v->n || (v->ids[index] = strdup(digest)) == NULL)
		return;
	berth_progress_set(v->bar, index, v->ids[index], size);
}

static void on_progress(void *ctx, size_t index, enum berth_blob_state state, uint64_t done,
			uint64_t total)
{
	struct view *v = ctx;

	if (v->bar)
		berth_progress_update(v->bar, index, state, done, total);
}

static void on_unpacked(void *ctx, size_t index, const char *digest)
{
	struct view *v = ctx;
	char id[16];

	(void)index;
	if (v->mode == BERTH_PROGRESS_QUIET)
		return;
	berth_progress_short_id(id, sizeof(id), digest);
	printf("%s: Pull complete\n", id);
	fflush(stdout);
}

int cmd_pull(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "platform", required_argument, NULL, 'p' },
		{ 0 },
	};
	struct view v = { .mode =
			      isatty(STDOUT_FILENO) ? BERTH_PROGRESS_TTY : BERTH_PROGRESS_PLAIN };
	struct berth_pull_events ev = {
		on_progress, &v, on_present, on_begin, on_blob, on_unpacked
	};
	struct berth_pull_opts o = { .events = &ev };
	struct berth_image *img = NULL;
	struct cli_registry reg;
	struct berth_store *s;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		if (c == 'q')
			v.mode = BERTH_PROGRESS_QUIET;
		else if (c == 'p')
			o.platform = optarg;
		else
			return berth_error_set(err, EINVAL, "pull: invalid flag"), 1;
	}
	if (optind != argc - 1)
		return berth_error_set(err, EINVAL, "usage: berth pull [-q] [--platform P] NAME"),
		       1;
	o.reference = argv[optind];
	if (cli_store(g, &s, err) < 0 || cli_registry_opts(&reg, err) < 0)
		return 1;
	o.registry = &reg.opts;
	ret = berth_image_pull(s, &o, &img, err);
	cli_registry_release(&reg);
	if (v.bar) {
		berth_progress_finish(v.bar);
		berth_progress_free(v.bar);
	}
	for (size_t i = 0; i < v.n; i++)
		free(v.ids[i]);
	free(v.ids);
	if (ret < 0)
		return 1;
	if (v.mode != BERTH_PROGRESS_QUIET)
		printf("Digest: %s\nStatus: Downloaded newer image for %s\n",
		       img->index[0] ? img->index : img->manifest, o.reference);
	printf(v.mode == BERTH_PROGRESS_QUIET ? "%s\n" : "%s\n",
	       img->tags[0] ? img->tags[0] : img->id);
	berth_image_free(img);
	return 0;
}
