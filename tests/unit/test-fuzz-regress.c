/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Regressions found by the engine's fuzz targets (tests/fuzz/fuzz-run-flags.c,
 * fuzz-docker-seccomp.c, fuzz-engine-conf.c, fuzz-log-line.c, fuzz-subid.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/conf.h"
#include "engine/log-internal.h"
#include "engine/parse-flags.h"
#include "engine/spec-security-int.h"
#include "engine/subid.h"
#include "engine/userns.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json.h"

/* A failing call whose return is the error's code and whose message holds @text. */
#define CHECK_FAILS(call, errp, want, text)                                                        \
	do {                                                                                       \
		int ret_ = (call);                                                                 \
		CHECK(*(errp) != NULL);                                                            \
		CHECK_INT(ret_, ==, -(want));                                                      \
		CHECK_INT((*(errp))->code, ==, (want));                                            \
		if (strstr((*(errp))->msg, text) == NULL)                                          \
			FAIL("%s: \"%s\" lacks \"%s\"", #call, (*(errp))->msg, text);              \
		berth_error_clear(errp);                                                           \
	} while (0)

BERTH_TEST(fuzz_regress_ulimit_out_of_range_returns_its_code)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;

	CHECK_FAILS(berth_flag_ulimit("nofile=1024:4033333333333333333333", &o, &err), &err, ERANGE,
		    "value out of range");
	CHECK_FAILS(berth_flag_ulimit("nofile=99999999999999999999", &o, &err), &err, ERANGE,
		    "value out of range");
	CHECK(o == NULL);
}

static json_object *parse(const char *s)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_json_parse(s, strlen(s), &o, &err), &err);
	return o;
}

BERTH_TEST(fuzz_regress_docker_seccomp_archmap_not_an_array)
{
	static const char *const bad[] = {
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		"\"archMap\":{}}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		"\"archMap\":\"x\"}",
	};
	struct berth_error *err = NULL;
	json_object *out = NULL;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		json_object *p = parse(bad[i]);

		CHECK_FAILS(berth_seccomp_from_docker(p, "p.json", 0, &out, &err), &err, EINVAL,
			    "archMap");
		json_object_put(p);
	}
	CHECK(out == NULL);
}

BERTH_TEST(fuzz_regress_docker_seccomp_min_kernel_bounds)
{
	static const char head[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
				   "[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{"
				   "\"minKernel\":\"";
	static const char *const bad[] = { "99999999999999999999.1", "4.99999999999", "x", "" };
	struct berth_error *err = NULL;
	json_object *out = NULL, *p;
	char buf[512];

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		snprintf(buf, sizeof(buf), "%s%s\"}}]}", head, bad[i]);
		p = parse(buf);
		CHECK_FAILS(berth_seccomp_from_docker(p, "p.json", 0, &out, &err), &err, EINVAL,
			    "minKernel: bad version");
		json_object_put(p);
	}
	/* Far in the future: the rule is left out, the profile converts. */
	snprintf(buf, sizeof(buf), "%s%s\"}}]}", head, "99999.0");
	p = parse(buf);
	CHECK_OK(berth_seccomp_from_docker(p, "p.json", 0, &out, &err), &err);
	CHECK_INT(json_object_array_length(json_object_object_get(out, "syscalls")), ==, 0);
	json_object_put(out);
	json_object_put(p);
}

