/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/monitor-internal.h"

/* The monitor's calls into the log drivers (engine/log.h): a failing log never stops the container.
 */

int mon_log_open(const struct berth_log_info *info, struct berth_log **out,
		 struct berth_error **err)
{
	return berth_log_open(info, out, err);
}

void mon_log_write(struct berth_log *l, enum berth_log_stream stream, const char *buf, size_t len)
{
	struct berth_error *err = NULL;

	if (l != NULL && berth_log_write(l, stream, buf, len, &err) < 0)
		berth_error_free(err);
}

void mon_log_flush_stream(struct berth_log *l, enum berth_log_stream stream)
{
	struct berth_error *err = NULL;

	if (l != NULL && berth_log_flush_stream(l, stream, &err) < 0)
		berth_error_free(err);
}

void mon_log_flush(struct berth_log *l)
{
	struct berth_error *err = NULL;

	if (l != NULL && berth_log_flush(l, &err) < 0)
		berth_error_free(err);
}

void mon_log_close(struct berth_log *l)
{
	if (l != NULL)
		berth_log_close(l);
}
