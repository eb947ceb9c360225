/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "containers.h"
#include "engine/engine.h"
#include "image/driver.h"
#include "util/cleanup.h"

static const struct command commands[] = {
	{ "pull", cmd_pull, "pull [-q] [--platform OS/ARCH[/VARIANT]] NAME[:TAG|@DIGEST]" },
	{ "push", cmd_push, "push [-q] NAME[:TAG] [DESTINATION]" },
	{ "login", cmd_login, "login [-u USER] [-p PASS | --password-stdin] [SERVER]" },
	{ "logout", cmd_logout, "logout [SERVER]" },
	{ "images", cmd_images, "images [-a] [-q] [--digests] [--no-trunc] [--format json]" },
	{ "tag", cmd_tag, "tag SOURCE TARGET" },
	{ "rmi", cmd_rmi, "rmi [-f] IMAGE..." },
	{ "image", cmd_image, "image inspect|ls|rm|tag|pull|prune|save|load|import|history ..." },
	{ "create", cmd_create, "create [OPTIONS] IMAGE [COMMAND] [ARG...]" },
	{ "run", cmd_run, "run [OPTIONS] IMAGE [COMMAND] [ARG...]" },
	{ "start", cmd_start, "start [-a] [-i] CONTAINER..." },
	{ "stop", cmd_stop, "stop [-t SECONDS] CONTAINER..." },
	{ "restart", cmd_restart, "restart [-t SECONDS] CONTAINER..." },
	{ "kill", cmd_kill, "kill [-s SIGNAL] CONTAINER..." },
	{ "wait", cmd_wait, "wait CONTAINER..." },
	{ "pause", cmd_pause, "pause CONTAINER..." },
	{ "unpause", cmd_unpause, "unpause CONTAINER..." },
	{ "attach", cmd_attach, "attach [--no-stdin] [--sig-proxy=false] CONTAINER" },
	{ "ps", cmd_ps, "ps [-a] [-q] [-s] [--no-trunc] [--filter KEY=VALUE] [--format F]" },
	{ "rm", cmd_rm, "rm [-f] [-v] CONTAINER..." },
	{ "container", cmd_container,
	  "container create|ls|ps|rm|inspect|logs|exec|top|stats|cp|export|port|update|rename|"
	  "prune ..." },
	{ "logs", cmd_logs, "logs [-f] [-t] [--tail N] [--since T] [--until T] CONTAINER" },
	{ "exec", cmd_exec,
	  "exec [-i] [-t] [-d] [-u USER] [-e K=V] [--env-file F] [-w DIR] [--privileged] "
	  "CONTAINER CMD..." },
	{ "top", cmd_top, "top CONTAINER" },
	{ "stats", cmd_stats, "stats [-a] [--no-stream] [--no-trunc] [--format F] [CONTAINER...]" },
	{ "cp", cmd_cp, "cp [-a] [-L] CONTAINER:SRC DEST|-  /  cp [-a] [-L] SRC|- CONTAINER:DEST" },
	{ "export", cmd_export, "export [-o FILE] CONTAINER" },
	{ "port", cmd_port, "port CONTAINER [PRIVATE_PORT[/PROTO]]" },
	{ "update", cmd_update,
	  "update [--memory M] [--memory-swap M] [--memory-reservation M] [--cpus N] "
	  "[--cpu-shares N] [--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] "
	  "[--blkio-weight N] [--restart P] CONTAINER..." },
	{ "rename", cmd_rename, "rename CONTAINER NEW_NAME" },
	{ "inspect", cmd_inspect, "inspect [-f FORMAT] CONTAINER|IMAGE..." },
	{ "volume", cmd_volume, "volume create|ls|inspect|rm|prune ..." },
	{ "save", cmd_save, "save [-o FILE] [--format docker|oci] IMAGE..." },
	{ "load", cmd_load, "load [-q] [-i FILE]" },
	{ "import", cmd_import, "import [-m MESSAGE] FILE|- [REPOSITORY[:TAG]]" },
	{ "history", cmd_history, "history [--no-trunc] [-q] [--format json] IMAGE" },
	{ "system", cmd_system, "system df|info|prune [-a] [-f] [--volumes]" },
	{ "info", cmd_info, "info" },
	{ "version", cmd_version, "version" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: berth [--root DIR] [--debug] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s\n", commands[i].usage);
}

int cli_each(int argc, char **argv, int first,
	     int (*fn)(void *ctx, const char *arg, struct berth_error **err), void *ctx)
{
	int rc = 0;

	for (int i = first; i < argc; i++) {
		struct berth_error *err = NULL;

		if (fn(ctx, argv[i], &err) < 0) {
			fprintf(stderr, "berth: %s\n", err ? err->msg : "failed");
			berth_error_free(err);
			rc = 1;
			continue;
		}
		puts(argv[i]);
	}
	return rc;
}

int cli_store(struct cli *g, struct berth_store **out, struct berth_error **err)
{
	const char *want = getenv("BERTH_STORAGE_DRIVER");
	struct berth_engine *e;
	int driver;

	if (g->store == NULL) {
		if (berth_store_open(g->root, &g->store, err) < 0)
			return -1;
		/* $BERTH_STORAGE_DRIVER, else berth.conf's storage_driver, else a probe */
		if (want == NULL || *want == '\0') {
			if (cli_engine(g, &e, err) < 0)
				return -1;
			want = e->conf.storage_driver;
		}
		if (berth_store_driver_want(g->store, want, &driver, err) < 0)
			return -1;
	}
	*out = g->store;
	return 0;
}

static int parse_globals(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+D", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			g->root = optarg;
			break;
		case 'D':
			g->debug = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'v':
			printf("berth version %s\n", BERTH_VERSION);
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
	struct cli g = { .root = getenv("BERTH_ROOT") ? getenv("BERTH_ROOT") : "/var/lib/berth" };
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
		fprintf(stderr, "berth: unknown command \"%s\"\n", argv[first]);
		usage(stderr);
		return 2;
	}
	optind = 0; /* glibc: restart getopt for the subcommand */
	rc = cmd->run(&g, argc - first, argv + first, &err);
	if (err != NULL) {
		fprintf(stderr, "berth: %s\n", err->msg);
		berth_error_free(err);
		rc = rc > 0 ? rc : 1;
	}
	berth_store_free(g.store);
	berth_engine_free(g.engine);
	return rc;
}
