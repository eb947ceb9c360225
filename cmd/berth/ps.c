/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "containers.h"
#include "engine/ctr.h"
#include "engine/filter.h"
#include "engine/prune.h"
#include "image/images.h"
#include "format.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

/* `berth ps`: Docker's table, -q, --no-trunc, -n/-l, --format. */

struct ps_opts {
	bool all, quiet, no_trunc, size;
	int last; /* -n; -1: all */
	const char *format;
	char **filters; /* KEY=VALUE, NULL-terminated */
	size_t n_filters;
};

static const char *const filter_keys[] = { "status", "name", "label", "ancestor",
					   "exited", "id",   NULL };

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "";
}

static int64_t num(json_object *o, const char *key)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return 0;
}

static int64_t unix_time(const char *rfc3339)
{
	struct tm tm = { 0 };

	if (strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

/* "Up 3 minutes", "Exited (0) 2 seconds ago", "Created", "Up 1 hour (Paused)". */
static void status_text(const struct berth_ctr *c, char *buf, size_t size)
{
	const char *s = berth_ctr_status(c);
	char ago[64];

	if (strcmp(s, BERTH_CTR_RUNNING) == 0 || strcmp(s, BERTH_CTR_PAUSED) == 0) {
		cli_human_duration((int64_t)time(NULL) - unix_time(str(c->state, "StartedAt")), ago,
				   sizeof(ago));
		snprintf(buf, size, "Up %s%s", ago, s[0] == 'p' ? " (Paused)" : "");
	} else if (strcmp(s, BERTH_CTR_EXITED) == 0 || strcmp(s, BERTH_CTR_RESTARTING) == 0) {
		cli_human_ago(unix_time(str(c->state, "FinishedAt")), ago, sizeof(ago));
		snprintf(buf, size, "%s (%lld) %s", s[0] == 'e' ? "Exited" : "Restarting",
			 (long long)num(c->state, "ExitCode"), ago);
	} else {
		snprintf(buf, size, "%c%s", s[0] - 'a' + 'A', s + 1);
	}
}

static char *command_text(const struct berth_ctr *c, bool no_trunc)
{
	json_object *args;
	size_t len = 0;
	char *buf = NULL, *out = NULL;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return strdup("");
	fputs(str(c->record, "Path"), f);
	if (json_object_object_get_ex(c->record, "Args", &args))
		for (size_t i = 0; i < json_object_array_length(args); i++)
			fprintf(f, " %s",
				json_object_get_string(json_object_array_get_idx(args, i)));
	fclose(f);
	if (!no_trunc && len > 20)
		strcpy(buf + 19, "…");
	if (asprintf(&out, "\"%s\"", buf) < 0)
		out = NULL;
	free(buf);
	return out;
}

/* The row as `--format` sees it (Docker's field names). */
static json_object *row(const struct berth_ctr *c, bool no_trunc)
{
	json_object *r = json_object_new_object(), *cfg = berth_ctr_config(c), *labels;
	char status[96], created[64], id[BERTH_CTR_ID_LEN + 1];
	char *cmd = command_text(c, no_trunc);
	int64_t t = unix_time(str(c->record, "Created"));
	struct tm tm;
	char ts[64];

	snprintf(id, sizeof(id), "%.*s", no_trunc ? BERTH_CTR_ID_LEN : 12, c->id);
	status_text(c, status, sizeof(status));
	cli_human_ago(t, created, sizeof(created));
	gmtime_r(&(time_t){ (time_t)t }, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
	json_object_object_add(r, "ID", json_object_new_string(id));
	json_object_object_add(r, "Image", json_object_new_string(str(cfg, "Image")));
	json_object_object_add(r, "Command", json_object_new_string(cmd ? cmd : ""));
	json_object_object_add(r, "CreatedAt", json_object_new_string(ts));
	json_object_object_add(r, "RunningFor", json_object_new_string(created));
	json_object_object_add(r, "Status", json_object_new_string(status));
	json_object_object_add(r, "State", json_object_new_string(berth_ctr_status(c)));
	json_object_object_add(r, "Names", json_object_new_string(berth_ctr_name(c)));
	json_object_object_add(r, "Ports", json_object_new_string(""));
	if (cfg && json_object_object_get_ex(cfg, "Labels", &labels) &&
	    json_object_is_type(labels, json_type_object)) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		bool first = true;

		json_object_object_foreach (labels, k, v) {
			fprintf(f, "%s%s=%s", first ? "" : ",", k, json_object_get_string(v));
			first = false;
		}
		fclose(f);
		json_object_object_add(r, "Labels", json_object_new_string(buf ? buf : ""));
		free(buf);
	} else {
		json_object_object_add(r, "Labels", json_object_new_string(""));
	}
	free(cmd);
	return r;
}

/* Docker's tabwriter: each column as wide as its widest cell, three spaces between. */
static void print_table(json_object *rows, bool size)
{
	static const char *const heads[] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
					     "STATUS",	     "PORTS", "NAMES",	 "SIZE" };
	static const char *const keys[] = { "ID",     "Image", "Command", "RunningFor",
					    "Status", "Ports", "Names",	  "Size" };
	size_t w[8], n = json_object_array_length(rows), cols = size ? 8 : 7;

	for (size_t c = 0; c < cols; c++) {
		w[c] = strlen(heads[c]);
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(str(json_object_array_get_idx(rows, i), keys[c]));

			w[c] = l > w[c] ? l : w[c];
		}
	}
	for (size_t i = 0; i <= n; i++) {
		json_object *r = i ? json_object_array_get_idx(rows, i - 1) : NULL;

		for (size_t c = 0; c < cols; c++) {
			const char *cell = r ? str(r, keys[c]) : heads[c];

			if (c == cols - 1)
				printf("%s\n", cell);
			else
				printf("%-*s   ", (int)w[c], cell);
		}
	}
}

