/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "runtime/sealed-exe.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/json.h"

static const struct command commands[] = {
	{ "create", cmd_create, "create [--bundle DIR] [--console-socket PATH] [--pid-file F] ID" },
	{ "run", cmd_run, "run [-d] [--bundle DIR] [--console-socket PATH] [--pid-file F] ID" },
	{ "start", cmd_start, "start ID" },
	{ "state", cmd_state, "state ID" },
	{ "kill", cmd_kill, "kill [--all] ID [SIGNAL]" },
	{ "delete", cmd_delete, "delete [--force] ID" },
	{ "list", cmd_list, "list [--format table|json] [-q]" },
	{ "exec", cmd_exec, "exec [flags] ID [COMMAND ARGS...] | exec -p process.json ID" },
	{ "ps", cmd_ps, "ps [--format table|json] ID" },
	{ "pause", cmd_pause, "pause ID" },
	{ "resume", cmd_resume, "resume ID" },
	{ "update", cmd_update, "update [-r resources.json|-] [--memory N ...] ID" },
	{ "events", cmd_events, "events [--stats] [--interval 5s] ID" },
	{ "spec", cmd_spec, "spec [--bundle DIR] [--rootless]" },
	{ "features", cmd_features, "features" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: berth-runc [--root DIR] [--log FILE] [--log-format text|json] "
		   "[--debug] [--systemd-cgroup] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s\n", commands[i].usage);
}

void cli_log(const struct cli *g, const char *level, const char *msg)
{
	cleanup_close int fd = -1;
	cleanup_free char *line = NULL;
	cleanup_free char *now = berth_now_rfc3339();

	if (g->log_path == NULL)
		return;
	fd = open(g->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (g->log_json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "level", json_object_new_string(level));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		json_object_object_add(o, "time", json_object_new_string(now ? now : ""));
		line = berth_json_dump(o);
		json_object_put(o);
		if (line != NULL)
			dprintf(fd, "%s\n", line);
	} else {
		dprintf(fd, "time=\"%s\" level=%s msg=\"%s\"\n", now ? now : "", level, msg);
	}
}

/* --debug: the command and how it ended, on stderr and in --log. */
static void log_debug(const struct cli *g, int argc, char **argv, int rc)
{
	char line[4096];
	size_t len = 0;

	for (int i = 0; i < argc && len < sizeof(line) - 1; i++)
		len +=
		    (size_t)snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "", argv[i]);
	if (len < sizeof(line) - 1)
		snprintf(line + len, sizeof(line) - len, ": exit status %d", rc);
	fprintf(stderr, "berth-runc: debug: %s\n", line);
	cli_log(g, "debug", line);
}

void cli_warn(const struct cli *g, struct berth_error *warn)
{
	if (warn == NULL)
		return;
	fprintf(stderr, "berth-runc: warning: %s\n", warn->msg);
	cli_log(g, "warning", warn->msg);
	berth_error_free(warn);
}

int cli_need_args(int argc, int optind_, int n, const char *usage_, struct berth_error **err)
{
	if (argc - optind_ != n)
		return berth_error_set(err, EINVAL, "expected %d argument%s: usage: berth-runc %s",
				       n, n == 1 ? "" : "s", usage_);
	return 0;
}

static int parse_globals(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "systemd-cgroup", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			g->root = optarg;
			break;
		case 'l':
			g->log_path = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr,
					"berth-runc: --log-format: unknown format \"%s\" "
					"(text or json)\n",
					optarg);
				return -1;
			}
			g->log_json = strcmp(optarg, "json") == 0;
			break;
		case 'd':
			g->debug = true;
			break;
		case 's':
			g->systemd_cgroup = true;
			break;
		case 'v':
			printf("berth-runc version %s\nspec: %s\n", BERTH_VERSION,
			       BERTH_OCI_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	struct cli g = { .root = BERTH_RUNC_DEFAULT_ROOT };
	struct berth_error *err = NULL;
	const struct command *cmd = NULL;
	int first, rc;

	first = parse_globals(&g, argc, argv);
	if (first < 0)
		return 2;
	if (first >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(commands); i++)
		if (strcmp(argv[first], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		fprintf(stderr, "berth-runc: unknown command \"%s\"\n", argv[first]);
		usage(stderr);
		return 2;
	}
	/* Commands that put a process into a container run from a sealed copy of us. */
	if (cmd->run == cmd_create || cmd->run == cmd_run || cmd->run == cmd_exec) {
		if (berth_sealed_exe_ensure(argv, &err) < 0) {
			fprintf(stderr, "berth-runc: %s\n", err->msg);
			cli_log(&g, "error", err->msg);
			return 1;
		}
	}
	optind = 0; /* glibc: 0 restarts getopt from scratch */
	rc = cmd->run(&g, argc - first, argv + first, &err);
	if (g.debug)
		log_debug(&g, argc - first, argv + first, err ? (rc > 0 ? rc : 1) : rc);
	if (err != NULL) {
		fprintf(stderr, "berth-runc: %s\n", err->msg);
		cli_log(&g, "error", err->msg);
		berth_error_free(err);
		return rc > 0 ? rc : 1;
	}
	return rc;
}
