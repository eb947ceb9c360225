/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "image/blobs.h"
#include "image/config.h"
#include "image/images.h"
#include "util/cleanup.h"
#include "util/json.h"

/* history and system df: what an image is made of, what the store holds. */

struct hist_opts {
	bool no_trunc, quiet, json;
};

static int64_t parse_time(const char *rfc3339)
{
	struct tm tm = { 0 };

	if (rfc3339 == NULL || strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

static void print_row(const struct hist_opts *o, const char *id, const struct berth_history *h,
		      int64_t size)
{
	const char *by = h->created_by ? h->created_by : "";
	char ago[64], sz[32];

	cli_human_ago(parse_time(h->created), ago, sizeof(ago));
	cli_human_size(size, sz, sizeof(sz));
	if (o->quiet) {
		printf("%s\n", id);
	} else if (o->json) {
		json_object *j = json_object_new_object();
		cleanup_free char *s = NULL;

		json_object_object_add(j, "Comment",
				       json_object_new_string(h->comment ? h->comment : ""));
		json_object_object_add(j, "CreatedAt",
				       json_object_new_string(h->created ? h->created : ""));
		json_object_object_add(j, "CreatedBy", json_object_new_string(by));
		json_object_object_add(j, "CreatedSince", json_object_new_string(ago));
		json_object_object_add(j, "ID", json_object_new_string(id));
		json_object_object_add(j, "Size", json_object_new_string(sz));
		s = berth_json_dump(j);
		json_object_put(j);
		printf("%s\n", s ? s : "{}");
	} else if (!o->no_trunc && strlen(by) > 45) {
		printf("%-12.12s   %-17s %-44.44s… %-9s %s\n", id, ago, by, sz,
		       h->comment ? h->comment : "");
	} else {
		printf("%-12.12s   %-17s %-45s %-9s %s\n", id, ago, by, sz,
		       h->comment ? h->comment : "");
	}
}

/* Rows newest first; only the top row is the image itself, as in Docker. */
static void print_history(const struct hist_opts *o, const struct berth_image *img,
			  const struct berth_image_config *c)
{
	size_t layer = img->n_layers;
	char id[80];

	snprintf(id, sizeof(id), "%s", o->no_trunc ? img->id : berth_digest_hex(img->id));
	if (!o->quiet && !o->json)
		printf("%-12s   %-17s %-45s %-9s %s\n", "IMAGE", "CREATED", "CREATED BY", "SIZE",
		       "COMMENT");
	for (size_t i = c->n_history; i-- > 0;) {
		const struct berth_history *h = &c->history[i];
		int64_t size = 0;

		if (!h->empty_layer && layer > 0)
			size = img->layers[--layer].size;
		print_row(o, i == c->n_history - 1 ? id : "<missing>", h, size);
	}
	for (size_t i = layer; c->n_history == 0 && i-- > 0;)
		print_row(o, i == img->n_layers - 1 ? id : "<missing>",
			  &(struct berth_history){ 0 }, img->layers[i].size);
}

int cmd_history(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "no-trunc", no_argument, NULL, 'n' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "format", required_argument, NULL, 'F' },
					      { "human", required_argument, NULL, 'H' },
					      { 0 } };
	struct berth_image_config *c = NULL;
	struct berth_image *img = NULL;
	struct hist_opts o = { 0 };
	cleanup_free char *buf = NULL;
	struct berth_store *s;
	size_t len = 0;
	int ch;

	while ((ch = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		if (ch == 'n')
			o.no_trunc = true;
		else if (ch == 'q')
			o.quiet = true;
		else if (ch == 'F' && strcmp(optarg, "json") == 0)
			o.json = true;
		else if (ch == 'F')
			return berth_error_set(err, EINVAL, "history: --format supports only json"),
			       1;
		else
			return berth_error_set(err, EINVAL,
					       "usage: berth history [--no-trunc] [-q] "
					       "[--format json] IMAGE"),
			       1;
	}
	if (argc - optind != 1)
		return berth_error_set(err, EINVAL, "history takes exactly one image"), 1;
	if (cli_store(g, &s, err) < 0 || berth_image_resolve(s, argv[optind], &img, err) < 0)
		return 1;
	if (berth_blob_read(s, img->id, BERTH_CONFIG_MAX, &buf, &len, err) < 0 ||
	    berth_image_config_parse(buf, len, &c, err) < 0) {
		berth_image_free(img);
		return 1;
	}
	print_history(&o, img, c);
	berth_image_config_free(c);
	berth_image_free(img);
	return 0;
}

/* Docker's `system df` table; images are all reclaimable until containers exist. */
static int df(struct cli *g, struct berth_error **err)
{
	struct berth_image **imgs = NULL;
	struct berth_store *s;
	int64_t total = 0;
	char sz[32];
	size_t n = 0;

	if (cli_store(g, &s, err) < 0 || berth_image_list(s, &imgs, &n, err) < 0)
		return 1;
	/* blobs shared by several images count once */
	for (size_t i = 0; i < n; i++)
		for (size_t l = 0; l < imgs[i]->n_layers; l++) {
			bool seen = false;

			for (size_t j = 0; j < i && !seen; j++)
				for (size_t k = 0; k < imgs[j]->n_layers && !seen; k++)
					seen = strcmp(imgs[j]->layers[k].digest,
						      imgs[i]->layers[l].digest) == 0;
			if (!seen)
				total += imgs[i]->layers[l].size;
		}
	berth_image_list_free(imgs, n);
	cli_human_size(total, sz, sizeof(sz));
	printf("%-15s %-9s %-9s %-9s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
	printf("%-15s %-9zu %-9d %-9s %s%s\n", "Images", n, 0, sz, sz, n ? " (100%)" : "");
	printf("%-15s %-9d %-9d %-9s %s\n", "Containers", 0, 0, "0B", "0B");
	printf("%-15s %-9d %-9d %-9s %s\n", "Local Volumes", 0, 0, "0B", "0B");
	printf("%-15s %-9d %-9d %-9s %s\n", "Build Cache", 0, 0, "0B", "0B");
	return 0;
}

int cmd_system(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	if (argc == 2 && strcmp(argv[1], "df") == 0)
		return df(g, err);
	if (argc >= 2 && strcmp(argv[1], "info") == 0)
		return cmd_info(g, argc - 1, argv + 1, err);
	if (argc >= 2 && strcmp(argv[1], "prune") == 0) {
		optind = 0;
		return cmd_system_prune(g, argc - 1, argv + 1, err);
	}
	if (argc >= 2 && strcmp(argv[1], "df") == 0)
		return berth_error_set(err, EINVAL, "system df: flags are not supported yet"), 1;
	return berth_error_set(err, EINVAL, "usage: berth system df|info|prune"), 1;
}
