/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "containers.h"
#include "engine/ctr-logs.h"
#include "util/units.h"

/* `berth logs [-f] [-t] [--tail N|all] [--since T] [--until T] CONTAINER` */

static int parse(int argc, char **argv, struct berth_log_read_opts *o, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "tail", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "details", no_argument, NULL, 'D' },
		{ 0 },
	};
	int c;

	*o = (struct berth_log_read_opts){ .tail = -1 };
	while ((c = getopt_long(argc, argv, "+ftn:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->follow = true;
			break;
		case 't':
			o->timestamps = true;
			break;
		case 'n':
			if (strcmp(optarg, "all") == 0)
				o->tail = -1;
			else if (berth_parse_int(optarg, "--tail", -1, INT64_MAX, &o->tail, err) <
				 0)
				return -1;
			break;
		case 'S':
			if (berth_log_parse_time(optarg, &o->since, err) < 0)
				return -1;
			break;
		case 'U':
			if (berth_log_parse_time(optarg, &o->until, err) < 0)
				return -1;
			break;
		case 'D':
			break; /* no log attributes yet: nothing to add */
		default:
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return berth_error_set(err, EINVAL, "\"berth logs\" requires exactly 1 argument");
	return 0;
}

int cmd_logs(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_log_read_opts o;
	struct berth_engine *e;

	if (parse(argc, argv, &o, err) < 0 || cli_engine(g, &e, err) < 0)
		return 1;
	fflush(stdout);
	return berth_ctr_logs(e, argv[optind], &o, STDOUT_FILENO, STDERR_FILENO, err) < 0 ? 1 : 0;
}
