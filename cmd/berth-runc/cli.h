/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNC_CLI_H
#define BERTH_RUNC_CLI_H

#include <stdbool.h>

#include "util/error.h"

/* Global options of berth-runc, as runc spells them. */
struct cli {
	const char *root;
	const char *log_path;
	bool log_json;
	bool debug;
	bool systemd_cgroup;
};

/* One subcommand: returns the process exit status; errors are printed by main. */
struct command {
	const char *name;
	int (*run)(struct cli *g, int argc, char **argv, struct berth_error **err);
	const char *usage;
};

int cmd_create(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_run(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_start(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_state(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_kill(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_delete(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_list(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_exec(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_ps(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_pause(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_resume(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_update(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_events(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_spec(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_features(struct cli *g, int argc, char **argv, struct berth_error **err);

/* Require exactly @n positional arguments after option parsing. */
int cli_need_args(int argc, int optind_, int n, const char *usage, struct berth_error **err);

/* Print and log a warning (NULL: nothing), then free it. */
void cli_warn(const struct cli *g, struct berth_error *warn);

/* Log a line to --log (JSON or text) when given. */
void cli_log(const struct cli *g, const char *level, const char *msg);

#endif
