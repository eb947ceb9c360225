/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image/push.h"
#include "image/reference.h"
#include "registry/progress.h"
#include "util/cleanup.h"

/* `berth push`: Docker's output, a line per blob as its state changes. */

static void say(void *ctx, const char *digest, const char *what, const char *from)
{
	bool quiet = *(bool *)ctx;
	char id[16];

	if (quiet)
		return;
	berth_progress_short_id(id, sizeof(id), digest);
	printf("%s: %s%s\n", id, what, from ? from : "");
	fflush(stdout);
}

static void on_blob(void *ctx, size_t index, const char *digest, uint64_t size)
{
	(void)index, (void)size;
	say(ctx, digest, "Preparing", NULL);
}

static void on_uploading(void *ctx, size_t index, const char *digest)
{
	(void)index;
	say(ctx, digest, "Pushing", NULL);
}

static void on_done(void *ctx, size_t index, const char *digest, enum berth_push_outcome outcome,
		    const char *from)
{
	static const char *const what[] = {
		[BERTH_PUSH_UPLOADED] = "Pushed",
		[BERTH_PUSH_EXISTS] = "Layer already exists",
		[BERTH_PUSH_MOUNTED] = "Mounted from ",
		[BERTH_PUSH_SKIPPED] = "Skipped foreign layer",
	};

	(void)index;
	say(ctx, digest, what[outcome], outcome == BERTH_PUSH_MOUNTED ? from : NULL);
}

/* "The push refers to repository [host/repo]", as Docker opens a push. */
static void say_repository(const char *dest, bool quiet)
{
	struct berth_reference *r = NULL;
	struct berth_error *ignored = NULL;
	cleanup_free char *name = NULL;

	if (quiet || berth_reference_parse(dest, &r, &ignored) < 0) {
		berth_error_free(ignored); /* push itself reports a bad reference */
		return;
	}
	name = berth_reference_name(r);
	if (name != NULL)
		printf("The push refers to repository [%s]\n", name);
	berth_reference_free(r);
}

int cmd_push(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' }, { 0 } };
	bool quiet = false;
	struct berth_push_events ev = { &quiet, NULL, on_blob, on_uploading, on_done };
	struct berth_push_opts o = { .events = &ev };
	struct berth_push_result res;
	struct cli_registry reg;
	struct berth_store *s;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		if (c != 'q')
			return berth_error_set(err, EINVAL, "push: invalid flag"), 1;
		quiet = true;
	}
	if (optind != argc - 1 && optind != argc - 2)
		return berth_error_set(err, EINVAL,
				       "usage: berth push [-q] NAME[:TAG] [DESTINATION]"),
		       1;
	o.reference = argv[optind];
	o.destination = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (cli_store(g, &s, err) < 0 || cli_registry_opts(&reg, err) < 0)
		return 1;
	o.registry = &reg.opts;
	say_repository(o.destination ? o.destination : o.reference, quiet);
	ret = berth_image_push(s, &o, &res, err);
	cli_registry_release(&reg);
	if (ret < 0)
		return 1;
	if (quiet)
		printf("%s\n", o.destination ? o.destination : o.reference);
	else
		printf("%s: digest: %s size: %zu\n", res.tag, res.digest, res.size);
	return 0;
}
