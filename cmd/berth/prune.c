/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "engine/prune.h"
#include "engine/volume.h"
#include "image-use.h"
#include "image/gc.h"
#include "image/images.h"
#include "util/json.h"

/* `berth container prune` and `berth system prune`, with Docker's prompt and report. */

struct prune_opts {
	bool force, all, volumes;
	char **filters;
	size_t n_filters;
};

static int parse(int argc, char **argv, bool system, struct prune_opts *o, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "volumes", no_argument, NULL, 'V' },
		{ "filter", required_argument, NULL, 'F' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, system ? "+faV" : "+f", opts, NULL)) != -1) {
		if (c == 'f') {
			o->force = true;
		} else if (c == 'a' && system) {
			o->all = true;
		} else if (c == 'V' && system) {
			o->volumes = true;
		} else if (c == 'F') {
			char **p = realloc(o->filters, (o->n_filters + 2) * sizeof(*p));

			if (p == NULL)
				return berth_error_set(err, ENOMEM, "out of memory");
			o->filters = p;
			p[o->n_filters++] = optarg;
			p[o->n_filters] = NULL;
		} else {
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return berth_error_set(err, EINVAL, "prune accepts no arguments");
	return 0;
}

static bool confirm(const char *warning)
{
	char line[64];

	fprintf(stdout, "%s\nAre you sure you want to continue? [y/N] ", warning);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static void print_total(int64_t bytes)
{
	char sz[32];

	cli_human_size(bytes, sz, sizeof(sz));
	printf("Total reclaimed space: %s\n", sz);
}

static const char *const container_keys[] = { "until", "label", "label!", NULL };

static int prune_containers(struct cli *g, const struct prune_opts *o, int64_t *total,
			    struct berth_error **err)
{
	struct berth_prune_result r = { 0 };
	struct berth_ctr_filter *f = NULL;
	struct berth_engine *e;
	int ret;

	if (berth_ctr_filter_parse(o->filters, container_keys, &f, err) < 0 ||
	    cli_engine(g, &e, err) < 0) {
		berth_ctr_filter_free(f);
		return -1;
	}
	ret = berth_ctr_prune(e, f, &r, err);
	if (r.ids != NULL && r.ids[0] != NULL) {
		puts("Deleted Containers:");
		for (char **p = r.ids; *p; p++)
			puts(*p);
		putchar('\n');
	}
	*total += r.reclaimed;
	berth_strv_free(r.ids);
	berth_ctr_filter_free(f);
	return ret;
}

int cmd_container_prune(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct prune_opts o = { 0 };
	int64_t total = 0;
	int rc = 0;

	if (parse(argc, argv, false, &o, err) < 0) {
		free(o.filters);
		return 1;
	}
	if (o.force || confirm("WARNING! This will remove all stopped containers.")) {
		rc = prune_containers(g, &o, &total, err) < 0 ? 1 : 0;
		print_total(total);
	}
	free(o.filters);
	return rc;
}

static int prune_volumes(struct cli *g, int64_t *total, struct berth_error **err)
{
	struct berth_engine *e;
	char **names = NULL;
	long long bytes = 0;

	if (cli_engine(g, &e, err) < 0 || berth_volume_prune(e, false, &names, &bytes, err) < 0)
		return -1;
	if (names && names[0]) {
		puts("Deleted Volumes:");
		for (char **p = names; *p; p++)
			puts(*p);
		putchar('\n');
	}
	*total += bytes;
	berth_strv_free(names);
	return 0;
}

/* Dangling images (with -a: every image) that no container uses, then GC. */
static int prune_images(struct cli *g, bool all, int64_t *total, struct berth_error **err)
{
	struct berth_image **imgs = NULL;
	struct berth_gc_result res = { 0 };
	struct berth_store *s;
	size_t n = 0;
	bool header = false;

	if (cli_store(g, &s, err) < 0 || berth_image_list(s, &imgs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct berth_image_remove_opts ro = { .force = true };
		struct berth_error *e = NULL;

		if ((!all && imgs[i]->tags[0] != NULL) || cli_image_in_use(g, imgs[i]))
			continue;
		if (berth_image_remove(s, imgs[i]->id, &ro, &e) >= 0) {
			if (!header)
				puts("Deleted Images:");
			header = true;
			for (size_t t = 0; imgs[i]->tags[t]; t++)
				printf("untagged: %s\n", imgs[i]->tags[t]);
			printf("deleted: %s\n", imgs[i]->id);
		}
		berth_error_free(e);
	}
	if (header)
		putchar('\n');
	berth_image_list_free(imgs, n);
	if (berth_store_gc(s, cli_gc_hooks(g), &res, err) < 0)
		return -1;
	*total += res.bytes_freed;
	return 0;
}

static const char *system_warning(const struct prune_opts *o)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "WARNING! This will remove:\n  - all stopped containers\n%s  - %s\n",
		 o->volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
		 o->all ? "all images without at least one container associated to them"
			: "all dangling images");
	return buf;
}

int cmd_system_prune(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct prune_opts o = { 0 };
	int64_t total = 0;
	int rc = 0;

	if (parse(argc, argv, true, &o, err) < 0) {
		free(o.filters);
		return 1;
	}
	if (o.force || confirm(system_warning(&o))) {
		if (prune_containers(g, &o, &total, err) < 0 ||
		    (o.volumes && prune_volumes(g, &total, err) < 0) ||
		    prune_images(g, o.all, &total, err) < 0)
			rc = 1;
		print_total(total);
	}
	free(o.filters);
	return rc;
}
