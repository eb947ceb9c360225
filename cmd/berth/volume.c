/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "engine/volume.h"
#include "format.h"
#include "util/cleanup.h"
#include "util/json.h"

/* `berth volume create|ls|inspect|rm|prune`, Docker's flags and output. */

static int bad_flag(char **argv, struct berth_error **err)
{
	return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]), 1;
}

static int add_label(json_object *labels, const char *kv, struct berth_error **err)
{
	const char *eq = strchr(kv, '=');
	cleanup_free char *key = strndup(kv, eq ? (size_t)(eq - kv) : strlen(kv));

	if (key == NULL || *key == '\0')
		return berth_error_set(err, EINVAL, "invalid label '%s': a key is required", kv);
	json_object_object_add(labels, key, json_object_new_string(eq ? eq + 1 : ""));
	return 0;
}

static int volume_create(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "label", required_argument, NULL, 'l' },
					      { "driver", required_argument, NULL, 'd' },
					      { "name", required_argument, NULL, 'n' },
					      { 0 } };
	json_object *labels = json_object_new_object();
	struct berth_volume_create_opts o = { 0 };
	char name[BERTH_VOLUME_NAME_MAX + 1];
	struct berth_engine *e;
	bool created;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "+d:", opts, NULL)) != -1) {
		if (c == 'l' && add_label(labels, optarg, err) < 0)
			goto out;
		if (c == 'd' && strcmp(optarg, "local") != 0) {
			berth_error_set(err, EINVAL,
					"volume driver \"%s\" is not supported (only "
					"\"local\")",
					optarg);
			goto out;
		}
		if (c == 'n')
			o.name = optarg;
		if (c == '?') {
			bad_flag(argv, err);
			goto out;
		}
	}
	if (optind < argc)
		o.name = argv[optind++];
	if (optind < argc) {
		berth_error_set(err, EINVAL, "\"berth volume create\" requires at most 1 argument");
		goto out;
	}
	o.labels = json_object_object_length(labels) ? labels : NULL;
	o.anonymous = false;
	if (cli_engine(g, &e, err) < 0 || berth_volume_create(e, &o, name, &created, err) < 0)
		goto out;
	puts(name);
	rc = 0;
out:
	json_object_put(labels);
	return rc;
}

/* A row as `volume ls --format` sees it (Docker's field names). */
static json_object *ls_row(json_object *rec)
{
	json_object *r = json_object_new_object(), *v = NULL;
	cleanup_free char *labels = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&labels, &len);

	if (f != NULL && json_object_object_get_ex(rec, "Labels", &v) &&
	    json_object_is_type(v, json_type_object)) {
		bool first = true;

		json_object_object_foreach (v, key, val) {
			fprintf(f, "%s%s=%s", first ? "" : ",", key, json_object_get_string(val));
			first = false;
		}
	}
	if (f != NULL)
		fclose(f);
	json_object_object_add(r, "Availability", json_object_new_string("N/A"));
	json_object_object_add(r, "Driver", json_object_new_string("local"));
	json_object_object_add(r, "Group", json_object_new_string("N/A"));
	json_object_object_add(r, "Labels", json_object_new_string(labels ? labels : ""));
	json_object_object_add(r, "Links", json_object_new_string("N/A"));
	json_object_object_get_ex(rec, "Mountpoint", &v);
	json_object_object_add(r, "Mountpoint", json_object_get(v));
	json_object_object_get_ex(rec, "Name", &v);
	json_object_object_add(r, "Name", json_object_get(v));
	json_object_object_add(r, "Scope", json_object_new_string("local"));
	json_object_object_add(r, "Size", json_object_new_string("N/A"));
	json_object_object_add(r, "Status", json_object_new_string("N/A"));
	return r;
}

static int ls_print(struct berth_engine *e, const char *name, const char *format,
		    struct berth_error **err)
{
	json_object *rec = NULL, *row;
	int ret = 0;

	if (berth_volume_inspect(e, name, &rec, err) < 0)
		return berth_error_ret(err);
	row = ls_row(rec);
	if (strcmp(format, "json") == 0 || strcmp(format, "{{json .}}") == 0) {
		puts(json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		ret = cli_format(stdout, format, row, err);
		putchar('\n');
	}
	json_object_put(row);
	json_object_put(rec);
	return ret;
}

static int volume_ls(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
					      { "format", required_argument, NULL, 'F' },
					      { 0 } };
	cleanup_strv char **names = NULL;
	const char *format = NULL;
	struct berth_engine *e;
	bool quiet = false;
	int c;

	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'F')
			format = optarg;
		else
			return bad_flag(argv, err);
	}
	if (optind < argc)
		return berth_error_set(err, EINVAL, "\"berth volume ls\" accepts no arguments"), 1;
	if (cli_engine(g, &e, err) < 0 || berth_volume_list(e, &names, err) < 0)
		return 1;
	if (!quiet && format == NULL)
		printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
	for (char **n = names; *n != NULL; n++) {
		if (quiet)
			puts(*n);
		else if (format == NULL)
			printf("%-10s%s\n", "local", *n);
		else if (ls_print(e, *n, format, err) < 0)
			return 1;
	}
	return 0;
}

