/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cp.h"
#include "engine/exec.h"
#include "engine/filter.h"
#include "engine/stats.h"
#include "engine/top.h"
#include "engine/update.h"
#include "unit.h"
#include "util/json.h"

/* The pure parts of the container commands: cp's rules, filters, stats and top parsing. */

static struct berth_ctr *ctr(const char *id, const char *name, const char *status, int code,
			     const char *labels_json)
{
	struct berth_ctr *c = calloc(1, sizeof(*c));
	json_object *cfg = json_object_new_object();
	char n[64];

	snprintf(c->id, sizeof(c->id), "%s", id);
	c->record = json_object_new_object();
	c->state = json_object_new_object();
	snprintf(n, sizeof(n), "/%s", name);
	json_object_object_add(c->record, "Name", json_object_new_string(n));
	json_object_object_add(c->record, "Image", json_object_new_string("sha256:abcdef0123"));
	json_object_object_add(c->record, "Created",
			       json_object_new_string("2020-01-01T00:00:00Z"));
	json_object_object_add(cfg, "Image", json_object_new_string("busybox"));
	if (labels_json)
		json_object_object_add(cfg, "Labels", json_tokener_parse(labels_json));
	json_object_object_add(c->record, "Config", cfg);
	json_object_object_add(c->state, "Status", json_object_new_string(status));
	json_object_object_add(c->state, "ExitCode", json_object_new_int(code));
	return c;
}

static bool match(const char *const *args, const struct berth_ctr *c)
{
	static const char *const keys[] = { "status", "name",  "label",	 "ancestor", "exited",
					    "id",     "until", "label!", NULL };
	struct berth_ctr_filter *f = NULL;
	struct berth_error *err = NULL;
	bool ok;

	if (berth_ctr_filter_parse((char *const *)args, keys, &f, &err) < 0)
		FAIL("parse: %s", err->msg);
	ok = berth_ctr_filter_match(f, c, 1700000000, NULL, NULL);
	berth_ctr_filter_free(f);
	return ok;
}

BERTH_TEST(engine_cli_filters_or_within_and_across_keys)
{
	struct berth_ctr *c =
	    ctr("0123456789abcdef", "web", "exited", 3, "{\"a\":\"b\",\"c\":\"\"}");

	CHECK(match((const char *[]){ "status=exited", NULL }, c));
	CHECK(!match((const char *[]){ "status=running", NULL }, c));
	CHECK(match((const char *[]){ "status=running", "status=exited", NULL }, c));
	CHECK(!match((const char *[]){ "status=exited", "name=db", NULL }, c));
	CHECK(match((const char *[]){ "name=^/we", "id=0123", NULL }, c));
	CHECK(match((const char *[]){ "label=a", "label=a=b", "label=c", NULL }, c));
	CHECK(!match((const char *[]){ "label=a", "label=a=x", NULL }, c));
	CHECK(match((const char *[]){ "exited=3", "ancestor=busybox", NULL }, c));
	CHECK(match((const char *[]){ "ancestor=abcdef", NULL }, c));
	CHECK(!match((const char *[]){ "exited=0", NULL }, c));
	CHECK(match((const char *[]){ "until=2021-01-01", NULL }, c));
	CHECK(!match((const char *[]){ "until=2019-01-01T00:00:00Z", NULL }, c));
	CHECK(match((const char *[]){ "until=10m", NULL }, c));
	CHECK(!match((const char *[]){ "label!=a", NULL }, c));
	berth_ctr_free(c);
}

BERTH_TEST(engine_cli_filters_refuse_bad_input)
{
	static const char *const keys[] = { "status", "exited", "until", NULL };
	const char *bad[][2] = { { "status=sleeping", NULL },
				 { "nokey", NULL },
				 { "color=red", NULL },
				 { "exited=x", NULL },
				 { "until=soon", NULL } };
	struct berth_ctr_filter *f = NULL;
	struct berth_error *err = NULL;
	int64_t t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(berth_ctr_filter_parse((char *const *)bad[i], keys, &f, &err) < 0);
		berth_error_clear(&err);
	}
	CHECK(berth_parse_until("1h30m", 10000, &t, &err) == 0 && t == 10000 - 5400);
	CHECK(berth_parse_until("1700000000", 0, &t, &err) == 0 && t == 1700000000);
}

