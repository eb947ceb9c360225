/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "containers.h"
#include "engine/remove.h"

/* `berth rm [-f] [-v] CONTAINER...`: one line per removed container, as Docker. */

int cmd_rm(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "volumes", no_argument, NULL, 'v' },
		{ 0 },
	};
	struct berth_engine *e;
	bool force = false, volumes = false;
	int c, rc = 0;

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
	for (int i = optind; i < argc; i++) {
		struct berth_error *e1 = NULL;

		if (berth_ctr_remove(e, argv[i], force, volumes, &e1) < 0) {
			fprintf(stderr, "berth: %s\n", e1->msg);
			berth_error_free(e1);
			rc = 1;
			continue;
		}
		puts(argv[i]);
	}
	return rc;
}
