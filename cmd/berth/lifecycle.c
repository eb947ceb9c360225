/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "containers.h"
#include "engine/attach.h"
#include "engine/ctr.h"
#include "engine/lifecycle.h"
#include "engine/monitor.h"
#include "run.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/json.h"

/*
 * start, stop, kill, restart, wait, pause, unpause, attach: Docker's
 * output (each container as named, one per line; wait prints exit codes),
 * errors per container on stderr and exit status 1 if any failed.
 */

struct verb {
	const char *name;
	int timeout; /* stop, restart: -t; -1 = the container's own */
	int signal;  /* kill: -s */
};

static int usage_error(struct berth_error **err, const char *cmd, const char *what)
{
	berth_error_set(err, EINVAL, "\"berth %s\" %s", cmd, what);
	return 1;
}

static int parse_timeout(const char *s, int *out, struct berth_error **err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < -1 || v > INT_MAX)
		return berth_error_set(err, EINVAL, "invalid timeout \"%s\"", s);
	*out = (int)v;
	return 0;
}

/* Flags of stop, restart (-t) and kill (-s); returns optind or -1. */
static int parse(int argc, char **argv, struct verb *v, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 't' },
		{ "signal", required_argument, NULL, 's' },
		{ 0 },
	};
	bool is_kill = strcmp(v->name, "kill") == 0;
	const char *shorts = is_kill ? "+s:" : strcmp(v->name, "wait") == 0 ? "+" : "+t:s:";
	int c;

	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		if (c == 't' && !is_kill) {
			if (parse_timeout(optarg, &v->timeout, err) < 0)
				return -1;
		} else if (c == 's') {
			if ((v->signal = berth_signal_parse(optarg, err)) < 0)
				return -1;
		} else {
			berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		berth_error_set(err, EINVAL, "\"berth %s\" requires at least 1 argument", v->name);
		return -1;
	}
	return optind;
}

static int one(struct berth_engine *e, const struct verb *v, const char *id,
	       struct berth_error **err)
{
	const char *n = v->name;

	if (strcmp(n, "stop") == 0)
		return berth_ctr_stop(e, id, v->timeout, err);
	if (strcmp(n, "kill") == 0)
		return berth_ctr_kill(e, id, v->signal, err);
	if (strcmp(n, "restart") == 0)
		return berth_ctr_restart(e, id, v->timeout, err);
	if (strcmp(n, "pause") == 0 || strcmp(n, "unpause") == 0)
		return berth_ctr_pause(e, id, n[0] == 'p', err);
	if (strcmp(n, "wait") == 0)
		return berth_ctr_wait(e, id, err);
	/* start */
	if (berth_ctr_start(e, id, -1, err) == -EALREADY)
		berth_error_clear(err);
	return *err != NULL ? berth_error_ret(err) : 0;
}

static int each(struct cli *g, int argc, char **argv, struct verb *v, struct berth_error **err)
{
	struct berth_engine *e;
	int first, rc = 0;

	if ((first = parse(argc, argv, v, err)) < 0)
		return 1;
	if (cli_engine(g, &e, err) < 0)
		return 1;
	for (int i = first; i < argc; i++) {
		char id[BERTH_CTR_ID_LEN + 1];
		struct berth_error *e1 = NULL;
		int ret = berth_ctr_lookup(e, argv[i], id, &e1);

		if (ret == 0)
			ret = one(e, v, id, &e1);
		if (ret < 0) {
			fprintf(stderr, "berth: %s\n", e1->msg);
			berth_error_free(e1);
			rc = 1;
		} else if (strcmp(v->name, "wait") == 0) {
			printf("%d\n", ret);
		} else {
			puts(argv[i]);
		}
		fflush(stdout);
	}
	return rc;
}

int cmd_stop(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct verb v = { .name = "stop", .timeout = -1 };

	return each(g, argc, argv, &v, err);
}