BERTH_TEST(fuzz_regress_log_time_duration_overflow_and_dates)
{
	const struct timespec now = { .tv_sec = 1700000000 };
	struct berth_error *err = NULL;
	struct timespec t;
	char buf[BERTH_LOG_TIME_LEN];

	/* A negative duration of 2.55e18 ns past 2023 overflowed a signed 64-bit sum. */
	CHECK_FAILS(berth_log_parse_time_at("-2555555h", &now, &t, &err), &err, ERANGE,
		    "out of range");
	CHECK_OK(berth_log_parse_time_at("-1h", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 1700003600);
	/* No day 30 in February, nor 31 in April (Go's time.Parse refuses them too). */
	CHECK(!berth_log_parse_rfc3339("2023-02-29T00:00:00Z", &t));
	CHECK(!berth_log_parse_rfc3339("2024-02-30T00:00:00Z", &t));
	CHECK(!berth_log_parse_rfc3339("2024-04-31T00:00:00Z", &t));
	CHECK(!berth_log_parse_rfc3339("1900-02-29T00:00:00Z", &t));
	CHECK(berth_log_parse_rfc3339("2000-02-29T00:00:00Z", &t));
	CHECK(berth_log_parse_rfc3339("2024-02-29T23:59:59Z", &t));
	CHECK_FAILS(berth_log_parse_time_at("2023-02-29", &now, &t, &err), &err, EINVAL,
		    "is not a time");
	/* A time gmtime cannot break down prints as zeros, not as uninitialised fields. */
	t = (struct timespec){ .tv_sec = 9000000000000000000LL };
	berth_log_format_time(&t, buf);
	CHECK_STR(buf, "0000-00-00T00:00:00.000000000Z");
}

BERTH_TEST(fuzz_regress_log_record_round_trip)
{
	static const char text[] = "a\0<b>\xe2\x80\xa8\"\\\n";
	char line[256];
	struct berth_log_record rec;
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), "{\"log\":\"");
	n += berth_log_json_escape(text, sizeof(text) - 1, line + n);
	n += (size_t)snprintf(line + n, sizeof(line) - n,
			      "\",\"stream\":\"stderr\",\"time\":\"2024-01-01T00:00:00.5Z\"}");
	CHECK(berth_log_parse_record(line, n, &rec));
	CHECK_STR(rec.stream, "stderr");
	CHECK_INT(rec.len, ==, sizeof(text) - 1);
	CHECK(memcmp(rec.text, text, rec.len) == 0);
	CHECK_INT(rec.time.tv_nsec, ==, 500000000);
	json_object_put(rec.obj);
	CHECK(!berth_log_parse_record("{\"log\":1,\"time\":\"2024-01-01T00:00:00Z\"}", 40, &rec));
	CHECK(
	    !berth_log_parse_record("{\"log\":\"x\",\"time\":\"2024-02-30T00:00:00Z\"}", 41, &rec));
}

BERTH_TEST(fuzz_regress_conf_nul_byte_refused)
{
	char path[] = "/tmp/berth-conf-XXXXXX";
	static const char text[] = "memory = 1g\nlog_driver = json\0-file\n";
	struct berth_engine_conf c;
	struct berth_error *err = NULL;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
	close(fd);
	berth_conf_defaults(&c);
	CHECK_FAILS(berth_conf_load(path, &c, &err), &err, EINVAL, ":2: NUL byte");
	berth_conf_release(&c);
	unlink(path);
}

BERTH_TEST(fuzz_regress_subid_alloc_in_one_pass_whatever_the_order)
{
	struct berth_subid_file f = { 0 };
	struct berth_error *err = NULL;
	uint32_t start = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	/* Ranges listed from the highest down: the old loop took a pass per range. */
	CHECK(m != NULL);
	for (int i = 2000; i >= 0; i--)
		fprintf(m, "u%d:%u:65536\n", i, 100000u + (unsigned)i * 65536u);
	fclose(m);
	f.buf = buf;
	f.len = len;
	CHECK_OK(berth_subid_parse(&f, "subuid", &err), &err);
	CHECK_INT(f.n, ==, 2001);
	CHECK_OK(berth_subid_alloc(&f, 65536, &start, "subuid", &err), &err);
	CHECK_INT(start, ==, 100000u + 2001u * 65536u);
	CHECK_FAILS(berth_subid_alloc(&f, 0xfff00000u, &start, "subuid", &err), &err, ENOSPC,
		    "no free range");
	berth_subid_file_release(&f);
}
