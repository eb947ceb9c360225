/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "util/cleanup.h"

/* `berth container VERB`: the same commands under Docker's management verb. */

int cmd_container(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct command subs[] = {
		{ "create", cmd_create, NULL }, { "ls", cmd_ps, NULL },
		{ "list", cmd_ps, NULL },	{ "ps", cmd_ps, NULL },
		{ "rm", cmd_rm, NULL },		{ "inspect", cmd_container_inspect, NULL },
		{ "logs", cmd_logs, NULL },	{ "exec", cmd_exec, NULL },
		{ "top", cmd_top, NULL },	{ "stats", cmd_stats, NULL },
		{ "cp", cmd_cp, NULL },		{ "export", cmd_export, NULL },
		{ "port", cmd_port, NULL },	{ "update", cmd_update, NULL },
		{ "rename", cmd_rename, NULL }, { "prune", cmd_container_prune, NULL },
		{ "run", cmd_run, NULL },	{ "start", cmd_start, NULL },
		{ "stop", cmd_stop, NULL },	{ "restart", cmd_restart, NULL },
		{ "kill", cmd_kill, NULL },	{ "wait", cmd_wait, NULL },
		{ "pause", cmd_pause, NULL },	{ "unpause", cmd_unpause, NULL },
		{ "attach", cmd_attach, NULL },
	};

	if (argc < 2)
		return berth_error_set(err, EINVAL, "usage: berth container COMMAND"), 1;
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			optind = 0;
			return subs[i].run(g, argc - 1, argv + 1, err);
		}
	return berth_error_set(err, EINVAL, "container: unknown command \"%s\"", argv[1]), 1;
}