static int print_rows(json_object *rows, const struct ps_opts *o, struct berth_error **err)
{
	const char *fmt = o->format;

	if (o->quiet) {
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			puts(str(json_object_array_get_idx(rows, i), "ID"));
		return 0;
	}
	if (fmt == NULL || strcmp(fmt, "table") == 0) {
		print_table(rows, o->size);
		return 0;
	}
	if (strcmp(fmt, "json") == 0)
		fmt = "{{json .}}";
	else if (strncmp(fmt, "table ", 6) == 0)
		fmt += 6; /* headers are left out for custom tables */
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		if (cli_format(stdout, fmt, json_object_array_get_idx(rows, i), err) < 0)
			return -1;
		putchar('\n');
	}
	return 0;
}

static int parse(int argc, char **argv, struct ps_opts *o, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-trunc", no_argument, NULL, 'T' },
		{ "last", required_argument, NULL, 'n' },
		{ "latest", no_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'F' },
		{ "filter", required_argument, NULL, 'f' },
		{ "size", no_argument, NULL, 's' },
		{ 0 },
	};
	int64_t n;
	int c;

	*o = (struct ps_opts){ .last = -1 };
	while ((c = getopt_long(argc, argv, "+aqn:lf:s", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'T':
			o->no_trunc = true;
			break;
		case 'n':
			if (berth_parse_int(optarg, "--last", -1, 1 << 30, &n, err) < 0)
				return -1;
			o->last = (int)n;
			break;
		case 'l':
			o->last = 1;
			break;
		case 'F':
			o->format = optarg;
			break;
		case 's':
			o->size = true;
			break;
		case 'f': {
			char **p = realloc(o->filters, (o->n_filters + 2) * sizeof(*p));

			if (p == NULL)
				return berth_error_set(err, ENOMEM, "out of memory");
			o->filters = p;
			p[o->n_filters++] = optarg;
			p[o->n_filters] = NULL;
			break;
		}
		default:
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (o->last >= 0)
		o->all = true;
	if (optind < argc)
		return berth_error_set(err, EINVAL, "\"berth ps\" accepts no arguments");
	return 0;
}

/* The image store's id for an ancestor= name (NULL when it names nothing). */
static char *image_id(void *ctx, const char *name)
{
	struct berth_image *img = NULL;
	struct berth_error *err = NULL;
	struct berth_store *s;
	char *id;

	if (cli_store(ctx, &s, &err) < 0 || berth_image_resolve(s, name, &img, &err) < 0) {
		berth_error_free(err);
		return NULL;
	}
	id = strdup(img->id);
	berth_image_free(img);
	return id;
}

/* "12B (virtual 4.26MB)": the writable layer, and it plus the image. */
static void add_size(struct cli *g, struct berth_engine *e, const struct berth_ctr *c,
		     json_object *r)
{
	int64_t rw = berth_ctr_rw_size(e, c->id), virt = rw;
	struct berth_image *img = NULL;
	struct berth_error *err = NULL;
	struct berth_store *s;
	char a[32], b[32], buf[96];

	if (cli_store(g, &s, &err) == 0 &&
	    berth_image_resolve(s, str(c->record, "Image"), &img, &err) == 0)
		virt += img->size;
	berth_error_free(err);
	berth_image_free(img);
	cli_human_size(rw, a, sizeof(a));
	cli_human_size(virt, b, sizeof(b));
	snprintf(buf, sizeof(buf), "%s (virtual %s)", a, b);
	json_object_object_add(r, "Size", json_object_new_string(buf));
}

static bool shown(const struct berth_ctr *c, const struct ps_opts *o,
		  const struct berth_ctr_filter *f, struct cli *g)
{
	const char *s = berth_ctr_status(c);
	/* a status or exited filter looks at stopped containers too (Docker) */
	bool all = o->all || berth_ctr_filter_has(f, "status") || berth_ctr_filter_has(f, "exited");

	if (!all && strcmp(s, BERTH_CTR_RUNNING) != 0 && strcmp(s, BERTH_CTR_PAUSED) != 0 &&
	    strcmp(s, BERTH_CTR_RESTARTING) != 0)
		return false;
	return berth_ctr_filter_match(f, c, (int64_t)time(NULL), image_id, g);
}

int cmd_ps(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	cleanup_strv char **ids = NULL;
	struct berth_ctr_filter *f = NULL;
	struct berth_engine *e;
	struct ps_opts o;
	json_object *rows;
	int shown_n = 0, rc;

	if (parse(argc, argv, &o, err) < 0 ||
	    berth_ctr_filter_parse(o.filters, filter_keys, &f, err) < 0 ||
	    cli_engine(g, &e, err) < 0 || berth_ctr_list(e, &ids, err) < 0) {
		free(o.filters);
		berth_ctr_filter_free(f);
		return 1;
	}
	rows = json_object_new_array();
	for (char **p = ids; *p && (o.last < 0 || shown_n < o.last); p++) {
		struct berth_ctr *c = NULL;
		struct berth_error *e1 = NULL;

		if (berth_ctr_load(e, *p, &c, &e1) < 0 || berth_ctr_refresh(e, c, &e1) < 0) {
			berth_error_free(e1);
			berth_ctr_free(c);
			continue;
		}
		if (shown(c, &o, f, g)) {
			json_object *r = row(c, o.no_trunc);

			if (o.size)
				add_size(g, e, c, r);
			json_object_array_add(rows, r);
			shown_n++;
		}
		berth_ctr_free(c);
	}
	rc = print_rows(rows, &o, err) < 0 ? 1 : 0;
	json_object_put(rows);
	free(o.filters);
	berth_ctr_filter_free(f);
	return rc;
}
