/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "runtime/container.h"
#include "runtime/tty-proxy.h"
#include "util/cleanup.h"
#include "util/json.h"

/* create, run, start, state, kill, delete, list. */

static int parse_create(int argc, char **argv, struct berth_create_opts *o, bool *detach,
			struct berth_error **err)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ "no-pivot", no_argument, NULL, 'n' },
		{ "no-new-keyring", no_argument, NULL, 'k' },
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'K' },
		{ 0 },
	};
	char *end = NULL;
	int c;

	o->bundle = ".";
	while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case 'c':
			o->console_socket = optarg;
			break;
		case 'p':
			o->pid_file = optarg;
			break;
		case 'f':
			o->preserve_fds = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || o->preserve_fds < 0 ||
			    o->preserve_fds > 1000)
				return berth_error_set(err, EINVAL,
						       "--preserve-fds: invalid "
						       "number \"%s\"",
						       optarg);
			break;
		case 'n':
			o->no_pivot = true;
			break;
		case 'k':
			o->no_new_keyring = true;
			break;
		case 'd':
			if (detach == NULL)
				return berth_error_set(err, EINVAL, "create: unknown flag -d");
			*detach = true;
			break;
		case 'K':
			return berth_error_set(err, ENOTSUP, "--keep is not supported");
		default:
			return berth_error_set(err, EINVAL, "%s: invalid flag", argv[0]);
		}
	}
	if (optind != argc - 1)
		return berth_error_set(err, EINVAL, "%s: expected one container id", argv[0]);
	o->id = argv[optind];
	return 0;
}

int cmd_create(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_create_opts o = { .root = g->root, .systemd_cgroup = g->systemd_cgroup };
	pid_t pid;

	if (parse_create(argc, argv, &o, NULL, err) < 0 ||
	    berth_container_create(&o, &pid, err) < 0)
		return 1;
	return 0;
}

int cmd_run(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_create_opts o = { .root = g->root, .systemd_cgroup = g->systemd_cgroup };
	struct berth_error *derr = NULL, *warn = NULL;
	bool detach = false;
	int console = -1;
	pid_t pid;
	int status;

	if (parse_create(argc, argv, &o, &detach, err) < 0)
		return 1;
	/* A terminal in the foreground without a socket: we hold the master ourselves. */
	if (!detach && o.console_socket == NULL)
		o.console_fd = &console;
	/* Created and started in one call: the init execs as soon as it is ready. */
	o.start = true;
	o.start_warn = &warn;
	if (berth_container_create(&o, &pid, err) < 0)
		return 1;
	cli_warn(g, warn);
	if (detach)
		return 0;
	if (console >= 0 && berth_tty_proxy(console, err) < 0)
		berth_container_kill(o.root, o.id, SIGKILL, true, &derr);
	berth_error_clear(&derr);
	status = *err ? -1 : berth_container_wait(pid, err);
	/* Like runc, a foreground run removes its container when it ends. */
	warn = NULL;
	if (berth_container_delete(o.root, o.id, true, &warn, status < 0 ? &derr : err) < 0 &&
	    status >= 0)
		return 1;
	cli_warn(g, warn);
	berth_error_free(derr);
	return status < 0 ? 1 : status;
}

int cmd_start(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_error *warn = NULL;

	if (cli_need_args(argc, 1, 1, "start ID", err) < 0 ||
	    berth_container_start(g->root, argv[1], &warn, err) < 0)
		return 1;
	cli_warn(g, warn);
	return 0;
}

static void print_json(json_object *o, int flags)
{
	puts(json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int cmd_state(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_state *st = NULL;
	json_object *o;

	if (cli_need_args(argc, 1, 1, "state ID", err) < 0 ||
	    berth_state_load(g->root, argv[1], &st, err) < 0)
		return 1;
	o = berth_state_to_json(st, berth_state_status(g->root, st));
	print_json(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	json_object_put(o);
	berth_state_free(st);
	return 0;
}

int cmd_kill(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
	bool all = false;
	int c, sig = SIGTERM;

	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a') {
			berth_error_set(err, EINVAL, "kill: invalid flag");
			return 1;
		}
		all = true;
	}
	if (argc - optind < 1 || argc - optind > 2) {
		berth_error_set(err, EINVAL, "usage: berth-runc kill [--all] ID [SIGNAL]");
		return 1;
	}
	if (argc - optind == 2 && (sig = berth_signal_parse(argv[optind + 1], err)) < 0)
		return 1;
	return berth_container_kill(g->root, argv[optind], sig, all, err) < 0 ? 1 : 0;
}

int cmd_delete(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	struct berth_error *warn = NULL;
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f') {
			berth_error_set(err, EINVAL, "delete: invalid flag");
			return 1;
		}
		force = true;
	}
	if (argc - optind != 1) {
		berth_error_set(err, EINVAL, "usage: berth-runc delete [--force] ID");
		return 1;
	}
	if (berth_container_delete(g->root, argv[optind], force, &warn, err) < 0)
		return 1;
	cli_warn(g, warn);
	return 0;
}

static int parse_format(int argc, char **argv, bool *json, bool *quiet, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			*json = strcmp(optarg, "json") == 0;
		else if (c == 'q' && quiet != NULL)
			*quiet = true;
		else
			return berth_error_set(err, EINVAL,
					       "%s: invalid flag or format (table or "
					       "json)",
					       argv[0]);
	}
	return 0;
}

int cmd_list(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	cleanup_strv char **ids = NULL;
	json_object *arr = json_object_new_array();
	bool json = false, quiet = false;

	if (parse_format(argc, argv, &json, &quiet, err) < 0 ||
	    berth_state_list(g->root, &ids, err) < 0) {
		json_object_put(arr);
		return 1;
	}
	if (!json && !quiet)
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (size_t i = 0; ids[i] != NULL; i++) {
		struct berth_state *st = NULL;
		struct berth_error *e = NULL;
		enum berth_status s;
		json_object *o;

		if (berth_state_load(g->root, ids[i], &st, &e) < 0) {
			berth_error_free(e); /* being created or deleted right now */
			continue;
		}
		s = berth_state_status(g->root, st);
		o = berth_state_to_json(st, s);
		if (quiet)
			printf("%s\n", st->id);
		else if (!json)
			printf("%-12s %-8d %-10s %-40s %-30s %s\n", st->id,
			       s == BERTH_STATUS_STOPPED ? 0 : st->pid, berth_status_name(s),
			       st->bundle ? st->bundle : "", st->created ? st->created : "",
			       st->owner == 0 ? "root" : "");
		json_object_array_add(arr, o);
		berth_state_free(st);
	}
	if (json)
		print_json(arr, JSON_C_TO_STRING_PLAIN);
	json_object_put(arr);
	return 0;
}
