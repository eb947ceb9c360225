/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_LOG_H
#define BERTH_ENGINE_LOG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/error.h"

/*
 * Log drivers: json-file (default; Docker's line format, max-size/max-file),
 * syslog, journald, none.  A driver takes raw chunks of a stream, cuts them
 * into messages at newlines (16 KiB at most, Docker's partial messages) and
 * stamps them.  HostConfig.LogConfig = {"Type": "...", "Config": {opt: value}}.
 */

enum berth_log_stream {
	BERTH_LOG_STDOUT = 1,
	BERTH_LOG_STDERR = 2,
};

struct berth_log_info {
	const char *id;
	const char *name;	/* without '/' */
	const char *image_name; /* as given to run */
	const char *image_id;
	const char *dir;	 /* the container's directory (json-file writes there) */
	json_object *log_config; /* HostConfig.LogConfig */
};

struct berth_log;

/* At create: a known driver and options it takes, with valid values. */
int berth_log_validate(json_object *log_config, struct berth_error **err);

int berth_log_open(const struct berth_log_info *info, struct berth_log **out,
		   struct berth_error **err);
/* A chunk read from the container's @stream. */
int berth_log_write(struct berth_log *l, enum berth_log_stream stream, const char *buf, size_t len,
		    struct berth_error **err);
/*
 * The unfinished line of @stream (bytes after the last newline, not yet a
 * message): a monitor that re-executes itself hands them to its new self,
 * which writes them again, so no line is cut in two.
 */
size_t berth_log_pending(const struct berth_log *l, enum berth_log_stream stream,
			 const char **data);

/* Emit what is buffered (a last line without newline), of one stream or both. */
int berth_log_flush_stream(struct berth_log *l, enum berth_log_stream stream,
			   struct berth_error **err);
int berth_log_flush(struct berth_log *l, struct berth_error **err);
void berth_log_close(struct berth_log *l);

/* Whether `logs` can read what @driver wrote (json-file only; none/syslog/journald cannot). */
bool berth_log_readable(const char *driver);

struct berth_log_read_opts {
	bool follow;
	bool timestamps;
	int64_t tail;	       /* -1: all */
	struct timespec since; /* 0: from the start */
	struct timespec until; /* 0: no end */
	/* With follow: called when there is nothing new; false ends following. */
	bool (*running)(void *arg);
	void *arg;
};

/*
 * `berth logs`: write the messages of a json-file log in @dir to @out_fd
 * (stdout messages) and @err_fd (stderr), oldest first across rotated files.
 */
int berth_log_read(const char *dir, const char *id, const struct berth_log_read_opts *o, int out_fd,
		   int err_fd, struct berth_error **err);

/*
 * A --since/--until value as Docker takes it: RFC 3339 ("2026-11-23T10:00:00Z",
 * with optional fraction and offset; "2026-11-23T10:00:00", "2026-11-23T10:00",
 * "2026-11-23" are local time), unix seconds with optional ".nanos", or a Go
 * duration ("10m", "1h30m", "42s", "1.5h", "300ms") meaning that long before
 * now.  Refuses anything else with the value quoted.
 */
int berth_log_parse_time(const char *s, struct timespec *out, struct berth_error **err);
/* The same with @now as the reference of relative durations (tests). */
int berth_log_parse_time_at(const char *s, const struct timespec *now, struct timespec *out,
			    struct berth_error **err);

/* "2026-11-23T10:00:00.123456789Z" (UTC, 9 digits) into @buf (at least 31 bytes). */
#define BERTH_LOG_TIME_LEN 31
void berth_log_format_time(const struct timespec *t, char *buf);

#endif
