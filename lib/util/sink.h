/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_SINK_H
#define BERTH_UTIL_SINK_H

#include <stddef.h>

#include "util/error.h"

/*
 * A sink for bytes arriving (a registry download, an archive import): write()
 * gets them in order and returns 0 or -errno with *err set.  The blob store's
 * writers are sinks; the registry client writes into them.
 */
struct berth_sink {
	int (*write)(void *ctx, const void *buf, size_t len, struct berth_error **err);
	void *ctx;
};

#endif
