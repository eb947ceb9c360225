/* SPDX-License-Identifier: Apache-2.0 */
/* The flags of `berth run` / `berth create`: getopt over run-flags-table.c's table. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run-flags-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* getopt's value of the long option run_flags[i]. */
#define LONG_BASE 1000

int run_strv_add(char ***v, const char *s, struct berth_error **err)
{
	size_t n = 0;
	char **nv;

	while (*v != NULL && (*v)[n] != NULL)
		n++;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (nv == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	nv[n] = (char *)s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

static size_t flag_count(void)
{
	size_t n = 0;

	while (run_flags[n].name != NULL)
		n++;
	return n;
}

/* The long options and the short-option string of @is_run's command; the caller frees. */
static int build_options(bool is_run, struct option **longs, char **shorts,
			 struct berth_error **err)
{
	size_t n = flag_count(), k = 0, s = 0;
	struct option *lo = calloc(n + 1, sizeof(*lo));
	char *so = calloc(2 * n + 3, 1);

	if (lo == NULL || so == NULL) {
		free(lo);
		free(so);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	/* "+": options end at the image; ":": a missing value is reported as such. */
	so[s++] = '+';
	so[s++] = ':';
	for (size_t i = 0; i < n; i++) {
		const struct run_flag *f = &run_flags[i];

		if (f->run_only && !is_run)
			continue;
		lo[k++] = (struct option){ f->name, f->arg ? required_argument : optional_argument,
					   NULL, (int)(LONG_BASE + i) };
		if (f->shortc) {
			so[s++] = f->shortc;
			if (f->arg)
				so[s++] = ':';
		}
	}
	*longs = lo;
	*shorts = so;
	return 0;
}

static const struct run_flag *by_short(int c, bool is_run)
{
	for (const struct run_flag *f = run_flags; f->name != NULL; f++)
		if (f->shortc == c && (is_run || !f->run_only))
			return f;
	return NULL;
}

/* Docker's spelling of a flag in messages: "-m, --memory" or "--cpus". */
static void flag_display(const struct run_flag *f, char *buf, size_t size)
{
	if (f->shortc)
		snprintf(buf, size, "-%c, --%s", f->shortc, f->name);
	else
		snprintf(buf, size, "--%s", f->name);
}

static int getopt_error(int c, char **argv, struct berth_error **err)
{
	const char *arg = argv[optind - 1];

	if (c == ':' && optopt >= LONG_BASE)
		return berth_error_set(err, EINVAL, "flag needs an argument: --%s",
				       run_flags[optopt - LONG_BASE].name);
	if (c == ':')
		return berth_error_set(err, EINVAL, "flag needs an argument: '%c' in -%c", optopt,
				       optopt);
	if (optopt != 0)
		return berth_error_set(err, EINVAL, "unknown shorthand flag: '%c' in -%c", optopt,
				       optopt);
	return berth_error_set(err, EINVAL, "unknown flag: %.*s", (int)strcspn(arg, "="), arg);
}

static int apply(struct run_state *st, const struct run_flag *f, const char *val,
		 struct berth_error **err)
{
	char name[64];

	if (f->fn(st, f, val, err) >= 0)
		return 0;
	flag_display(f, name, sizeof(name));
	if (val == NULL)
		return berth_error_prefix(err, "invalid argument for \"%s\" flag", name);
	return berth_error_prefix(err, "invalid argument \"%s\" for \"%s\" flag", val, name);
}

static int parse_flags(struct run_state *st, int argc, char **argv, struct berth_error **err)
{
	cleanup_free struct option *longs = NULL;
	cleanup_free char *shorts = NULL;
	int c;

	if (build_options(st->is_run, &longs, &shorts, err) < 0)
		return -ENOMEM;
	optind = 0; /* glibc: a full restart of getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct run_flag *f =
		    c >= LONG_BASE ? &run_flags[c - LONG_BASE] : by_short(c, st->is_run);

		if (c == '?' || c == ':' || f == NULL)
			return getopt_error(c, argv, err);
		if (apply(st, f, optarg, err) < 0)
			return -EINVAL;
	}
	return optind;
}

int cli_run_parse(int argc, char **argv, bool is_run, struct cli_run_opts *o,
		  struct berth_error **err)
{
	struct run_state st = { .o = o, .is_run = is_run };
	int first, ret;

	memset(o, 0, sizeof(*o));
	o->pull = "missing";
	o->sig_proxy = true;
	o->body = json_object_new_object();
	st.body = o->body;
	st.hc = json_object_new_object();
	json_object_object_add(o->body, "HostConfig", st.hc);
	first = parse_flags(&st, argc, argv, err);
	ret = first < 0 ? first : run_finish(&st, argc, argv, first, err);
	free(st.env);
	free(st.env_files);
	free(st.labels);
	free(st.label_files);
	free(st.cap_add);
	free(st.cap_drop);
	return ret;
}

void cli_run_opts_release(struct cli_run_opts *o)
{
	json_object_put(o->body);
	o->body = NULL;
}

int cli_run_write_cidfile(const struct cli_run_opts *o, const char *id, struct berth_error **err)
{
	cleanup_close int fd = -1;

	if (o->cidfile == NULL)
		return 0;
	fd = open(o->cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return berth_error_set(err, EEXIST,
				       "container ID file found, make sure the other container "
				       "isn't running or delete %s",
				       o->cidfile);
	if (fd < 0)
		return berth_error_errno(err, "failed to create the container ID file '%s'",
					 o->cidfile);
	if (berth_write_all(fd, id, strlen(id)) < 0)
		return berth_error_errno(err, "failed to write the container ID to the file '%s'",
					 o->cidfile);
	return 0;
}
