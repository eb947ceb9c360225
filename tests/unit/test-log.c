/* SPDX-License-Identifier: Apache-2.0 */
/* Log drivers: message cuts, json-file rotation, reading, times, options. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/log-internal.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

static json_object *cfg(const char *s)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_json_parse(s, strlen(s), &o, &err), &err);
	return o;
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/berth-log-XXXXXX");

	CHECK(d != NULL && mkdtemp(d) != NULL);
	return d;
}

static struct berth_log *open_log(const char *dir, const char *config)
{
	struct berth_log_info info = { .id = "0123456789abcdef0123", .name = "web", .dir = dir };
	struct berth_error *err = NULL;
	struct berth_log *l = NULL;

	info.log_config = cfg(config);
	CHECK_OK(berth_log_open(&info, &l, &err), &err);
	json_object_put(info.log_config);
	return l;
}

static void put(struct berth_log *l, enum berth_log_stream s, const char *text)
{
	struct berth_error *err = NULL;

	CHECK_OK(berth_log_write(l, s, text, strlen(text), &err), &err);
}

static char *slurp(const char *dir, const char *name)
{
	cleanup_close int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct berth_error *err = NULL;
	char *buf = NULL;
	size_t len;

	CHECK_OK(berth_read_file_at(d, name, 1 << 24, &buf, &len, &err), &err);
	return buf;
}

/* Run berth_log_read; stdout and stderr messages, each as one string. */
static void read_log(const char *dir, const struct berth_log_read_opts *o, char **out, char **errs)
{
	int fds[2] = { memfd_create("out", MFD_CLOEXEC), memfd_create("err", MFD_CLOEXEC) };
	char **res[2] = { out, errs };
	struct berth_error *err = NULL;

	CHECK_OK(berth_log_read(dir, "0123456789abcdef0123", o, fds[0], fds[1], &err), &err);
	for (int i = 0; i < 2; i++) {
		off_t n = lseek(fds[i], 0, SEEK_END);

		*res[i] = calloc(1, (size_t)n + 1);
		CHECK(pread(fds[i], *res[i], (size_t)n, 0) == n);
		close(fds[i]);
	}
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

BERTH_TEST(log_cuts_chunks_at_newlines)
{
	cleanup_free char *dir = tmpdir();
	struct berth_error *err = NULL;
	struct berth_log *l = open_log(dir, "{\"Type\":\"json-file\"}");
	cleanup_free char *file = NULL, *out = NULL, *errs = NULL;
	struct berth_log_read_opts o = { .tail = -1 };

	put(l, BERTH_LOG_STDOUT, "ab");
	put(l, BERTH_LOG_STDERR, "oops\n");
	put(l, BERTH_LOG_STDOUT, "c\nde\n\n\"q\"\ttail");
	CHECK_OK(berth_log_flush(l, &err), &err);
	berth_log_close(l);
	file = slurp(dir, "0123456789abcdef0123-json.log");
	CHECK_INT(count(file, "\n"), ==, 5);
	/* a message leaves when its newline comes: oops before abc */
	CHECK(strstr(file, "{\"log\":\"oops\\n\",\"stream\":\"stderr\",\"time\":\"20") == file);
	CHECK(strstr(file, "{\"log\":\"abc\\n\",\"stream\":\"stdout\"") != NULL);
	CHECK(strstr(file, "{\"log\":\"\\n\",\"stream\":\"stdout\"") != NULL);
	CHECK(strstr(file, "{\"log\":\"\\\"q\\\"\\ttail\",\"stream\":\"stdout\"") != NULL);
	CHECK(strstr(file, "Z\"}\n") != NULL);
	read_log(dir, &o, &out, &errs);
	CHECK_STR(out, "abc\nde\n\n\"q\"\ttail");
	CHECK_STR(errs, "oops\n");
	berth_rm_rf_at(AT_FDCWD, dir);
}

BERTH_TEST(log_splits_long_lines_into_partial_messages)
{
	cleanup_free char *dir = tmpdir();
	cleanup_free char *line = malloc(40001), *file = NULL, *out = NULL, *errs = NULL;
	struct berth_log_read_opts o = { .tail = -1 };
	struct berth_log *l = open_log(dir, "{}");
	struct berth_error *err = NULL;

	memset(line, 'x', 40000);
	line[39999] = '\n';
	line[40000] = '\0';
	put(l, BERTH_LOG_STDOUT, line);
	CHECK_OK(berth_log_flush(l, &err), &err);
	berth_log_close(l);
	file = slurp(dir, "0123456789abcdef0123-json.log");
	/* 16384 + 16384 without newline, then 7231 bytes and the newline */
	CHECK_INT(count(file, "\n"), ==, 3);
	CHECK_INT(count(file, "x\",\"stream\""), ==, 2);
	CHECK_INT(count(file, "x\\n\",\"stream\""), ==, 1);
	CHECK_INT(strstr(file, "\",\"stream") - file, ==, 8 + 16384);
	read_log(dir, &o, &out, &errs);
	CHECK_STR(out, line);
	berth_rm_rf_at(AT_FDCWD, dir);
}

BERTH_TEST(log_jsonfile_rotates_and_reads_oldest_first)
{
	cleanup_free char *dir = tmpdir(), *out = NULL, *errs = NULL, *tail = NULL, *e2 = NULL;
	struct berth_log_read_opts o = { .tail = -1 }, t = { .tail = 3 };
	struct berth_log *l =
	    open_log(dir, "{\"Config\":{\"max-size\":\"1k\",\"max-file\":\"3\"}}"); /* 1000 bytes */
	struct stat st;
	char buf[32];
	int first;

	for (int i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "%d\n", i);
		put(l, i % 10 == 0 ? BERTH_LOG_STDERR : BERTH_LOG_STDOUT, buf);
	}
	berth_log_close(l);
	CHECK(stat(dir, &st) == 0);
	CHECK(chdir(dir) == 0);
	CHECK(access("0123456789abcdef0123-json.log.1", F_OK) == 0);
	CHECK(access("0123456789abcdef0123-json.log.2", F_OK) == 0);
	CHECK(access("0123456789abcdef0123-json.log.3", F_OK) < 0);
	CHECK(stat("0123456789abcdef0123-json.log.1", &st) == 0);
	CHECK_INT(st.st_size, >=, 1000);
	CHECK_INT(st.st_size, <, 1100);
	read_log(dir, &o, &out, &errs);
	/* consecutive numbers up to 99 with the stderr ones apart */
	first = (int)strtol(out, NULL, 10);
	CHECK_INT(first, >, 0);
	for (int i = first, pos = 0; i < 100; i++) {
		if (i % 10 == 0)
			continue;
		CHECK_INT(strtol(out + pos, NULL, 10), ==, i);
		pos = (int)(strchr(out + pos, '\n') - out) + 1;
	}
	CHECK(strstr(errs, "90\n") != NULL);
	read_log(dir, &t, &tail, &e2);
	CHECK_STR(tail, "97\n98\n99\n");
	CHECK_STR(e2, "");
	CHECK(chdir("/") == 0);
	berth_rm_rf_at(AT_FDCWD, dir);
}

