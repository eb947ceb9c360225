/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Log drivers: the choice of driver, the check of its options, and the cut of
 * a stream's chunks into messages (at newlines, 16 KiB at most) that every
 * driver shares.
 */
#define _GNU_SOURCE
#include "engine/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log-internal.h"
#include "util/cleanup.h"
#include "util/json.h"

static const struct berth_log_ops none_ops = {
	.name = "none",
	.opts = (const char *const[]){ NULL },
};

static const struct berth_log_ops *const drivers[] = {
	&berth_log_jsonfile_ops,
	&berth_log_syslog_ops,
	&berth_log_journald_ops,
	&none_ops,
};

/* One stream's line under construction. */
struct line_buf {
	char data[BERTH_LOG_LINE_MAX];
	size_t len;
};

struct berth_log {
	const struct berth_log_ops *ops;
	void *priv;
	struct line_buf lines[2]; /* stdout, stderr */
};

static const struct berth_log_ops *find_driver(const char *name)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(drivers); i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}

/* LogConfig.Type; absent or "" is the default, json-file. */
static int driver_of(json_object *log_config, const struct berth_log_ops **out,
		     struct berth_error **err)
{
	const char *type = NULL;

	if (log_config != NULL &&
	    berth_json_string(log_config, "LogConfig", "Type", &type, err) < 0)
		return berth_error_ret(err);
	if (type == NULL || *type == '\0')
		type = "json-file";
	*out = find_driver(type);
	if (*out == NULL)
		return berth_error_set(err, EINVAL,
				       "log driver \"%s\" is not known (json-file, "
				       "syslog, journald, none)",
				       type);
	return 0;
}

const char *berth_log_opt(json_object *log_config, const char *key)
{
	json_object *config, *v;

	if (log_config == NULL || !json_object_object_get_ex(log_config, "Config", &config) ||
	    !json_object_is_type(config, json_type_object) ||
	    !json_object_object_get_ex(config, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool takes_opt(const struct berth_log_ops *ops, const char *key)
{
	for (const char *const *o = ops->opts; *o != NULL; o++)
		if (strcmp(*o, key) == 0)
			return true;
	return false;
}

int berth_log_validate(json_object *log_config, struct berth_error **err)
{
	const struct berth_log_ops *ops;
	json_object *config = NULL;

	if (driver_of(log_config, &ops, err) < 0)
		return berth_error_ret(err);
	if (log_config != NULL &&
	    berth_json_string_map(log_config, "LogConfig", "Config", &config, err) < 0)
		return berth_error_ret(err);
	if (config == NULL)
		return ops->check_all != NULL ? ops->check_all(NULL, err) : 0;
	json_object_object_foreach (config, key, val) {
		const char *value = json_object_get_string(val);

		if (!takes_opt(ops, key))
			return berth_error_set(
			    err, EINVAL, "log opt \"%s\" is not supported by the %s log driver",
			    key, ops->name);
		if (ops->check != NULL && ops->check(key, value, err) < 0)
			return berth_error_prefix(err, "log driver %s", ops->name);
	}
	if (ops->check_all != NULL && ops->check_all(log_config, err) < 0)
		return berth_error_prefix(err, "log driver %s", ops->name);
	return 0;
}

bool berth_log_readable(const char *driver)
{
	return driver == NULL || *driver == '\0' || strcmp(driver, "json-file") == 0;
}

int berth_log_open(const struct berth_log_info *info, struct berth_log **out,
		   struct berth_error **err)
{
	cleanup_free struct berth_log *l = NULL;

	if (berth_log_validate(info->log_config, err) < 0)
		return berth_error_ret(err);
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return berth_error_set(err, ENOMEM, "log: out of memory");
	if (driver_of(info->log_config, &l->ops, err) < 0)
		return berth_error_ret(err);
	if (l->ops->open != NULL && l->ops->open(info, &l->priv, err) < 0)
		return berth_error_prefix(err, "log driver %s", l->ops->name);
	*out = steal_ptr(&l);
	return 0;
}

static int emit(struct berth_log *l, enum berth_log_stream stream, bool partial,
		struct berth_error **err)
{
	struct line_buf *b = &l->lines[stream == BERTH_LOG_STDERR];
	struct berth_log_msg m = {
		.stream = stream,
		.text = b->data,
		.len = b->len,
		.partial = partial,
	};
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &m.time);
	if (l->ops->emit != NULL)
		ret = l->ops->emit(l->priv, &m, err);
	b->len = 0;
	return ret;
}

int berth_log_write(struct berth_log *l, enum berth_log_stream stream, const char *buf, size_t len,
		    struct berth_error **err)
{
	struct line_buf *b = &l->lines[stream == BERTH_LOG_STDERR];

	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl != NULL ? (size_t)(nl - buf) : len;

		/* A line over 16 KiB leaves in full 16 KiB partial pieces. */
		while (b->len + take > BERTH_LOG_LINE_MAX) {
			size_t n = BERTH_LOG_LINE_MAX - b->len;

			memcpy(b->data + b->len, buf, n);
			b->len += n;
			buf += n;
			len -= n;
			take -= n;
			if (emit(l, stream, true, err) < 0)
				return berth_error_ret(err);
		}
		memcpy(b->data + b->len, buf, take);
		b->len += take;
		buf += take;
		len -= take;
		if (nl == NULL)
			break;
		buf++; /* the newline */
		len--;
		if (emit(l, stream, false, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

size_t berth_log_pending(const struct berth_log *l, enum berth_log_stream stream, const char **data)
{
	const struct line_buf *b = &l->lines[stream == BERTH_LOG_STDERR];

	*data = b->data;
	return b->len;
}

int berth_log_flush_stream(struct berth_log *l, enum berth_log_stream stream,
			   struct berth_error **err)
{
	if (l->lines[stream == BERTH_LOG_STDERR].len > 0 && emit(l, stream, true, err) < 0)
		return berth_error_ret(err);
	return 0;
}

int berth_log_flush(struct berth_log *l, struct berth_error **err)
{
	if (berth_log_flush_stream(l, BERTH_LOG_STDOUT, err) < 0 ||
	    berth_log_flush_stream(l, BERTH_LOG_STDERR, err) < 0)
		return berth_error_ret(err);
	return 0;
}

void berth_log_close(struct berth_log *l)
{
	if (l == NULL)
		return;
	if (l->ops->close != NULL)
		l->ops->close(l->priv);
	free(l);
}
