/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "containers.h"
#include "engine/create.h"
#include "image/images.h"
#include "util/cleanup.h"

/* `berth create`, and the creation half of `berth run`. */

int cli_engine(struct cli *g, struct berth_engine **out, struct berth_error **err)
{
	if (g->engine == NULL && berth_engine_open(g->root, NULL, &g->engine, err) < 0)
		return -1;
	*out = g->engine;
	return 0;
}

/* Pull @o->image with `berth pull`'s output on stderr (stdout is for the id). */
static int pull(struct cli *g, struct cli_run_opts *o, struct berth_error **err)
{
	char *argv[5] = { "pull" };
	int argc = 1, saved = dup(STDOUT_FILENO), rc;

	if (o->platform) {
		argv[argc++] = "--platform";
		argv[argc++] = (char *)o->platform;
	}
	argv[argc++] = (char *)o->image;
	fflush(stdout);
	if (saved >= 0)
		dup2(STDERR_FILENO, STDOUT_FILENO);
	optind = 0;
	rc = cmd_pull(g, argc, argv, err);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	return rc == 0 ? 0 : -1;
}

static int find_image(struct cli *g, struct cli_run_opts *o, struct berth_image **img,
		      struct berth_error **err)
{
	struct berth_store *s;
	int ret;

	if (cli_store(g, &s, err) < 0)
		return -1;
	if (strcmp(o->pull, "always") == 0) {
		if (pull(g, o, err) < 0)
			return -1;
	}
	ret = berth_image_resolve(s, o->image, img, err);
	if (ret == -ENOENT && strcmp(o->pull, "missing") == 0) {
		berth_error_clear(err);
		fprintf(stderr, "Unable to find image '%s' locally\n", o->image);
		if (pull(g, o, err) < 0)
			return -1;
		ret = berth_image_resolve(s, o->image, img, err);
	}
	return ret;
}

int cli_container_create(struct cli *g, struct cli_run_opts *o, char *id, struct berth_error **err)
{
	struct berth_image *img = NULL;
	struct berth_engine *e;
	struct berth_store *s;
	json_object *warnings = json_object_new_array();
	int ret = -1;

	if (cli_engine(g, &e, err) < 0 || find_image(g, o, &img, err) < 0 ||
	    cli_store(g, &s, err) < 0)
		goto out;
	ret = berth_ctr_create(e, s, img, o->body, o->name, warnings, id, err);
	for (size_t i = 0; i < json_object_array_length(warnings); i++)
		fprintf(stderr, "WARNING: %s\n",
			json_object_get_string(json_object_array_get_idx(warnings, i)));
out:
	json_object_put(warnings);
	berth_image_free(img);
	return ret;
}

int cmd_create(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct cli_run_opts o;
	char id[BERTH_CTR_ID_LEN + 1];
	int rc = 1;

	if (cli_run_parse(argc, argv, false, &o, err) < 0)
		goto out;
	if (cli_container_create(g, &o, id, err) == 0 && cli_run_write_cidfile(&o, id, err) == 0) {
		printf("%s\n", id);
		rc = 0;
	}
out:
	cli_run_opts_release(&o);
	return rc;
}