static int volume_inspect(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
	json_object *arr = json_object_new_array();
	const char *format = NULL;
	struct berth_engine *e;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f') {
			json_object_put(arr);
			return bad_flag(argv, err);
		}
		format = optarg;
	}
	if (optind >= argc || cli_engine(g, &e, err) < 0) {
		json_object_put(arr);
		if (*err == NULL)
			berth_error_set(err, EINVAL,
					"\"berth volume inspect\" requires at least 1 argument");
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		struct berth_error *e1 = NULL;
		json_object *o = NULL;

		if (berth_volume_inspect(e, argv[i], &o, &e1) < 0) {
			fprintf(stderr, "berth: %s\n", e1->msg);
			berth_error_free(e1);
			rc = 1;
			continue;
		}
		if (format != NULL) {
			if (cli_format(stdout, format, o, err) < 0)
				rc = 1;
			putchar('\n');
			json_object_put(o);
		} else {
			json_object_array_add(arr, o);
		}
	}
	if (format == NULL && json_object_array_length(arr) == 0)
		puts("[]");
	else if (format == NULL)
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_SPACED |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return rc;
}

/* Refuse a volume a container uses, with Docker's message. */
static int remove_one(struct berth_engine *e, const char *name, bool force,
		      struct berth_error **err)
{
	cleanup_strv char **users = NULL;
	int ret;

	if (berth_volume_users(e, name, &users, err) < 0)
		return berth_error_ret(err);
	if (users[0] != NULL) {
		cleanup_free char *list = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&list, &len);

		for (char **u = users; f != NULL && *u != NULL; u++)
			fprintf(f, "%s%s", u == users ? "" : ", ", *u);
		if (f != NULL)
			fclose(f);
		return berth_error_set(err, EBUSY, "remove %s: volume is in use - [%s]", name,
				       list ? list : "");
	}
	ret = berth_volume_remove(e, name, err);
	if (ret == -ENOENT && force) {
		berth_error_clear(err);
		return 0;
	}
	return ret;
}

struct rm_ctx {
	struct berth_engine *e;
	bool force;
};

static int rm_one(void *p, const char *name, struct berth_error **err)
{
	struct rm_ctx *c = p;

	return remove_one(c->e, name, c->force, err);
}

static int volume_rm(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	struct berth_engine *e;
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return bad_flag(argv, err);
		force = true;
	}
	if (optind >= argc)
		return berth_error_set(err, EINVAL,
				       "\"berth volume rm\" requires at least 1 argument"),
		       1;
	if (cli_engine(g, &e, err) < 0)
		return 1;
	struct rm_ctx ctx = { e, force };

	return cli_each(argc, argv, optind, rm_one, &ctx);
}

static bool confirm(bool all)
{
	char line[16] = "";

	fprintf(stderr,
		"WARNING! This will remove %s local volumes not used by at least one container.\n"
		"Are you sure you want to continue? [y/N] ",
		all ? "all" : "anonymous");
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int volume_prune(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { "all", no_argument, NULL, 'a' },
					      { 0 } };
	cleanup_strv char **removed = NULL;
	struct berth_engine *e;
	bool force = false, all = false;
	long long bytes = 0;
	char size[32];
	int c;

	while ((c = getopt_long(argc, argv, "+fa", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'a')
			all = true;
		else
			return bad_flag(argv, err);
	}
	if (!force && !confirm(all))
		return 0;
	if (cli_engine(g, &e, err) < 0 || berth_volume_prune(e, all, &removed, &bytes, err) < 0)
		return 1;
	if (removed[0] != NULL) {
		puts("Deleted Volumes:");
		for (char **r = removed; *r != NULL; r++)
			puts(*r);
		putchar('\n');
	}
	cli_human_size(bytes, size, sizeof(size));
	printf("Total reclaimed space: %s\n", size);
	return 0;
}

int cmd_volume(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct command subs[] = {
		{ "create", volume_create, NULL }, { "ls", volume_ls, NULL },
		{ "list", volume_ls, NULL },	   { "inspect", volume_inspect, NULL },
		{ "rm", volume_rm, NULL },	   { "remove", volume_rm, NULL },
		{ "prune", volume_prune, NULL },
	};

	if (argc < 2)
		return berth_error_set(err, EINVAL,
				       "usage: berth volume create|ls|inspect|rm|prune ..."),
		       2;
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0;
			return subs[i].run(g, argc - 1, argv + 1, err);
		}
	return berth_error_set(err, EINVAL, "unknown volume command \"%s\"", argv[1]), 2;
}
