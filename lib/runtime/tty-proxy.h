/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_TTY_PROXY_H
#define BERTH_RUNTIME_TTY_PROXY_H

#include <sys/types.h>

#include "util/error.h"

/*
 * Foreground terminal: copy our stdin to the pty @master and the master to our
 * stdout until the container side hangs up, with our terminal in raw mode
 * (restored after) and its window size passed on at start and on SIGWINCH.
 * End of our stdin becomes an end-of-file character for the container.
 * Takes ownership of @master.  Returns 0 once the container side has closed.
 */
int berth_tty_proxy(int master, struct berth_error **err);

#endif