BERTH_TEST(engine_cli_cp_plan_follows_docker)
{
	struct berth_cp_plan p;
	struct berth_error *err = NULL;

	/* file into an existing directory: its base name */
	CHECK(berth_cp_plan("/etc/passwd", false, "/tmp", true, true, &p, &err) == 0);
	CHECK(p.into_dest && p.name == BERTH_CP_NAME_SRC);
	/* file to a new name */
	CHECK(berth_cp_plan("/etc/passwd", false, "/tmp/x", false, false, &p, &err) == 0);
	CHECK(!p.into_dest && p.name == BERTH_CP_NAME_DEST);
	/* "dir/." into an existing directory: the contents */
	CHECK(berth_cp_plan("/etc/.", true, "/tmp", true, true, &p, &err) == 0);
	CHECK(p.into_dest && p.name == BERTH_CP_NAME_CONTENTS);
	/* a directory onto a file, a file into a missing "dir/" */
	CHECK(berth_cp_plan("/etc", true, "/tmp/f", true, false, &p, &err) < 0);
	berth_error_clear(&err);
	CHECK(berth_cp_plan("/etc/passwd", false, "/nodir/", false, false, &p, &err) < 0);
	berth_error_clear(&err);
	CHECK(berth_cp_plan("/etc/passwd/", false, "/tmp", true, true, &p, &err) < 0);
	berth_error_clear(&err);
	char *b = berth_cp_base("/a/b//");
	CHECK_STR(b, "b");
	free(b);
	b = berth_cp_base("/");
	CHECK_STR(b, "/");
	free(b);
}

BERTH_TEST(engine_cli_stats_parsing_and_percentages)
{
	const char *dev =
	    "Inter-|   Receive |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes\n"
	    "    lo:  100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n"
	    "  eth0: 1000 2 0 0 0 0 0 0 648 3 0 0 0 0 0 0\n";
	struct berth_ctr_sample a = {
		.running = true, .cpu_ns = 0, .system_ns = 1000, .online_cpus = 4
	};
	struct berth_ctr_sample b = a;
	json_object *data = json_tokener_parse(
	    "{\"cpu\":{\"usage\":{\"total\":5}},\"memory\":{\"usage\":{\"usage\":1000,\"limit\":"
	    "9223372036854771712},\"raw\":{\"total_inactive_file\":200}},\"pids\":{\"current\":3},"
	    "\"blkio\":{\"ioServiceBytesRecursive\":[{\"op\":\"Read\",\"value\":7},{\"op\":"
	    "\"Write\","
	    "\"value\":9},{\"op\":\"Read\",\"value\":1}]}}");
	uint64_t rx, tx;

	CHECK(berth_net_dev_parse(dev, &rx, &tx) == 0 && rx == 1000 && tx == 648);
	CHECK(berth_proc_stat_cpu_ns("cpu  1 2 3 4 0 0 0 0 0 0\ncpu0 1\n", 100) == 100000000ULL);
	b.cpu_ns = 250;
	b.system_ns = 2000;
	CHECK(berth_stats_cpu_percent(&a, &b) > 99.9 && berth_stats_cpu_percent(&a, &b) < 100.1);
	berth_stats_from_cgroup(data, 4000, &b);
	CHECK(b.mem_usage == 800 && b.mem_limit == 4000 && b.pids == 3);
	CHECK(b.blk_read == 8 && b.blk_write == 9 && b.cpu_ns == 5);
	CHECK(berth_stats_mem_percent(&b) > 19.9 && berth_stats_mem_percent(&b) < 20.1);
	json_object_put(data);
}

BERTH_TEST(engine_cli_proc_stat_and_env_merge)
{
	const char *stat = "42 (my (odd) cmd) S 7 42 42 34816 42 4194560 1 0 0 0 12 8 0 0 20 0 1 0 "
			   "555 1000 10";
	char comm[64];
	pid_t ppid;
	int tty;
	uint64_t cpu, start;
	char *env[] = { "A=1", "B=2", NULL }, *add[] = { "B=3", "C=4", NULL };
	char **m;

	CHECK(berth_proc_stat_parse(stat, &ppid, &tty, &cpu, &start, comm, sizeof(comm)) == 0);
	CHECK_STR(comm, "my (odd) cmd");
	CHECK(ppid == 7 && tty == 34816 && cpu == 20 && start == 555);
	m = berth_env_merge(env, add);
	CHECK(m != NULL);
	CHECK_STR(m[0], "A=1");
	CHECK_STR(m[1], "B=3");
	CHECK_STR(m[2], "C=4");
	CHECK(m[3] == NULL);
	berth_strv_free(m);
}

BERTH_TEST(engine_cli_update_resources_and_restart_policy)
{
	struct berth_ctr_update_opts o = { .memory = { true, 64 << 20 },
					   .nano_cpus = { true, 1500000000 },
					   .pids_limit = { true, 0 } };
	struct berth_error *err = NULL;
	json_object *r = berth_update_resources_json(&o), *p = NULL;

	CHECK_STR(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN),
		  "{\"memory\":{\"limit\":67108864},\"cpu\":{\"period\":100000,\"quota\":150000},"
		  "\"pids\":{\"limit\":-1}}");
	json_object_put(r);
	CHECK(berth_restart_policy_parse("on-failure:3", &p, &err) == 0);
	CHECK_STR(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN),
		  "{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}");
	json_object_put(p);
	CHECK(berth_restart_policy_parse("always:3", &p, &err) < 0);
	berth_error_clear(&err);
	CHECK(berth_restart_policy_parse("sometimes", &p, &err) < 0);
	berth_error_clear(&err);
}
