/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_ATTACH_H
#define BERTH_ENGINE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "util/error.h"

/*
 * The monitor's attach and control protocol (docs/containers.md, "The
 * monitor"), spoken on runtime/.attach/<id> (SOCK_SEQPACKET, on the runtime's
 * tmpfs: runtime-dir.c; berth_attach_dir) and on
 * the socket pair `run` hands to the monitor at start.  Each message is one
 * type byte and a payload; integers are host-order (both ends are on this
 * host).  A client receives output only after a HELLO asking for it; the
 * pre-connected socket of `berth_ctr_start()` starts with every stream.
 */

/* client → monitor */
#define BERTH_ATTACH_HELLO 'A'	 /* u8: BERTH_ATTACH_WANT_* bits */
#define BERTH_ATTACH_STDIN 'i'	 /* data for the container's stdin */
#define BERTH_ATTACH_EOF 'e'	 /* the container's stdin ends */
#define BERTH_ATTACH_RESIZE 'r'	 /* u16 rows, u16 cols */
#define BERTH_ATTACH_STOP 's'	 /* i32 timeout (s); -1: the container's StopTimeout */
#define BERTH_ATTACH_KILL 'k'	 /* i32 signal */
#define BERTH_ATTACH_PAUSE 'p'	 /* no payload */
#define BERTH_ATTACH_UNPAUSE 'u' /* no payload */

/* monitor → client */
#define BERTH_ATTACH_STDOUT 'o'
#define BERTH_ATTACH_STDERR 'E'
#define BERTH_ATTACH_EXIT 'x'  /* i32: the exit code of a run of the container */
#define BERTH_ATTACH_REPLY 'R' /* i32 errno (0: done) + message, to a control request */

#define BERTH_ATTACH_WANT_STDIN 1
#define BERTH_ATTACH_WANT_STDOUT 2
#define BERTH_ATTACH_WANT_STDERR 4
#define BERTH_ATTACH_WANT_ALL 7

/* Largest message: a type byte and 16 KiB of data. */
#define BERTH_ATTACH_MAX_DATA 16384
#define BERTH_ATTACH_MAX_MSG (1 + BERTH_ATTACH_MAX_DATA)

/* A connected socket pair (CLOEXEC) for berth_ctr_start()'s @attach_fd. */
int berth_attach_pair(int fds[2], struct berth_error **err);

/*
 * The directory of the monitors' attach sockets (runtime/.attach: each named
 * by its container's id), made when @create; a CLOEXEC O_PATH fd.
 */
int berth_attach_dir(struct berth_engine *e, bool create, struct berth_error **err);

/* Remove container @id's attach socket name, if there is one. */
void berth_attach_unlink(struct berth_engine *e, const char *id);

/* Connect to the attach socket of running container @id (CLOEXEC fd). */
int berth_attach_connect(struct berth_engine *e, const char *id, struct berth_error **err);

/* Send one message (never raises SIGPIPE). */
int berth_attach_send(int sock, uint8_t type, const void *buf, size_t len,
		      struct berth_error **err);

/*
 * Send control request @type (STOP, KILL, PAUSE, UNPAUSE) with @arg to
 * container @id's monitor and return its answer: 0, or the monitor's
 * error.  ENOTCONN when no monitor runs.
 */
int berth_attach_request(struct berth_engine *e, const char *id, uint8_t type, int32_t arg,
			 struct berth_error **err);

struct berth_attach_io {
	int in_fd;	/* our stdin to send, or -1 */
	int out_fd;	/* where stdout messages go */
	int err_fd;	/* where stderr messages go */
	bool tty;	/* raw mode on in_fd while relaying, window size passed on */
	bool sig_proxy; /* forward SIGINT, SIGTERM, SIGHUP, SIGQUIT... as KILL requests */
};

/*
 * Copy stdin to @sock and output from it until the container's exit
 * message: returns 1 with *exit_code set, or 0 if the monitor went away
 * without one (the caller reads the recorded State).
 */
int berth_attach_relay(int sock, const struct berth_attach_io *io, int *exit_code,
		       struct berth_error **err);

#endif
