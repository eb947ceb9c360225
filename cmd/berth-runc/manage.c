/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cli.h"
#include "oci/spec-resources.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

/* ps, pause, resume, update, events: what acts on the container's cgroup. */

static int open_cg(struct cli *g, const char *id, struct berth_cgroup **cg,
		   struct berth_error **err)
{
	struct berth_state *st = NULL;
	int ret;

	if ((ret = berth_state_load(g->root, id, &st, err)) < 0)
		return ret;
	if (st->cgroup == NULL)
		ret = berth_error_set(err, ENOENT, "container \"%s\" has no cgroup", id);
	else
		ret = berth_cgroup_open(st->cgroup, cg, err);
	berth_state_free(st);
	return ret;
}

static void print_ps_line(pid_t pid)
{
	char path[64], cmd[256] = "";
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (n = read(fd, cmd, sizeof(cmd) - 1)) > 0) {
		for (ssize_t i = 0; i < n - 1; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[n] = '\0';
	}
	printf("%-8d %s\n", (int)pid, cmd);
}

int cmd_ps(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
	struct berth_cgroup *cg = NULL;
	cleanup_free pid_t *pids = NULL;
	bool json = false;
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f' || (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)) {
			berth_error_set(err, EINVAL, "ps: --format must be table or json");
			return 1;
		}
		json = strcmp(optarg, "json") == 0;
	}
	if (cli_need_args(argc, optind, 1, "ps [--format table|json] ID", err) < 0 ||
	    open_cg(g, argv[optind], &cg, err) < 0)
		return 1;
	c = berth_cgroup_pids(cg, &pids, &n, err);
	berth_cgroup_free(cg);
	if (c < 0)
		return 1;
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		return 0;
	}
	printf("%-8s %s\n", "PID", "CMD");
	for (size_t i = 0; i < n; i++)
		print_ps_line(pids[i]);
	return 0;
}

int cmd_pause(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	if (cli_need_args(argc, 1, 1, "pause ID", err) < 0)
		return 1;
	return berth_container_pause(g->root, argv[1], true, err) < 0 ? 1 : 0;
}

int cmd_resume(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	if (cli_need_args(argc, 1, 1, "resume ID", err) < 0)
		return 1;
	return berth_container_pause(g->root, argv[1], false, err) < 0 ? 1 : 0;
}

/* Flags of `update`: name, the JSON section and key in linux.resources, and how to parse. */
static const struct update_flag {
	const char *flag, *section, *key;
	bool size;
} update_flags[] = {
	{ "memory", "memory", "limit", true },
	{ "memory-reservation", "memory", "reservation", true },
	{ "memory-swap", "memory", "swap", true },
	{ "kernel-memory-tcp", "memory", "kernelTCP", true },
	{ "cpu-shares", "cpu", "shares", false },
	{ "cpu-quota", "cpu", "quota", false },
	{ "cpu-period", "cpu", "period", false },
	{ "cpu-rt-runtime", "cpu", "realtimeRuntime", false },
	{ "cpu-rt-period", "cpu", "realtimePeriod", false },
	{ "cpuset-cpus", "cpu", "cpus", false },
	{ "cpuset-mems", "cpu", "mems", false },
	{ "pids-limit", "pids", "limit", false },
	{ "blkio-weight", "blockIO", "weight", false },
};

static int set_flag(json_object *res, const struct update_flag *f, const char *val,
		    struct berth_error **err)
{
	cleanup_free char *what = NULL;
	json_object *sec = NULL;
	int64_t v;

	if (asprintf(&what, "--%s", f->flag) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (!json_object_object_get_ex(res, f->section, &sec)) {
		sec = json_object_new_object();
		json_object_object_add(res, f->section, sec);
	}
	if (strcmp(f->key, "cpus") == 0 || strcmp(f->key, "mems") == 0) {
		json_object_object_add(sec, f->key, json_object_new_string(val));
		return 0;
	}
	if ((f->size ? berth_parse_size(val, what, 1, &v, err)
		     : berth_parse_int(val, what, -1, INT64_MAX, &v, err)) < 0)
		return -EINVAL;
	json_object_object_add(sec, f->key, json_object_new_int64(v));
	return 0;
}

static int parse_update(int argc, char **argv, json_object **res, struct berth_error **err)
{
	struct option opts[BERTH_ARRAY_SIZE(update_flags) + 2];
	const char *file = NULL;
	int c, idx;

	memset(opts, 0, sizeof(opts));
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(update_flags); i++)
		opts[i] = (struct option){ update_flags[i].flag, required_argument, NULL, 0 };
	opts[BERTH_ARRAY_SIZE(update_flags)] =
	    (struct option){ "resources", required_argument, NULL, 'r' };
	*res = json_object_new_object();
	while ((c = getopt_long(argc, argv, "+r:", opts, &idx)) != -1) {
		if (c == 'r')
			file = optarg;
		else if (c != 0)
			return berth_error_set(err, EINVAL, "update: invalid flag");
		else if (set_flag(*res, &update_flags[idx], optarg, err) < 0)
			return -EINVAL;
	}
	if (file != NULL) {
		json_object_put(*res);
		*res = NULL;
		return berth_json_parse_file(AT_FDCWD, strcmp(file, "-") == 0 ? "/dev/stdin" : file,
					     1u << 20, res, err);
	}
	return 0;
}

