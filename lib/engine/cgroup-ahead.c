/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/cgroup-ahead.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/create.h"
#include "runtime/container-cgroup.h"

bool berth_cgroup_ahead_begin(struct berth_cgroup_ahead *a, const char *id)
{
	*a = (struct berth_cgroup_ahead){ .spec = berth_ctr_bundle_spec(id), .id = id };
	return a->spec != NULL;
}

void berth_cgroup_ahead_hand(struct berth_cgroup_ahead *a, int fd)
{
	struct berth_error *err = NULL;
	size_t len, off = 0;

	/* A failure is the monitor's to report: it makes the cgroup itself and says why not. */
	if (berth_container_make_cgroup(a->spec, a->id, &a->saved, &err) < 0)
		berth_error_free(err);
	len = a->saved != NULL ? strlen(a->saved) : 0;
	while (off < len) {
		ssize_t n = send(fd, a->saved + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the monitor is gone: its report says so */
		off += (size_t)n;
	}
	close(fd);
}

void berth_cgroup_ahead_end(struct berth_cgroup_ahead *a, bool started)
{
	if (!started)
		berth_container_drop_cgroup(a->saved);
	free(a->saved);
	a->saved = NULL;
}
