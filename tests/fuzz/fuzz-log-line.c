/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: what `berth logs` parses.  The first line of the input is
 * a --since/--until value (berth_log_parse_time_at, lib/engine/log-time.c);
 * every line is a json-file record (berth_log_parse_record, log-read.c).
 * Round trips: a parsed time formatted as `logs -t` prints it parses back to
 * itself, and the whole input escaped as json-file writes it
 * (berth_log_json_escape) reads back byte for byte when it is valid UTF-8.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Printed and read back: the same instant (when the year has four digits). */
static void time_round_trip(const struct timespec *t)
{
	char buf[BERTH_LOG_TIME_LEN];
	struct timespec back;

	if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000)
		abort();
	berth_log_format_time(t, buf);
	if (strlen(buf) != BERTH_LOG_TIME_LEN - 1)
		abort();
	if (strncmp(buf, "0000-00-00", 10) == 0 || strncmp(buf, "0", 1) == 0)
		return;
	if (!berth_log_parse_rfc3339(buf, &back) || back.tv_sec != t->tv_sec ||
	    back.tv_nsec != t->tv_nsec)
		abort();
}

static void parse_time(const char *s)
{
	const struct timespec now = { .tv_sec = 1700000000, .tv_nsec = 123456789 };
	struct berth_error *err = NULL;
	struct timespec t = { 0 };
	int ret;

	ret = berth_log_parse_time_at(s, &now, &t, &err);
	if ((ret < 0) != (err != NULL) || (err != NULL && ret != -err->code))
		abort();
	berth_error_free(err);
	if (ret == 0)
		time_round_trip(&t);
	if (berth_log_parse_rfc3339(s, &t))
		time_round_trip(&t);
}

static void parse_line(const char *line, size_t len)
{
	struct berth_log_record rec;

	if (!berth_log_parse_record(line, len, &rec))
		return;
	if (rec.stream == NULL || rec.text == NULL || rec.obj == NULL)
		abort();
	time_round_trip(&rec.time);
	json_object_put(rec.obj);
}

/* Independent of log-escape.c: well-formed UTF-8, no surrogates, at most U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], cp,
			 len = c < 0x80	  ? 1
			       : c < 0xc2 ? 0
			       : c < 0xe0 ? 2
			       : c < 0xf0 ? 3
			       : c < 0xf5 ? 4
					  : 0;

		if (len == 0 || i + len > n)
			return 0;
		cp = len == 1 ? c : c & (0xffu >> (len + 1));
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

static void escape_round_trip(const uint8_t *data, size_t size)
{
	static const char head[] = "{\"log\":\"";
	static const char tail[] = "\",\"stream\":\"stderr\",\"time\":\"2024-02-29T23:59:59.5Z\"}";
	struct berth_log_record rec;
	size_t n = sizeof(head) - 1;
	char *line = malloc(n + 6 * size + sizeof(tail));

	if (line == NULL)
		abort();
	memcpy(line, head, n);
	n += berth_log_json_escape((const char *)data, size, line + n);
	memcpy(line + n, tail, sizeof(tail));
	n += sizeof(tail) - 1;
	if (memchr(line, '\n', n) != NULL || !berth_log_parse_record(line, n, &rec))
		abort();
	if (strcmp(rec.stream, "stderr") != 0 || rec.time.tv_nsec != 500000000 ||
	    !utf8_valid((const unsigned char *)rec.text, rec.len) ||
	    (utf8_valid(data, size) && (rec.len != size || memcmp(rec.text, data, size) != 0)))
		abort();
	json_object_put(rec.obj);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *nl = memchr(p, '\n', size);
	char *first = strndup(p, nl ? (size_t)(nl - p) : size);

	if (first == NULL)
		abort();
	parse_time(first);
	free(first);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		parse_line(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	escape_round_trip(data, size);
	return 0;
}
