/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_TERMINAL_H
#define BERTH_RUNTIME_TERMINAL_H

/*
 * process.terminal: a pseudo-terminal allocated in the container's devpts,
 * its slave made the controlling terminal and stdio of the container process,
 * and its master handed to whoever listens on --console-socket.
 */

#include "util/error.h"

/*
 * Open a new pty pair through /dev/ptmx (the container's, once its devpts is
 * mounted), unlock it and return the master fd (O_CLOEXEC, O_NOCTTY) in
 * *master and the slave's path in *slave_path (the caller frees).
 */
int berth_terminal_open(int *master, char **slave_path, struct berth_error **err);

/*
 * Make @slave_path the controlling terminal and stdin/stdout/stderr of the
 * calling process: setsid, open, TIOCSCTTY, dup2 onto 0, 1 and 2.  When
 * @height and @width are both non-zero (process.consoleSize) the window size
 * is set with TIOCSWINSZ.
 */
int berth_terminal_setup_slave(const char *slave_path, unsigned height, unsigned width,
			       struct berth_error **err);

/*
 * Connect to the unix stream socket @path (--console-socket) and return the
 * connected fd (O_CLOEXEC).  Connect early, before pivot_root hides the path.
 */
int berth_terminal_connect(const char *path, struct berth_error **err);

/*
 * Send @master over the connected socket @sock with SCM_RIGHTS.  The payload
 * is the master's name, "/dev/ptmx", as runc sends it (conmon and
 * containerd read only the fd).
 */
int berth_terminal_send_master_fd(int sock, int master, struct berth_error **err);

/* berth_terminal_connect() then berth_terminal_send_master_fd(). */
int berth_terminal_send_master(const char *console_socket_path, int master,
			       struct berth_error **err);

#endif
