/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_CTR_LOGS_H
#define BERTH_ENGINE_CTR_LOGS_H

#include "engine/engine.h"
#include "engine/log.h"
#include "util/error.h"

/*
 * `berth logs`: a container's json-file log (berth_log_read) with the
 * options of @o (its running callback is set here: -f ends when the
 * container is no longer running).  A driver that cannot be read back
 * fails as Docker does: "configured logging driver does not support reading".
 */
int berth_ctr_logs(struct berth_engine *e, const char *ref, const struct berth_log_read_opts *o,
		   int out_fd, int err_fd, struct berth_error **err);

#endif
