/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "containers.h"
#include "engine/ctr.h"
#include "engine/live.h"

/* `berth port CONTAINER [PORT[/PROTO]]` and `berth rename OLD NEW`. */

int cmd_port(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_engine *e;
	struct berth_ctr *c = NULL;

	if (argc < 2 || argc > 3)
		return berth_error_set(err, EINVAL,
				       "usage: berth port CONTAINER [PRIVATE_PORT[/PROTO]]"),
		       1;
	if (cli_engine(g, &e, err) < 0 || berth_ctr_get(e, argv[1], &c, err) < 0)
		return 1;
	/* No port is published before networks exist: nothing to list. */
	if (argc == 3) {
		berth_error_set(err, ENOENT, "No public port '%s%s' published for %s", argv[2],
				strchr(argv[2], '/') ? "" : "/tcp", berth_ctr_name(c));
		berth_ctr_free(c);
		return 1;
	}
	berth_ctr_free(c);
	return 0;
}

int cmd_rename(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	char id[BERTH_CTR_ID_LEN + 1];
	struct berth_engine *e;

	if (argc != 3)
		return berth_error_set(err, EINVAL,
				       "\"berth rename\" requires exactly 2 arguments"),
		       1;
	if (argv[2][0] == '\0' || strcmp(argv[2], "/") == 0)
		return berth_error_set(err, EINVAL, "Neither old nor new names may be empty"), 1;
	if (cli_engine(g, &e, err) < 0 || berth_ctr_lookup(e, argv[1], id, err) < 0 ||
	    berth_ctr_rename(e, id, argv[2], err) < 0)
		return 1;
	return 0;
}
