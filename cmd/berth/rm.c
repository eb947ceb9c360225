/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "containers.h"
#include "engine/remove.h"

/* `berth rm [-f] [-v] CONTAINER...`: one line per removed container, as Docker. */

struct rm_ctx {
	struct berth_engine *e;
	bool force, volumes;
};

static int rm_one(void *p, const char *ref, struct berth_error **err)
{
	struct rm_ctx *c = p;

	return berth_ctr_remove(c->e, ref, c->force, c->volumes, err);
}

int cmd_rm(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "volumes", no_argument, NULL, 'v' },
		{ 0 },
	};
	struct berth_engine *e;
	bool force = false, volumes = false;
	int c;

	while ((c = getopt_long(argc, argv, "+fv", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'v')
			volumes = true;
		else
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]),
			       1;
	}
	if (optind >= argc)
		return berth_error_set(err, EINVAL, "\"berth rm\" requires at least 1 argument"), 1;
	if (cli_engine(g, &e, err) < 0)
		return 1;
	struct rm_ctx ctx = { e, force, volumes };

	return cli_each(argc, argv, optind, rm_one, &ctx);
}
