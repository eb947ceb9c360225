/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_MONITOR_IDLE_H
#define BERTH_ENGINE_MONITOR_IDLE_H

#include <stdint.h>

#include "engine/monitor-internal.h"

/*
 * The state a monitor hands to its idle self across execve (monitor-idle.c):
 * a memfd holding this header, then log_len bytes of log driver settings (the
 * container's name, image name, image id and HostConfig.LogConfig as JSON,
 * each ending in NUL; none if they could not be read), then in_len bytes of
 * stdin not yet taken, then pend_len[0] and pend_len[1] bytes of unfinished
 * stdout and stderr lines (the log driver's), then n_clients times a mon_idle_client followed by
 * its qlen queued bytes.  Both sides are built from the same libberth.a (`berth`, whose fork
 * is the first monitor, and the berth-monitor next to it; or berth-monitor on both sides), so
 * the layout is shared; magic and size catch anything else.  Pointers in m (exe, engine, log,
 * clients, in_buf, st.status) mean nothing in the new image and are rebuilt.
 */

#define MON_IDLE_MAGIC 0x42694d53u /* "SMiB" */

struct mon_idle_head {
	uint32_t magic, size;
	struct monitor m;
	char status[16]; /* m.st.status */
	uint64_t log_len, in_len, n_clients;
	uint64_t pend_len[2]; /* unfinished stdout, stderr lines */
};

struct mon_idle_client {
	int fd;
	unsigned want;
	uint64_t qlen;
};

#endif