BERTH_TEST(log_jsonfile_max_file_1_truncates)
{
	cleanup_free char *dir = tmpdir(), *out = NULL, *errs = NULL;
	struct berth_log_read_opts o = { .tail = -1 };
	struct berth_log *l = open_log(dir, "{\"Config\":{\"max-size\":\"300\"}}");

	for (int i = 0; i < 20; i++)
		put(l, BERTH_LOG_STDOUT, "line\n");
	berth_log_close(l);
	CHECK(chdir(dir) == 0);
	CHECK(access("0123456789abcdef0123-json.log.1", F_OK) < 0);
	read_log(dir, &o, &out, &errs);
	CHECK_INT(strlen(out), <, 50);
	CHECK_INT(strlen(out), >, 0);
	CHECK(chdir("/") == 0);
	berth_rm_rf_at(AT_FDCWD, dir);
}

/* A log written by hand: times 10:00:0N.5Z for N = 0..5. */
static char *fixed_log(void)
{
	char *dir = tmpdir();
	cleanup_close int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char buf[1024];
	size_t n = 0;
	struct berth_error *err = NULL;

	for (int i = 0; i < 6; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "{\"log\":\"m%d\\n\",\"stream\":\"%s\",\"time\":\"2026-11-"
				      "23T10:00:0%d.5Z\"}\n",
				      i, i == 4 ? "stderr" : "stdout", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"log\":\"torn");
	CHECK_OK(berth_write_file_atomic(d, "0123456789abcdef0123-json.log", buf, n, 0640, &err),
		 &err);
	return dir;
}