int cmd_update(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	json_object *res = NULL;
	struct berth_resources *r = NULL;
	struct berth_cgroup *cg = NULL;
	int ret;

	ret = parse_update(argc, argv, &res, err);
	if (ret == 0)
		ret = cli_need_args(argc, optind, 1, "update [flags] ID", err);
	if (ret == 0)
		ret = berth_resources_parse(res, "resources", &r, err);
	if (ret == 0)
		ret = open_cg(g, argv[optind], &cg, err);
	if (ret == 0)
		ret = berth_cgroup_update(cg, r, err);
	berth_cgroup_free(cg);
	berth_resources_free(r);
	json_object_put(res);
	return ret < 0 ? 1 : 0;
}

static void print_event(const char *type, const char *id, json_object *data)
{
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "type", json_object_new_string(type));
	json_object_object_add(ev, "id", json_object_new_string(id));
	if (data != NULL)
		json_object_object_add(ev, "data", data);
	puts(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(ev);
}

static uint64_t oom_kills(json_object *data)
{
	json_object *mem = NULL, *n = NULL;

	if (!json_object_object_get_ex(data, "memory", &mem) ||
	    !json_object_object_get_ex(mem, "oomKills", &n))
		return 0;
	return json_object_get_uint64(n);
}

/* One stats event; an "oom" event first when the OOM-kill count grew since @seen. */
static int print_stats(struct berth_cgroup *cg, const char *id, uint64_t *seen,
		       struct berth_error **err)
{
	json_object *data = NULL;
	uint64_t kills;

	if (berth_cgroup_stats(cg, &data, err) < 0)
		return -1;
	kills = oom_kills(data);
	if (*seen != UINT64_MAX && kills > *seen)
		print_event("oom", id, NULL);
	*seen = kills;
	print_event("stats", id, data);
	return 0;
}

static int parse_interval(const char *s, int64_t *ms, struct berth_error **err)
{
	char *end = NULL;
	double v = strtod(s, &end);

	if (end == s || v <= 0 || v > 86400)
		goto bad;
	if (strcmp(end, "ms") == 0)
		*ms = (int64_t)v;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		*ms = (int64_t)(v * 1000);
	else if (strcmp(end, "m") == 0)
		*ms = (int64_t)(v * 60000);
	else
		goto bad;
	if (*ms > 0)
		return 0;
bad:
	return berth_error_set(err, EINVAL, "--interval: invalid duration \"%s\" (e.g. 5s, 500ms)",
			       s);
}

int cmd_events(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ 0 },
	};
	struct berth_cgroup *cg = NULL;
	uint64_t seen = UINT64_MAX;
	bool once = false;
	int64_t ms = 5000;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 's')
			once = true;
		else if (c != 'i' || parse_interval(optarg, &ms, err) < 0)
			return err && *err ? 1
					   : (berth_error_set(err, EINVAL, "events: bad flag"), 1);
	}
	if (cli_need_args(argc, optind, 1, "events [--stats] [--interval D] ID", err) < 0 ||
	    open_cg(g, argv[optind], &cg, err) < 0)
		return 1;
	for (;;) {
		struct berth_state *st = NULL;
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

		if ((ret = print_stats(cg, argv[optind], &seen, err)) < 0 || once)
			break;
		nanosleep(&ts, NULL);
		/* Stop streaming when the container is gone. */
		if (berth_state_load(g->root, argv[optind], &st, err) < 0 ||
		    berth_state_status(g->root, st) == BERTH_STATUS_STOPPED) {
			berth_error_clear(err);
			berth_state_free(st);
			break;
		}
		berth_state_free(st);
	}
	berth_cgroup_free(cg);
	return ret < 0 ? 1 : 0;
}
