/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_LOG_INTERNAL_H
#define BERTH_ENGINE_LOG_INTERNAL_H

/*
 * What the log drivers share: log.c cuts chunks into messages and hands each
 * to the driver's emit(); a driver is an ops table and a private struct.
 */

#include "engine/log.h"

/* Docker's cut: a line longer than this becomes several partial messages. */
#define BERTH_LOG_LINE_MAX (16 * 1024)

/* Sends to a log peer wait at most this long (a stuck syslog or journald). */
#define BERTH_LOG_SEND_TIMEOUT_MS 5000

struct berth_log_msg {
	enum berth_log_stream stream;
	const char *text; /* without the newline */
	size_t len;
	bool partial; /* no newline ended it: a 16 KiB cut or the flush of a last line */
	struct timespec time;
};

struct berth_log_ops {
	const char *name;
	/* Options the driver takes; NULL-terminated. */
	const char *const *opts;
	/* Check one option's value (NULL: any string). */
	int (*check)(const char *key, const char *value, struct berth_error **err);
	/* Check the options together (NULL: nothing to check). */
	int (*check_all)(json_object *config, struct berth_error **err);
	int (*open)(const struct berth_log_info *info, void **priv, struct berth_error **err);
	int (*emit)(void *priv, const struct berth_log_msg *m, struct berth_error **err);
	void (*close)(void *priv);
};

extern const struct berth_log_ops berth_log_jsonfile_ops;
extern const struct berth_log_ops berth_log_syslog_ops;
extern const struct berth_log_ops berth_log_journald_ops;

/* LogConfig.Config[@key] as a string, or NULL when absent (validated before). */
const char *berth_log_opt(json_object *log_config, const char *key);

/*
 * Expand a Docker log tag template ("{{.ID}}", "{{.Name}}/{{.FullID}}", ...);
 * @tmpl NULL or "" means "{{.ID}}".  The caller frees *out.
 */
int berth_log_tag(const char *tmpl, const struct berth_log_info *info, char **out,
		  struct berth_error **err);
/* Check a template without expanding it (validate). */
int berth_log_tag_check(const char *tmpl, struct berth_error **err);

/*
 * Append @len bytes of @s to @out as the inside of a JSON string the way
 * Docker's json-file writes it (<, >, & and U+2028/9 escaped, invalid UTF-8
 * as U+FFFD).  @out needs room for 6 * @len + 1 bytes; returns the length
 * written (no NUL added).
 */
size_t berth_log_json_escape(const char *s, size_t len, char *out);

/* An RFC 3339 time ("2026-11-23T10:00:00.5+01:00"; without an offset: local). */
bool berth_log_parse_rfc3339(const char *s, struct timespec *out);

/* One line of a json-file log: {"log": TEXT, "stream": S, "time": RFC3339}. */
struct berth_log_record {
	const char *stream; /* "stdout" when absent; anything else but "stderr" is stdout */
	const char *text;   /* may hold NUL bytes: @len counts them */
	size_t len;
	struct timespec time;
	json_object *obj; /* owns the strings above; the caller puts it */
};

/*
 * Parse one line (without its newline).  False, with nothing to put, when it
 * is not a record: `logs` skips such a line (a torn write after a full disk).
 */
bool berth_log_parse_record(const char *line, size_t len, struct berth_log_record *out);

/* A decimal size as Docker's max-size ("10m" = 10,000,000 bytes); > 0. */
int berth_log_parse_max_size(const char *s, int64_t *out, struct berth_error **err);

#endif
