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
#include "engine/live.h"
#include "engine/stats.h"
#include "format.h"
#include "util/cleanup.h"
#include "util/json.h"

/* `berth stats [-a] [--no-stream] [--no-trunc] [--format F] [CONTAINER...]` */

struct stats_opts {
	bool all, no_stream, no_trunc;
	const char *format;
};

struct target {
	char *ref; /* as given (.Container) */
	char id[BERTH_CTR_ID_LEN + 1];
	char *name;
	struct berth_ctr_sample prev, cur;
};

/* Docker's units.CustomSize: %.*g of the value in the largest unit below it. */
static void size_str(double v, double base, const char *const *units, int prec, char *buf, size_t n)
{
	int i = 0;

	while (v >= base && units[i + 1] != NULL) {
		v /= base;
		i++;
	}
	snprintf(buf, n, "%.*g%s", prec, v, units[i]);
}

static void decimal(uint64_t v, char *buf, size_t n)
{
	static const char *const u[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", NULL };

	size_str((double)v, 1000.0, u, 3, buf, n);
}

static void binary(uint64_t v, char *buf, size_t n)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", NULL };

	size_str((double)v, 1024.0, u, 4, buf, n);
}

static json_object *row(const struct target *t, bool no_trunc)
{
	json_object *r = json_object_new_object();
	char a[32], b[32], s[80];

#define ADD(k, v) json_object_object_add(r, k, json_object_new_string(v))
	ADD("Container", t->ref);
	snprintf(s, sizeof(s), "%.*s", no_trunc ? BERTH_CTR_ID_LEN : 12, t->id);
	ADD("ID", s);
	ADD("Name", t->name);
	snprintf(s, sizeof(s), "%.2f%%", berth_stats_cpu_percent(&t->prev, &t->cur));
	ADD("CPUPerc", s);
	binary(t->cur.mem_usage, a, sizeof(a));
	binary(t->cur.mem_limit, b, sizeof(b));
	snprintf(s, sizeof(s), "%s / %s", a, b);
	ADD("MemUsage", s);
	snprintf(s, sizeof(s), "%.2f%%", berth_stats_mem_percent(&t->cur));
	ADD("MemPerc", s);
	decimal(t->cur.net_rx, a, sizeof(a));
	decimal(t->cur.net_tx, b, sizeof(b));
	snprintf(s, sizeof(s), "%s / %s", a, b);
	ADD("NetIO", s);
	decimal(t->cur.blk_read, a, sizeof(a));
	decimal(t->cur.blk_write, b, sizeof(b));
	snprintf(s, sizeof(s), "%s / %s", a, b);
	ADD("BlockIO", s);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)t->cur.pids);
	ADD("PIDs", s);
#undef ADD
	return r;
}

static const char *const keys[] = { "ID",      "Name",	"CPUPerc", "MemUsage",
				    "MemPerc", "NetIO", "BlockIO", "PIDs" };
static const char *const titles[] = { "CONTAINER ID", "NAME",	 "CPU %",     "MEM USAGE / LIMIT",
				      "MEM %",	      "NET I/O", "BLOCK I/O", "PIDS" };

static const char *field(json_object *r, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(r, k, &v) ? json_object_get_string(v) : "";
}

/* Docker's tabwriter: columns at least 10 wide, 3 spaces apart. */
static void table(json_object *rows)
{
	size_t w[8];

	for (int c = 0; c < 8; c++) {
		w[c] = strlen(titles[c]);
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			size_t l = strlen(field(json_object_array_get_idx(rows, i), keys[c]));

			w[c] = l > w[c] ? l : w[c];
		}
		w[c] = w[c] + 3 > 10 ? w[c] + 3 : 10;
	}
	for (int c = 0; c < 8; c++)
		printf(c < 7 ? "%-*s" : "%.*s\n", c < 7 ? (int)w[c] : 64, titles[c]);
	for (size_t i = 0; i < json_object_array_length(rows); i++)
		for (int c = 0; c < 8; c++)
			printf(c < 7 ? "%-*s" : "%.*s\n", c < 7 ? (int)w[c] : 64,
			       field(json_object_array_get_idx(rows, i), keys[c]));
}