BERTH_TEST(log_read_tail_since_until_timestamps)
{
	cleanup_free char *dir = fixed_log();
	struct berth_log_read_opts o = { .tail = -1 };
	struct berth_error *err = NULL;
	char *out, *errs;

	CHECK_OK(berth_log_parse_time("2026-11-23T10:00:02Z", &o.since, &err), &err);
	CHECK_OK(berth_log_parse_time("2026-11-23T10:00:04.5Z", &o.until, &err), &err);
	read_log(dir, &o, &out, &errs);
	CHECK_STR(out, "m2\nm3\n");
	CHECK_STR(errs, "m4\n");
	free(out), free(errs);
	o = (struct berth_log_read_opts){ .tail = 2, .timestamps = true };
	read_log(dir, &o, &out, &errs);
	CHECK_STR(out, "2026-11-23T10:00:05.500000000Z m5\n");
	CHECK_STR(errs, "2026-11-23T10:00:04.500000000Z m4\n");
	free(out), free(errs);
	o = (struct berth_log_read_opts){ .tail = 0 };
	read_log(dir, &o, &out, &errs);
	CHECK_STR(out, "");
	free(out), free(errs);
	berth_rm_rf_at(AT_FDCWD, dir);
}

static int calls;
static bool twice(void *arg)
{
	return ++calls < 2;
}

BERTH_TEST(log_read_follow_ends_when_not_running)
{
	cleanup_free char *dir = fixed_log();
	struct berth_log_read_opts o = { .tail = 1, .follow = true, .running = twice };
	char *out, *errs;

	read_log(dir, &o, &out, &errs);
	CHECK_STR(out, "m5\n");
	CHECK_INT(calls, ==, 2);
	free(out), free(errs);
	berth_rm_rf_at(AT_FDCWD, dir);
}

