/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "image-use.h"
#include "image-filter.h"
#include "image/blobs.h"
#include "image/gc.h"
#include "image/images.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"

/* images, tag, rmi, inspect: the store as Docker shows it. */

void cli_human_size(int64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;

	/* Docker counts in powers of 1000 with three significant digits. */
	while (v >= 1000 && u + 1 < BERTH_ARRAY_SIZE(units)) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, v < 10 && u ? "%.3g%s" : "%.4g%s", v, units[u]);
}

/* Docker's units.HumanDuration: "Less than a second", "5 seconds", "About an hour"... */
void cli_human_duration(int64_t d, char *buf, size_t size)
{
	int64_t m = d / 60, h = d / 3600;

	if (d < 1)
		snprintf(buf, size, "Less than a second");
	else if (d == 1)
		snprintf(buf, size, "1 second");
	else if (d < 60)
		snprintf(buf, size, "%lld seconds", (long long)d);
	else if (m == 1)
		snprintf(buf, size, "About a minute");
	else if (m < 60)
		snprintf(buf, size, "%lld minutes", (long long)m);
	else if (h == 1)
		snprintf(buf, size, "About an hour");
	else if (h < 48)
		snprintf(buf, size, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, size, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(buf, size, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(buf, size, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(buf, size, "%lld years", (long long)(h / 24 / 365));
}

void cli_human_ago(int64_t then, char *buf, size_t size)
{
	char d[48];

	if (then <= 0) {
		snprintf(buf, size, "N/A");
		return;
	}
	cli_human_duration((int64_t)time(NULL) - then, d, sizeof(d));
	snprintf(buf, size, "%s ago", d);
}

static int64_t parse_time(const char *rfc3339)
{
	struct tm tm = { 0 };

	if (rfc3339 == NULL || strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

/* "docker.io/library/busybox:latest" → repository "busybox", tag "latest". */
static void split_tag(const char *full, char *repo, size_t rsize, char *tag, size_t tsize)
{
	struct berth_reference *r = NULL;
	struct berth_error *err = NULL;
	cleanup_free char *fam = NULL;
	char *colon;

	if (berth_reference_parse(full, &r, &err) < 0) {
		berth_error_free(err);
		snprintf(repo, rsize, "%s", full);
		snprintf(tag, tsize, "<none>");
		return;
	}
	fam = berth_reference_familiar(r);
	colon = fam ? strrchr(fam, ':') : NULL;
	if (colon != NULL && strchr(colon, '/') == NULL)
		*colon++ = '\0';
	snprintf(repo, rsize, "%s", fam ? fam : full);
	snprintf(tag, tsize, "%s", colon ? colon : "<none>");
	berth_reference_free(r);
}

struct images_flags {
	bool all, quiet, digests, no_trunc, json;
	char **filters;		/* --filter, applied once the store is open */
	const char *repository; /* images [REPOSITORY[:TAG]] */
};

static void print_row(const struct berth_image *img, const char *full, const struct images_flags *f)
{
	char repo[512], tag[256], size[32], ago[64];
	const char *hex = strchr(img->id, ':') + 1;

	if (f->quiet) {
		printf("%.*s\n", f->no_trunc ? 71 : 12, f->no_trunc ? img->id : hex);
		return;
	}
	if (full)
		split_tag(full, repo, sizeof(repo), tag, sizeof(tag));
	else
		snprintf(repo, sizeof(repo), "<none>"), snprintf(tag, sizeof(tag), "<none>");
	cli_human_size(img->size, size, sizeof(size));
	cli_human_ago(parse_time(img->created), ago, sizeof(ago));
	if (f->digests)
		printf("%-30s %-10s %-71s %-14.*s %-16s %s\n", repo, tag,
		       img->repo_digests[0] ? strchr(img->repo_digests[0], '@') + 1 : "<none>",
		       f->no_trunc ? 71 : 12, f->no_trunc ? img->id : hex, ago, size);
	else
		printf("%-30s %-10s %-14.*s %-16s %s\n", repo, tag, f->no_trunc ? 71 : 12,
		       f->no_trunc ? img->id : hex, ago, size);
}

static json_object *image_json(const struct berth_image *img)
{
	json_object *o = json_object_new_object(), *tags = json_object_new_array();
	json_object *dig = json_object_new_array();

	for (size_t i = 0; img->tags[i]; i++)
		json_object_array_add(tags, json_object_new_string(img->tags[i]));
	for (size_t i = 0; img->repo_digests[i]; i++)
		json_object_array_add(dig, json_object_new_string(img->repo_digests[i]));
	json_object_object_add(o, "Id", json_object_new_string(img->id));
	json_object_object_add(o, "RepoTags", tags);
	json_object_object_add(o, "RepoDigests", dig);
	json_object_object_add(o, "Created",
			       json_object_new_string(img->created ? img->created : ""));
	json_object_object_add(o, "Size", json_object_new_int64(img->size));
	return o;
}

static int parse_images_flags(int argc, char **argv, struct images_flags *f,
			      struct berth_error **err)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "digests", no_argument, NULL, 'd' },
		{ "no-trunc", no_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "filter", required_argument, NULL, 'F' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+aq", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			f->all = true;
			break;
		case 'q':
			f->quiet = true;
			break;
		case 'd':
			f->digests = true;
			break;
		case 'n':
			f->no_trunc = true;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0)
				return berth_error_set(err, EINVAL,
						       "--format: only \"json\" is supported");
			f->json = true;
			break;
		case 'F': {
			size_t n = berth_strv_len(f->filters);
			char **v = realloc(f->filters, (n + 2) * sizeof(char *));

			if (v == NULL)
				return berth_error_set(err, ENOMEM, "out of memory");
			v[n] = optarg;
			v[n + 1] = NULL;
			f->filters = v;
			break;
		}
		default:
			return berth_error_set(err, EINVAL, "images: invalid flag");
		}
	}
	if (optind < argc)
		f->repository = argv[optind++];
	if (optind < argc)
		return berth_error_set(err, EINVAL, "images: unexpected argument \"%s\"",
				       argv[optind]);
	return 0;
}

static int build_filter(struct images_flags *f, struct berth_store *s, struct image_filter *flt,
			struct berth_error **err)
{
	for (size_t i = 0; f->filters && f->filters[i]; i++)
		if (image_filter_add(flt, s, f->filters[i], err) < 0)
			return -EINVAL;
	if (f->repository) {
		cleanup_free char *spec = NULL;

		if (asprintf(&spec, "reference=%s", f->repository) < 0 ||
		    image_filter_add(flt, s, spec, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static void print_header(const struct images_flags *f)
{
	if (f->digests)
		printf("%-30s %-10s %-71s %-14s %-16s %s\n", "REPOSITORY", "TAG", "DIGEST",
		       "IMAGE ID", "CREATED", "SIZE");
	else
		printf("%-30s %-10s %-14s %-16s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED",
		       "SIZE");
}

static void print_table(struct berth_image **imgs, size_t n, const struct images_flags *f,
			const struct image_filter *flt, struct berth_store *s)
{
	if (!f->quiet)
		print_header(f);
	for (size_t i = 0; i < n; i++) {
		bool shown = false;

		if (imgs[i]->tags[0] == NULL) {
			if (image_filter_match(flt, s, imgs[i], NULL))
				print_row(imgs[i], NULL, f);
			continue;
		}
		for (size_t t = 0; imgs[i]->tags[t]; t++) {
			if (!image_filter_match(flt, s, imgs[i], imgs[i]->tags[t]) ||
			    (f->quiet && shown))
				continue;
			print_row(imgs[i], imgs[i]->tags[t], f);
			shown = true;
		}
	}
}

int cmd_images(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct images_flags f = { 0 };
	struct image_filter flt = { .dangling = -1 };
	struct berth_image **imgs = NULL;
	struct berth_store *s;
	size_t n = 0;
	int rc = 1;

	if (parse_images_flags(argc, argv, &f, err) < 0 || cli_store(g, &s, err) < 0 ||
	    build_filter(&f, s, &flt, err) < 0 || berth_image_list(s, &imgs, &n, err) < 0)
		goto out;
	if (f.json) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < n; i++)
			if (image_filter_match(&flt, s, imgs[i], imgs[i]->tags[0]))
				json_object_array_add(arr, image_json(imgs[i]));
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else {
		print_table(imgs, n, &f, &flt, s);
	}
	rc = 0;
out:
	berth_image_list_free(imgs, n);
	image_filter_release(&flt);
	free(f.filters);
	return rc;
}

int cmd_tag(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_store *s;

	if (argc != 3) {
		berth_error_set(err, EINVAL, "usage: berth tag SOURCE TARGET");
		return 1;
	}
	if (cli_store(g, &s, err) < 0 || berth_image_tag(s, argv[1], argv[2], err) < 0)
		return 1;
	return 0;
}

/* rmi: untag or delete each image; blobs and snapshots no image uses go with them. */
int cmd_rmi(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	struct berth_image_remove_opts ro = { .in_use = cli_image_in_use, .ctx = g };
	struct berth_store *s;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return berth_error_set(err, EINVAL, "rmi: invalid flag"), 1;
		ro.force = true;
	}
	if (optind >= argc)
		return berth_error_set(err, EINVAL, "usage: berth rmi [-f] IMAGE..."), 1;
	if (cli_store(g, &s, err) < 0)
		return 1;
	for (int i = optind; i < argc; i++) {
		struct berth_image *img = NULL;
		struct berth_error *e = NULL;
		int ret;

		bool untag_only = false;

		if (berth_image_resolve(s, argv[i], &img, &e) == 0 &&
		    cli_rmi_check(g, argv[i], img, ro.force, &untag_only, &e) == 0 &&
		    (ret = untag_only ? berth_image_untag(s, argv[i], &e)
				      : berth_image_remove(s, argv[i], &ro, &e)) >= 0) {
			printf(ret == 0 ? "Untagged: %s\n" : "Deleted: %s\n",
			       ret == 0 ? argv[i] : img->id);
		} else {
			fprintf(stderr, "berth: %s\n", e ? e->msg : "rmi failed");
			rc = 1;
		}
		berth_error_free(e);
		berth_image_free(img);
	}
	if (berth_store_gc(s, cli_gc_hooks(g), NULL, err) < 0)
		return 1;
	return rc;
}
