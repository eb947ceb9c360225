/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/monitor-internal.h"

/*
 * The monitor's calls into the log drivers (engine/log.h).  Until the
 * drivers are part of the tree the output goes to attached clients only.
 * TODO(monitor): drop the __has_include once lib/engine/log.c is merged.
 */
#if __has_include("engine/log.c")
#define HAVE_LOG 1
#else
#define HAVE_LOG 0
#endif

int mon_log_open(const struct berth_log_info *info, struct berth_log **out,
		 struct berth_error **err)
{
#if HAVE_LOG
	return berth_log_open(info, out, err);
#else
	(void)info;
	(void)err;
	*out = NULL;
	return 0;
#endif
}

void mon_log_write(struct berth_log *l, enum berth_log_stream stream, const char *buf, size_t len)
{
#if HAVE_LOG
	struct berth_error *err = NULL;

	if (l != NULL && berth_log_write(l, stream, buf, len, &err) < 0)
		berth_error_free(err); /* a failing log must not stop the container */
#else
	(void)l;
	(void)stream;
	(void)buf;
	(void)len;
#endif
}

void mon_log_flush(struct berth_log *l)
{
#if HAVE_LOG
	struct berth_error *err = NULL;

	if (l != NULL && berth_log_flush(l, &err) < 0)
		berth_error_free(err);
#else
	(void)l;
#endif
}

void mon_log_close(struct berth_log *l)
{
#if HAVE_LOG
	if (l != NULL)
		berth_log_close(l);
#else
	(void)l;
#endif
}
