/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_LOG_SYSLOG_H
#define BERTH_ENGINE_LOG_SYSLOG_H

/* The syslog driver's parsers and transport (log-syslog-net.c). */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/error.h"

enum berth_syslog_proto { BERTH_SYSLOG_UNIX, BERTH_SYSLOG_UDP, BERTH_SYSLOG_TCP };

/* Ordered: the rfc5424 forms last. */
enum berth_syslog_format {
	BERTH_SYSLOG_FMT_LOCAL, /* Docker's default */
	BERTH_SYSLOG_FMT_RFC3164,
	BERTH_SYSLOG_FMT_RFC5424,
	BERTH_SYSLOG_FMT_RFC5424MICRO,
};

struct berth_syslog_addr {
	enum berth_syslog_proto proto;
	int type; /* SOCK_STREAM or SOCK_DGRAM; 0: a unix socket of either type */
	char host[256];
	char port[8];
	char path[108];
	char text[400]; /* as given, for messages */
};

/*
 * syslog-address: "udp://host[:port]", "tcp://host[:port]" (port 514 by
 * default, "[::1]:514" for IPv6), "unix:///path", "unixgram:///path"; ""
 * is unix:///dev/log.  Syntax only: nothing is resolved or connected.
 */
int berth_syslog_parse_address(const char *s, struct berth_syslog_addr *out,
			       struct berth_error **err);
/* A facility name (kern ... local7) or number 0-23; "" is daemon. */
int berth_syslog_parse_facility(const char *s, int *out, struct berth_error **err);
/* "", "rfc3164", "rfc5424", "rfc5424micro". */
int berth_syslog_parse_format(const char *s, enum berth_syslog_format *out,
			      struct berth_error **err);

/* The timestamp of @format at @t (local time). */
void berth_syslog_stamp(enum berth_syslog_format format, const struct timespec *t, char *buf,
			size_t size);

/*
 * A socket connected to @a (a unix address tries a datagram socket first,
 * then a stream one; TCP connects within the send timeout); sends time out.
 * Returns the fd or -errno with *err set.  @a->type is set for unix.
 */
int berth_syslog_connect(struct berth_syslog_addr *a, struct berth_error **err);
/* All of @buf, without SIGPIPE. -errno (-EAGAIN: timed out). */
int berth_syslog_send(int fd, const char *buf, size_t len);
/* Whether the stream peer has closed its end (EOF or an error pending). */
bool berth_syslog_peer_closed(int fd);

#endif