static int print(struct target *t, size_t n, const struct stats_opts *o, struct berth_error **err)
{
	json_object *rows = json_object_new_array();
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		json_object_array_add(rows, row(&t[i], o->no_trunc));
	if (o->format == NULL || strcmp(o->format, "table") == 0) {
		table(rows);
	} else {
		const char *fmt = strcmp(o->format, "json") == 0 ? "{{json .}}" : o->format;

		if (strncmp(fmt, "table ", 6) == 0)
			fmt += 6;
		for (size_t i = 0; i < n && ret == 0; i++) {
			ret = cli_format(stdout, fmt, json_object_array_get_idx(rows, i), err);
			putchar('\n');
		}
	}
	json_object_put(rows);
	fflush(stdout);
	return ret;
}

static int sample_all(struct berth_engine *e, struct target *t, size_t n, struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		t[i].prev = t[i].cur;
		if (berth_ctr_sample(e, t[i].id, &t[i].cur, err) < 0)
			return -1;
	}
	return 0;
}

static int add_target(struct berth_engine *e, const char *ref, struct target **t, size_t *n,
		      struct berth_error **err)
{
	struct berth_ctr *c = NULL;
	struct target *p;

	if (berth_ctr_get(e, ref, &c, err) < 0)
		return -1;
	p = realloc(*t, (*n + 1) * sizeof(**t));
	if (p == NULL) {
		berth_ctr_free(c);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	*t = p;
	p += (*n)++;
	memset(p, 0, sizeof(*p));
	memcpy(p->id, c->id, sizeof(p->id));
	p->ref = strdup(ref);
	p->name = strdup(berth_ctr_name(c));
	berth_ctr_free(c);
	return 0;
}

/* No names: every running container (with -a every one). */
static int targets(struct berth_engine *e, char **refs, int nrefs, bool all, struct target **t,
		   size_t *n, struct berth_error **err)
{
	cleanup_strv char **ids = NULL;

	for (int i = 0; i < nrefs; i++)
		if (add_target(e, refs[i], t, n, err) < 0)
			return -1;
	if (nrefs > 0)
		return 0;
	if (berth_ctr_list(e, &ids, err) < 0)
		return -1;
	for (char **p = ids; *p; p++) {
		struct berth_ctr *c = NULL;
		struct berth_error *e1 = NULL;
		bool want;

		if (berth_ctr_get(e, *p, &c, &e1) < 0) {
			berth_error_free(e1);
			continue;
		}
		want = all || berth_ctr_active(c);
		berth_ctr_free(c);
		if (want && add_target(e, *p, t, n, err) < 0)
			return -1;
		if (want) /* .Container is the short id when nothing was named */
			(*t)[*n - 1].ref[12] = '\0';
	}
	return 0;
}

static int parse(int argc, char **argv, struct stats_opts *o, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "no-stream", no_argument, NULL, 'S' },
		{ "no-trunc", no_argument, NULL, 'T' },
		{ "format", required_argument, NULL, 'F' },
		{ 0 },
	};
	int c;

	*o = (struct stats_opts){ 0 };
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c == 'a')
			o->all = true;
		else if (c == 'S')
			o->no_stream = true;
		else if (c == 'T')
			o->no_trunc = true;
		else if (c == 'F')
			o->format = optarg;
		else
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]);
	}
	return 0;
}

int cmd_stats(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct target *t = NULL;
	struct berth_engine *e;
	struct stats_opts o;
	size_t n = 0;
	int rc = 1;

	if (parse(argc, argv, &o, err) < 0 || cli_engine(g, &e, err) < 0 ||
	    targets(e, argv + optind, argc - optind, o.all, &t, &n, err) < 0 ||
	    sample_all(e, t, n, err) < 0)
		goto out;
	/* CPU % needs a second sample: half a second later, then each second */
	nanosleep(&(struct timespec){ 0, 500 * 1000 * 1000 }, NULL);
	for (;;) {
		if (sample_all(e, t, n, err) < 0)
			goto out;
		if (!o.no_stream && (o.format == NULL || strncmp(o.format, "table", 5) == 0))
			fputs("\033[2J\033[H", stdout);
		if (print(t, n, &o, err) < 0)
			goto out;
		if (o.no_stream)
			break;
		sleep(1);
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(t[i].ref);
		free(t[i].name);
	}
	free(t);
	return rc;
}