int cmd_restart(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct verb v = { .name = "restart", .timeout = -1 };

	return each(g, argc, argv, &v, err);
}

int cmd_kill(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct verb v = { .name = "kill", .signal = 9 };

	return each(g, argc, argv, &v, err);
}

int cmd_wait(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct verb v = { .name = "wait" };

	return each(g, argc, argv, &v, err);
}

int cmd_pause(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct verb v = { .name = "pause" };

	return each(g, argc, argv, &v, err);
}

int cmd_unpause(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct verb v = { .name = "unpause" };

	return each(g, argc, argv, &v, err);
}

static bool config_bool(struct berth_engine *e, const char *id, const char *key)
{
	struct berth_ctr *c = NULL;
	bool v = false;

	if (berth_ctr_load(e, id, &c, NULL) < 0)
		return false;
	berth_json_bool(berth_ctr_config(c), "Config", key, &v, NULL);
	berth_ctr_free(c);
	return v;
}

/* start -a: the monitor gets our end of a pair, so no output is lost. */
static int start_attached(struct berth_engine *e, const char *id, bool in, struct berth_error **err)
{
	cleanup_close int mine = -1;
	int pair[2], code;

	if (berth_attach_pair(pair, err) < 0)
		return 1;
	mine = pair[0];
	if (berth_ctr_start(e, id, pair[1], err) < 0) {
		close(pair[1]);
		return cli_start_failure_code(*err);
	}
	close(pair[1]);
	code = cli_attach_relay(e, id, mine, in, config_bool(e, id, "Tty"), true, err);
	return code < 0 ? 1 : code;
}

int cmd_start(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "interactive", no_argument, NULL, 'i' },
		{ 0 },
	};
	struct verb v = { .name = "start" };
	char id[BERTH_CTR_ID_LEN + 1];
	struct berth_engine *e;
	bool attach = false, in = false;
	int c;

	while ((c = getopt_long(argc, argv, "+ai", opts, NULL)) != -1) {
		if (c == 'a')
			attach = true;
		else if (c == 'i')
			in = true;
		else
			return usage_error(err, "start", "got an unknown flag");
	}
	if (!attach && !in) {
		optind = 0;
		return each(g, argc, argv, &v, err);
	}
	if (optind != argc - 1)
		return usage_error(err, "start", "-a and -i take exactly one container");
	if (cli_engine(g, &e, err) < 0 || berth_ctr_lookup(e, argv[optind], id, err) < 0)
		return 1;
	return start_attached(e, id, in, err);
}

int cmd_attach(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "no-stdin", no_argument, NULL, 'n' },
		{ "sig-proxy", optional_argument, NULL, 'p' },
		{ 0 },
	};
	char id[BERTH_CTR_ID_LEN + 1];
	struct berth_engine *e;
	cleanup_close int sock = -1;
	bool in = true, proxy = true;
	uint8_t want = BERTH_ATTACH_WANT_ALL;
	int c, code;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'n')
			in = false;
		else if (c == 'p')
			proxy = optarg == NULL || strcmp(optarg, "true") == 0;
		else
			return usage_error(err, "attach", "got an unknown flag");
	}
	if (optind != argc - 1)
		return usage_error(err, "attach", "requires exactly 1 argument");
	if (cli_engine(g, &e, err) < 0 || berth_ctr_lookup(e, argv[optind], id, err) < 0)
		return 1;
	in = in && config_bool(e, id, "OpenStdin");
	if (!in)
		want &= (uint8_t)~BERTH_ATTACH_WANT_STDIN;
	sock = berth_attach_connect(e, id, err);
	if (sock < 0)
		return 1;
	if (berth_attach_send(sock, BERTH_ATTACH_HELLO, &want, 1, err) < 0)
		return 1;
	code = cli_attach_relay(e, id, sock, in, config_bool(e, id, "Tty"), proxy, err);
	return code < 0 ? 1 : code;
}
