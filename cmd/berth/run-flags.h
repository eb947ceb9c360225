/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CLI_RUN_FLAGS_H
#define BERTH_CLI_RUN_FLAGS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "util/error.h"

/*
 * The flags of `berth run` and `berth create`, Docker's names and forms,
 * parsed into Docker's container-create body (Config fields at the top
 * level plus "HostConfig") and the options only the client acts on.
 * Unknown flags and bad values fail with a message naming the flag.
 */
struct cli_run_opts {
	json_object *body; /* owned: the create body (Image, Cmd, Env..., HostConfig) */
	const char *name;  /* --name, or NULL */
	const char *image; /* the image as typed */
	bool detach;	   /* -d (run only) */
	bool interactive;  /* -i: also in body.OpenStdin */
	bool tty;	   /* -t: also in body.Tty */
	const char *pull;  /* --pull: "missing" (default), "always", "never" */
	const char *platform;
	const char *cidfile; /* --cidfile: checked absent at parse; cli_run_write_cidfile() */
	bool sig_proxy;	     /* --sig-proxy (run, default true) */
};

/* @is_run: `run` (accepts -d, --sig-proxy...) rather than `create`. */
int cli_run_parse(int argc, char **argv, bool is_run, struct cli_run_opts *o,
		  struct berth_error **err);
void cli_run_opts_release(struct cli_run_opts *o);

/* Write @id to @o->cidfile (no-op without one); an existing file is an error as Docker says. */
int cli_run_write_cidfile(const struct cli_run_opts *o, const char *id, struct berth_error **err);

#endif
