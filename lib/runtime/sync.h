/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_SYNC_H
#define BERTH_RUNTIME_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/*
 * The numbered protocol between the runtime (parent) and the processes that
 * become the container (stage-1 child, init).  Messages travel over a
 * SOCK_SEQPACKET socketpair, one message per packet, optionally carrying one
 * fd.  Each step of container creation is one message; an error in the child
 * is sent as BERTH_SYNC_ERROR with its errno and message, so the parent can
 * report what failed before execve.  An init cloned directly into its
 * namespaces (launch.h) sends no USERNS, PID or TIMENS: the parent writes its
 * maps unasked and sends one GO (with a new user namespace only), then the
 * sequence goes on at HOOKS.  HOOKS and its GO are exchanged only when the
 * spec has hooks that need them (berth_hooks_need_exchange): without, the init
 * goes on from its mounts to READY with no round trip.
 */

enum berth_sync_type {
	BERTH_SYNC_GO = 1,  /* parent -> child: go on */
	BERTH_SYNC_USERNS,  /* stage-1 -> parent: write my uid/gid maps */
	BERTH_SYNC_PID,	    /* stage-1 -> parent: value = init's pid */
	BERTH_SYNC_HOOKS,   /* init -> parent: run prestart/createRuntime hooks */
	BERTH_SYNC_PTY,	    /* init -> parent: fd = pty master */
	BERTH_SYNC_SECCOMP, /* init -> parent: fd = seccomp listener */
	BERTH_SYNC_READY,   /* init -> parent: waiting for start */
	BERTH_SYNC_ERROR,   /* child -> parent: value = errno, payload = message */
	BERTH_SYNC_TIMENS,  /* stage-1 -> parent: write my new time namespace's offsets */
};

struct berth_sync_msg {
	uint32_t type;
	int32_t value;
	int fd;		 /* -1 when none */
	char text[8192]; /* NUL-terminated */
};

/* Create the socketpair (both ends CLOEXEC). */
int berth_sync_pair(int fds[2], struct berth_error **err);

/* Send a message; @fd (or -1) is passed with SCM_RIGHTS.  -errno. */
int berth_sync_send(int sock, uint32_t type, int32_t value, int fd, const char *text);

/* Receive one message; msg->fd is owned by the caller.  -errno, -EPIPE on EOF. */
int berth_sync_recv(int sock, struct berth_sync_msg *msg);

/* Send @err as BERTH_SYNC_ERROR (child side) and free it. */
void berth_sync_send_error(int sock, struct berth_error *err);

/*
 * Receive a message and require @type.  A BERTH_SYNC_ERROR becomes *err;
 * EOF becomes "container init exited unexpectedly".
 */
int berth_sync_expect(int sock, uint32_t type, struct berth_sync_msg *msg,
		      struct berth_error **err);

#endif
