/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The json-file driver: <dir>/<id>-json.log, one object per message
 *   {"log":"text\n","stream":"stdout","time":"2026-11-23T10:00:00.123456789Z"}
 * as Docker writes it.  With max-size the file is rotated before a write
 * once it has reached that size: <id>-json.log.1 is the newest rotated file,
 * .<max-file - 1> the oldest; with max-file 1 the file is truncated instead.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/log-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/units.h"

#define MAX_FILES 1000
/* A record: the escaped text (6 bytes per byte at worst) and the rest. */
#define RECORD_MAX (6 * BERTH_LOG_LINE_MAX + 128)

struct jsonfile {
	int dirfd, fd;
	char *name;	  /* <id>-json.log */
	int64_t max_size; /* -1: no limit */
	int64_t max_file;
	int64_t size; /* of the current file */
	char record[RECORD_MAX];
};

static const char *const opts[] = { "max-size", "max-file", NULL };

int berth_log_parse_max_size(const char *s, int64_t *out, struct berth_error **err)
{
	static const char units[] = "kmgtp";
	const char *p = s, *u;
	uint64_t v = 0, mult = 1;

	if (!isdigit((unsigned char)*p))
		goto bad;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '\0' && (u = strchr(units, tolower((unsigned char)*p))) != NULL) {
		for (const char *q = units; q <= u; q++)
			mult *= 1000;
		p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p != '\0' || v == 0 || v > (uint64_t)INT64_MAX / mult)
		goto bad;
	*out = (int64_t)(v * mult);
	return 0;
bad:
	return berth_error_set(err, EINVAL,
			       "max-size: invalid value \"%s\" (a positive number of bytes, "
			       "k, m or g: 10m)",
			       s);
}

static int check(const char *key, const char *value, struct berth_error **err)
{
	int64_t v;

	if (strcmp(key, "max-size") == 0)
		return berth_log_parse_max_size(value, &v, err);
	return berth_parse_int(value, "max-file", 1, MAX_FILES, &v, err);
}

static int check_all(json_object *config, struct berth_error **err)
{
	const char *max_file = berth_log_opt(config, "max-file");

	if (max_file != NULL && strcmp(max_file, "1") != 0 &&
	    berth_log_opt(config, "max-size") == NULL)
		return berth_error_set(err, EINVAL, "max-file can only be used with max-size");
	return 0;
}

static void jsonfile_close(void *priv)
{
	struct jsonfile *j = priv;

	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->dirfd >= 0)
		close(j->dirfd);
	free(j->name);
	free(j);
}

static int open_current(struct jsonfile *j, struct berth_error **err)
{
	struct stat st;

	j->fd =
	    openat(j->dirfd, j->name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (j->fd < 0)
		return berth_error_errno(err, "open '%s'", j->name);
	if (fstat(j->fd, &st) < 0)
		return berth_error_errno(err, "stat '%s'", j->name);
	j->size = st.st_size;
	return 0;
}

static int configure(struct jsonfile *j, const struct berth_log_info *info,
		     struct berth_error **err)
{
	const char *size = berth_log_opt(info->log_config, "max-size");
	const char *files = berth_log_opt(info->log_config, "max-file");

	j->max_size = -1;
	j->max_file = 1;
	if (size != NULL && berth_log_parse_max_size(size, &j->max_size, err) < 0)
		return berth_error_ret(err);
	if (files != NULL &&
	    berth_parse_int(files, "max-file", 1, MAX_FILES, &j->max_file, err) < 0)
		return berth_error_ret(err);
	j->dirfd = open(info->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0)
		return berth_error_errno(err, "open '%s'", info->dir);
	return open_current(j, err);
}

static int jsonfile_open(const struct berth_log_info *info, void **priv, struct berth_error **err)
{
	struct jsonfile *j = calloc(1, sizeof(*j));

	if (j == NULL || asprintf(&j->name, "%s-json.log", info->id) < 0) {
		free(j);
		return berth_error_set(err, ENOMEM, "json-file: out of memory");
	}
	j->fd = -1;
	j->dirfd = -1;
	if (configure(j, info, err) < 0) {
		jsonfile_close(j);
		return berth_error_ret(err);
	}
	*priv = j;
	return 0;
}

/* name.N -> name.N+1 ... name -> name.1, oldest dropped; or truncate with max-file 1. */
static int rotate(struct jsonfile *j, struct berth_error **err)
{
	char from[PATH_MAX], to[PATH_MAX];

	if (j->max_file <= 1) {
		if (ftruncate(j->fd, 0) < 0)
			return berth_error_errno(err, "truncate '%s'", j->name);
		j->size = 0;
		return 0;
	}
	snprintf(to, sizeof(to), "%s.%lld", j->name, (long long)j->max_file - 1);
	if (unlinkat(j->dirfd, to, 0) < 0 && errno != ENOENT)
		return berth_error_errno(err, "remove '%s'", to);
	for (int64_t i = j->max_file - 2; i >= 0; i--) {
		if (i == 0)
			snprintf(from, sizeof(from), "%s", j->name);
		else
			snprintf(from, sizeof(from), "%s.%lld", j->name, (long long)i);
		snprintf(to, sizeof(to), "%s.%lld", j->name, (long long)i + 1);
		if (renameat(j->dirfd, from, j->dirfd, to) < 0 && errno != ENOENT)
			return berth_error_errno(err, "rename '%s' to '%s'", from, to);
	}
	close(j->fd);
	j->fd = -1;
	return open_current(j, err);
}

static size_t format_record(struct jsonfile *j, const struct berth_log_msg *m)
{
	char t[BERTH_LOG_TIME_LEN];
	size_t n = 0;

	memcpy(j->record, "{\"log\":\"", 8);
	n = 8;
	n += berth_log_json_escape(m->text, m->len, j->record + n);
	if (!m->partial) {
		memcpy(j->record + n, "\\n", 2);
		n += 2;
	}
	berth_log_format_time(&m->time, t);
	n += (size_t)snprintf(j->record + n, RECORD_MAX - n,
			      "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
			      m->stream == BERTH_LOG_STDERR ? "stderr" : "stdout", t);
	return n;
}

static int jsonfile_emit(void *priv, const struct berth_log_msg *m, struct berth_error **err)
{
	struct jsonfile *j = priv;
	size_t n = format_record(j, m);
	int ret;

	if (j->max_size > 0 && j->size >= j->max_size && rotate(j, err) < 0)
		return berth_error_ret(err);
	ret = berth_write_all(j->fd, j->record, n);
	if (ret < 0) {
		/* A full disk: cut the half record so the file stays one object a line
		 * (should that fail too, the reader skips a bad line). */
		int cut = ftruncate(j->fd, j->size);

		(void)cut;
		return berth_error_set(err, -ret, "write '%s': %s", j->name, strerror(-ret));
	}
	j->size += (int64_t)n;
	return 0;
}

const struct berth_log_ops berth_log_jsonfile_ops = {
	.name = "json-file",
	.opts = opts,
	.check = check,
	.check_all = check_all,
	.open = jsonfile_open,
	.emit = jsonfile_emit,
	.close = jsonfile_close,
};
