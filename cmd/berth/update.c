/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "containers.h"
#include "engine/update.h"
#include "util/units.h"

/* `berth update [OPTIONS] CONTAINER...`: resources and restart policy, live and recorded. */

/* "1.5" → 1500000000 nano CPUs; refuses anything but a plain decimal. */
static int parse_cpus(const char *s, int64_t *out, struct berth_error **err)
{
	int64_t whole = 0, frac = 0, scale = 1000000000;
	const char *p = s;

	if (*p == '\0' || *p == '.')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 1000000)
			goto bad;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1)
				goto bad;
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	if (*p != '\0')
		goto bad;
	*out = whole * 1000000000 + frac;
	return 0;
bad:
	return berth_error_set(err, EINVAL, "invalid argument \"%s\" for \"--cpus\" flag", s);
}

static int set_size(struct berth_opt_i64 *o, const char *s, const char *what, bool minus_one,
		    struct berth_error **err)
{
	o->set = true;
	return berth_parse_size(s, what, minus_one, &o->v, err);
}

static int set_int(struct berth_opt_i64 *o, const char *s, const char *what, int64_t min,
		   struct berth_error **err)
{
	o->set = true;
	return berth_parse_int(s, what, min, INT64_MAX, &o->v, err);
}

static int flag(int c, struct berth_ctr_update_opts *o, struct berth_error **err)
{
	switch (c) {
	case 'm':
		return set_size(&o->memory, optarg, "--memory", false, err);
	case 'S':
		return set_size(&o->memory_swap, optarg, "--memory-swap", true, err);
	case 'R':
		return set_size(&o->memory_reservation, optarg, "--memory-reservation", false, err);
	case 'C':
		o->nano_cpus.set = true;
		return parse_cpus(optarg, &o->nano_cpus.v, err);
	case 'c':
		return set_int(&o->cpu_shares, optarg, "--cpu-shares", 0, err);
	case 'P':
		return set_int(&o->pids_limit, optarg, "--pids-limit", -1, err);
	case 'B':
		return set_int(&o->blkio_weight, optarg, "--blkio-weight", 0, err);
	case 'U':
		o->cpuset_cpus = optarg;
		return 0;
	case 'M':
		o->cpuset_mems = optarg;
		return 0;
	case 'r':
		o->restart = optarg;
		return 0;
	default:
		return berth_error_set(err, EINVAL, "unknown flag: %s", optarg ? optarg : "?");
	}
}

struct update_ctx {
	struct berth_engine *e;
	const struct berth_ctr_update_opts *o;
};

static int update_one(void *p, const char *ref, struct berth_error **err)
{
	struct update_ctx *c = p;

	return berth_ctr_update(c->e, ref, c->o, err);
}

int cmd_update(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "memory-swap", required_argument, NULL, 'S' },
		{ "memory-reservation", required_argument, NULL, 'R' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "cpu-shares", required_argument, NULL, 'c' },
		{ "pids-limit", required_argument, NULL, 'P' },
		{ "blkio-weight", required_argument, NULL, 'B' },
		{ "cpuset-cpus", required_argument, NULL, 'U' },
		{ "cpuset-mems", required_argument, NULL, 'M' },
		{ "restart", required_argument, NULL, 'r' },
		{ 0 },
	};
	struct berth_ctr_update_opts o = { 0 };
	struct berth_engine *e;
	int c;

	while ((c = getopt_long(argc, argv, "+m:c:", opts, NULL)) != -1) {
		if (c == '?')
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]),
			       1;
		if (flag(c, &o, err) < 0)
			return 1;
	}
	if (optind >= argc)
		return berth_error_set(err, EINVAL,
				       "\"berth update\" requires at least 1 argument"),
		       1;
	if (!o.memory.set && !o.memory_swap.set && !o.memory_reservation.set && !o.nano_cpus.set &&
	    !o.cpu_shares.set && !o.pids_limit.set && !o.blkio_weight.set && !o.cpuset_cpus &&
	    !o.cpuset_mems && !o.restart)
		return berth_error_set(
			   err, EINVAL,
			   "you must provide one or more flags when using this command"),
		       1;
	if (cli_engine(g, &e, err) < 0)
		return 1;
	struct update_ctx ctx = { e, &o };

	return cli_each(argc, argv, optind, update_one, &ctx);
}
