/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log-tool: a thin command line over lib/engine/log for
 * tests/integration/test_log_drivers.py.
 *
 *   log-tool write DIR ID LOGCONFIG_JSON [--stderr] [--chunk N] [--name N] [--image I]
 *                  [--image-id X]        stdin, in chunks of N bytes, as one stream
 *   log-tool validate LOGCONFIG_JSON
 *   log-tool read DIR ID [--tail N] [--since T] [--until T] [-t] [-f] [--running-while PID]
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/log.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

static int fail(struct berth_error *err)
{
	fprintf(stderr, "log-tool: %s\n", err != NULL ? err->msg : "failed");
	berth_error_free(err);
	return 1;
}

static json_object *config_arg(const char *s, struct berth_error **err)
{
	json_object *o = NULL;

	if (berth_json_parse(s, strlen(s), &o, err) < 0)
		return NULL;
	return o;
}

static int cmd_write(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stderr", 0, 0, 'e' }, { "chunk", 1, 0, 'c' },    { "name", 1, 0, 'n' },
		{ "image", 1, 0, 'i' },	 { "image-id", 1, 0, 'I' }, { 0, 0, 0, 0 },
	};
	struct berth_log_info info = { .name = "test", .image_name = "busybox", .image_id = "" };
	enum berth_log_stream stream = BERTH_LOG_STDOUT;
	struct berth_error *err = NULL;
	struct berth_log *l = NULL;
	int64_t chunk = 4096;
	char buf[65536];
	ssize_t n;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'e')
			stream = BERTH_LOG_STDERR;
		else if (c == 'c' &&
			 berth_parse_int(optarg, "--chunk", 1, sizeof(buf), &chunk, &err) < 0)
			return fail(err);
		else if (c == 'n')
			info.name = optarg;
		else if (c == 'i')
			info.image_name = optarg;
		else if (c == 'I')
			info.image_id = optarg;
		else if (c == '?')
			return 2;
	}
	if (argc - optind != 3)
		return fprintf(stderr, "usage: log-tool write DIR ID LOGCONFIG_JSON\n"), 2;
	info.dir = argv[optind];
	info.id = argv[optind + 1];
	info.log_config = config_arg(argv[optind + 2], &err);
	if (info.log_config == NULL || berth_log_open(&info, &l, &err) < 0)
		return fail(err);
	while ((n = read(0, buf, (size_t)chunk)) > 0)
		if (berth_log_write(l, stream, buf, (size_t)n, &err) < 0)
			break;
	if (err == NULL)
		berth_log_flush(l, &err);
	berth_log_close(l);
	json_object_put(info.log_config);
	return err != NULL ? fail(err) : 0;
}

static int cmd_validate(int argc, char **argv)
{
	struct berth_error *err = NULL;
	json_object *cfg;
	int ret;

	if (argc != 3)
		return fprintf(stderr, "usage: log-tool validate LOGCONFIG_JSON\n"), 2;
	cfg = config_arg(argv[2], &err);
	ret = cfg != NULL ? berth_log_validate(cfg, &err) : -1;
	json_object_put(cfg);
	return ret < 0 ? fail(err) : 0;
}

static bool pid_alive(void *arg)
{
	return kill((pid_t)(intptr_t)arg, 0) == 0;
}

static int cmd_read(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tail", 1, 0, 'n' },	 { "since", 1, 0, 's' },
		{ "until", 1, 0, 'u' },	 { "timestamps", 0, 0, 't' },
		{ "follow", 0, 0, 'f' }, { "running-while", 1, 0, 'p' },
		{ 0, 0, 0, 0 },
	};
	struct berth_log_read_opts o = { .tail = -1 };
	struct berth_error *err = NULL;
	int64_t pid;
	int c;

	while ((c = getopt_long(argc, argv, "tf", opts, NULL)) != -1) {
		if (c == 'n' && berth_parse_int(optarg, "--tail", -1, INT64_MAX, &o.tail, &err) < 0)
			return fail(err);
		if ((c == 's' && berth_log_parse_time(optarg, &o.since, &err) < 0) ||
		    (c == 'u' && berth_log_parse_time(optarg, &o.until, &err) < 0))
			return fail(err);
		if (c == 't')
			o.timestamps = true;
		else if (c == 'f')
			o.follow = true;
		else if (c == 'p') {
			if (berth_parse_int(optarg, "--running-while", 1, INT32_MAX, &pid, &err) <
			    0)
				return fail(err);
			o.running = pid_alive;
			o.arg = (void *)(intptr_t)pid;
		} else if (c == '?')
			return 2;
	}
	if (argc - optind != 2)
		return fprintf(stderr, "usage: log-tool read DIR ID [options]\n"), 2;
	if (berth_log_read(argv[optind], argv[optind + 1], &o, 1, 2, &err) < 0)
		return fail(err);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	signal(SIGPIPE, SIG_IGN);
	optind = 2;
	if (strcmp(cmd, "write") == 0)
		return cmd_write(argc, argv);
	if (strcmp(cmd, "validate") == 0)
		return cmd_validate(argc, argv);
	if (strcmp(cmd, "read") == 0)
		return cmd_read(argc, argv);
	fprintf(stderr, "usage: log-tool write|validate|read ...\n");
	return 2;
}
