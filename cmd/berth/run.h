/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CLI_RUN_H
#define BERTH_CLI_RUN_H

#include <stdbool.h>

#include "engine/engine.h"
#include "util/error.h"

/* What run (run.c) shares with start -a and attach (lifecycle.c). */

/* Docker's exit status for a container that could not start: 125, 126, 127. */
int cli_start_failure_code(const struct berth_error *err);

/* State.ExitCode of container @id (255 when unreadable). */
int cli_recorded_exit_code(struct berth_engine *e, const char *id);

/*
 * Relay our stdio over attach socket @sock (stdin when @in) until the
 * container exits; returns its exit code, or -1 with *err set.
 */
int cli_attach_relay(struct berth_engine *e, const char *id, int sock, bool in, bool tty,
		     bool sig_proxy, struct berth_error **err);

#endif