BERTH_TEST(log_parse_time_forms)
{
	struct timespec now = { .tv_sec = 1800000000, .tv_nsec = 500 }, t;
	struct berth_error *err = NULL;

	CHECK_OK(berth_log_parse_time_at("2026-11-23T10:00:00.123456789Z", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 1795428000);
	CHECK_INT(t.tv_nsec, ==, 123456789);
	CHECK_OK(berth_log_parse_time_at("2026-11-23T11:00:00+01:00", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 1795428000);
	CHECK_OK(berth_log_parse_time_at("1700000000.25", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 1700000000);
	CHECK_INT(t.tv_nsec, ==, 250000000);
	CHECK_OK(berth_log_parse_time_at("1h30m", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 1800000000 - 5400);
	CHECK_INT(t.tv_nsec, ==, 500);
	CHECK_OK(berth_log_parse_time_at("42s", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 1800000000 - 42);
	CHECK_OK(berth_log_parse_time_at("1.5m", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 1800000000 - 90);
	CHECK_OK(berth_log_parse_time_at("0", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 0);
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_OK(berth_log_parse_time_at("2026-11-23", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 1795392000);
	CHECK_OK(berth_log_parse_time_at("2026-11-23T10:00", &now, &t, &err), &err);
	CHECK_INT(t.tv_sec, ==, 1795428000);
	static const char *const bad[] = { "10x", "2026-13-01", "yesterday", "1e3s", "", "-" };
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		if (berth_log_parse_time_at(bad[i], &now, &t, &err) != -EINVAL)
			FAIL("\"%s\" taken", bad[i]);
		CHECK(strstr(err->msg, "is not a time") != NULL);
		berth_error_clear(&err);
	}
}

BERTH_TEST(log_tag_templates)
{
	struct berth_log_info info = { .id = "0123456789abcdef0123456789",
				       .name = "web",
				       .image_name = "busybox:latest",
				       .image_id = "sha256:fedcba9876543210ffff" };
	struct berth_error *err = NULL;
	char *tag = NULL;

	CHECK_OK(berth_log_tag(NULL, &info, &tag, &err), &err);
	CHECK_STR(tag, "0123456789ab");
	free(tag);
	CHECK_OK(berth_log_tag("app/{{.Name}}/{{ .FullID }}|{{.ImageName}}|{{.ImageID}}", &info,
			       &tag, &err),
		 &err);
	CHECK_STR(tag, "app/web/0123456789abcdef0123456789|busybox:latest|fedcba987654");
	free(tag);
	CHECK_INT(berth_log_tag("{{.Name", &info, &tag, &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "unclosed") != NULL);
	berth_error_clear(&err);
	CHECK_INT(berth_log_tag("{{json .}}", &info, &tag, &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "\"{{json .}}\" is not supported") != NULL);
	berth_error_free(err);
}

static void check_refused(const char *config, const char *msg)
{
	json_object *c = cfg(config);
	struct berth_error *err = NULL;

	CHECK_INT(berth_log_validate(c, &err), ==, -EINVAL);
	if (strstr(err->msg, msg) == NULL)
		FAIL("%s: \"%s\" lacks \"%s\"", config, err->msg, msg);
	berth_error_free(err);
	json_object_put(c);
}

BERTH_TEST(log_validate_names_option_and_driver)
{
	struct berth_error *err = NULL;
	json_object *ok = cfg("{\"Type\":\"syslog\",\"Config\":{\"syslog-address\":\"tcp://"
			      "[::1]:601\",\"syslog-facility\":\"local3\",\"syslog-format\":"
			      "\"rfc5424micro\",\"tag\":\"{{.Name}}\"}}");

	CHECK_OK(berth_log_validate(ok, &err), &err);
	json_object_put(ok);
	check_refused("{\"Config\":{\"compress\":\"true\"}}",
		      "log opt \"compress\" is not supported by the json-file log driver");
	check_refused("{\"Type\":\"journald\",\"Config\":{\"labels\":\"a\"}}",
		      "\"labels\" is not supported by the journald log driver");
	check_refused("{\"Type\":\"none\",\"Config\":{\"tag\":\"x\"}}",
		      "\"tag\" is not supported by the none log driver");
	check_refused("{\"Type\":\"syslog\",\"Config\":{\"syslog-tls-ca-cert\":\"/x\"}}",
		      "\"syslog-tls-ca-cert\" is not supported by the syslog");
	check_refused("{\"Config\":{\"max-file\":\"2\"}}",
		      "max-file can only be used with max-size");
	check_refused("{\"Config\":{\"max-size\":\"1.5m\"}}", "max-size: invalid value \"1.5m\"");
	check_refused("{\"Config\":{\"max-size\":\"0\"}}", "max-size: invalid value \"0\"");
	check_refused("{\"Config\":{\"max-size\":\"1m\",\"max-file\":\"0\"}}", "max-file");
	check_refused("{\"Type\":\"syslog\",\"Config\":{\"syslog-facility\":\"local9\"}}",
		      "syslog-facility: invalid value \"local9\"");
	check_refused("{\"Type\":\"syslog\",\"Config\":{\"syslog-address\":\"http://x\"}}",
		      "syslog-address: invalid value \"http://x\"");
	check_refused("{\"Type\":\"syslog\",\"Config\":{\"syslog-format\":\"json\"}}",
		      "syslog-format: invalid value \"json\"");
	check_refused("{\"Type\":\"gelf\"}", "log driver \"gelf\" is not known");
	check_refused("{\"Config\":{\"max-size\":5}}", "expected a string");
}

BERTH_TEST(log_max_size_is_decimal_as_docker)
{
	struct berth_error *err = NULL;
	int64_t v;

	CHECK_OK(berth_log_parse_max_size("10m", &v, &err), &err);
	CHECK_INT(v, ==, 10000000);
	CHECK_OK(berth_log_parse_max_size("2KB", &v, &err), &err);
	CHECK_INT(v, ==, 2000);
	CHECK_OK(berth_log_parse_max_size("123", &v, &err), &err);
	CHECK_INT(v, ==, 123);
}

BERTH_TEST(log_readable_is_json_file_only)
{
	CHECK(berth_log_readable("json-file"));
	CHECK(berth_log_readable(""));
	CHECK(!berth_log_readable("syslog"));
	CHECK(!berth_log_readable("journald"));
	CHECK(!berth_log_readable("none"));
}

BERTH_TEST(log_none_discards_and_journald_absent_fails)
{
	cleanup_free char *dir = tmpdir();
	struct berth_log_info info = { .id = "abc", .dir = dir };
	struct berth_error *err = NULL;
	struct berth_log *l = open_log(dir, "{\"Type\":\"none\"}");

	put(l, BERTH_LOG_STDOUT, "gone\npartial");
	CHECK_OK(berth_log_flush(l, &err), &err);
	berth_log_close(l);
	CHECK(access("/tmp", F_OK) == 0);
	setenv("BERTH_JOURNAL_SOCKET", "/nonexistent/journal.sock", 1);
	info.log_config = cfg("{\"Type\":\"journald\"}");
	CHECK_INT(berth_log_open(&info, &l, &err), ==, -ENOENT);
	CHECK(strstr(err->msg, "journald is not running on this host") != NULL);
	berth_error_free(err);
	json_object_put(info.log_config);
	berth_rm_rf_at(AT_FDCWD, dir);
}
