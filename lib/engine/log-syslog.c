/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The syslog driver, with Docker's options and message forms:
 *   default       <PRI>Jan _2 15:04:05 TAG[PID]: MSG              (the local form)
 *   rfc3164       <PRI>Jan _2 15:04:05 HOST TAG[PID]: MSG
 *   rfc5424       <PRI>1 2026-11-23T10:00:00+01:00 HOST TAG PID TAG - MSG
 *   rfc5424micro  the same with microseconds
 * Severity info for stdout, err for stderr.  Over TCP, rfc5424 forms are
 * octet-counted ("LEN MSG", RFC 6587), the others end with a newline; UDP
 * and unix datagrams are one message each.  TLS is not supported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/log-internal.h"
#include "engine/log-syslog.h"
#include "util/cleanup.h"

#define MSG_MAX (BERTH_LOG_LINE_MAX + 1024)

struct syslog_drv {
	struct berth_syslog_addr addr;
	int fd;
	int facility;
	enum berth_syslog_format format;
	char *tag;
	char host[256];
	char msg[MSG_MAX];
};

static const char *const opts[] = { "syslog-address", "syslog-facility", "syslog-format", "tag",
				    NULL };

static int check(const char *key, const char *value, struct berth_error **err)
{
	struct berth_syslog_addr a;
	enum berth_syslog_format f;
	int fac;

	if (strcmp(key, "syslog-address") == 0)
		return berth_syslog_parse_address(value, &a, err);
	if (strcmp(key, "syslog-facility") == 0)
		return berth_syslog_parse_facility(value, &fac, err);
	if (strcmp(key, "syslog-format") == 0)
		return berth_syslog_parse_format(value, &f, err);
	return berth_log_tag_check(value, err);
}

static void syslog_close(void *priv)
{
	struct syslog_drv *s = priv;

	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->tag);
	free(s);
}

static int configure(struct syslog_drv *s, const struct berth_log_info *info,
		     struct berth_error **err)
{
	const char *addr = berth_log_opt(info->log_config, "syslog-address");
	const char *fac = berth_log_opt(info->log_config, "syslog-facility");
	const char *fmt = berth_log_opt(info->log_config, "syslog-format");

	if (berth_syslog_parse_address(addr != NULL ? addr : "", &s->addr, err) < 0 ||
	    berth_syslog_parse_facility(fac != NULL ? fac : "", &s->facility, err) < 0 ||
	    berth_syslog_parse_format(fmt != NULL ? fmt : "", &s->format, err) < 0 ||
	    berth_log_tag(berth_log_opt(info->log_config, "tag"), info, &s->tag, err) < 0)
		return berth_error_ret(err);
	if (gethostname(s->host, sizeof(s->host) - 1) < 0)
		snprintf(s->host, sizeof(s->host), "localhost");
	s->fd = berth_syslog_connect(&s->addr, err);
	return s->fd < 0 ? s->fd : 0;
}

static int syslog_open(const struct berth_log_info *info, void **priv, struct berth_error **err)
{
	struct syslog_drv *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return berth_error_set(err, ENOMEM, "syslog: out of memory");
	s->fd = -1;
	if (configure(s, info, err) < 0) {
		syslog_close(s);
		return berth_error_ret(err);
	}
	*priv = s;
	return 0;
}

/* The message in one of the four forms, framed for the transport; its length. */
static size_t format_msg(struct syslog_drv *s, const struct berth_log_msg *m)
{
	int pri = s->facility * 8 + (m->stream == BERTH_LOG_STDERR ? 3 : 6);
	char stamp[64], body[MSG_MAX];
	size_t n;

	berth_syslog_stamp(s->format, &m->time, stamp, sizeof(stamp));
	if (s->format == BERTH_SYSLOG_FMT_LOCAL)
		n = (size_t)snprintf(body, sizeof(body), "<%d>%s %s[%d]: %.*s", pri, stamp, s->tag,
				     (int)getpid(), (int)m->len, m->text);
	else if (s->format == BERTH_SYSLOG_FMT_RFC3164)
		n = (size_t)snprintf(body, sizeof(body), "<%d>%s %s %s[%d]: %.*s", pri, stamp,
				     s->host, s->tag, (int)getpid(), (int)m->len, m->text);
	else
		n = (size_t)snprintf(body, sizeof(body), "<%d>1 %s %s %s %d %s - %.*s", pri, stamp,
				     s->host, s->tag, (int)getpid(), s->tag, (int)m->len, m->text);
	if (n >= sizeof(body))
		n = sizeof(body) - 1;
	if (s->addr.type == SOCK_DGRAM) {
		memcpy(s->msg, body, n);
		return n;
	}
	if (s->addr.proto == BERTH_SYSLOG_TCP && s->format >= BERTH_SYSLOG_FMT_RFC5424)
		return (size_t)snprintf(s->msg, sizeof(s->msg), "%zu %.*s", n, (int)n, body);
	return (size_t)snprintf(s->msg, sizeof(s->msg), "%.*s\n", (int)n, body);
}

static int syslog_emit(void *priv, const struct berth_log_msg *m, struct berth_error **err)
{
	struct syslog_drv *s = priv;
	size_t n = format_msg(s, m);
	int ret;

	/* A stream peer that went away: connect again, once. */
	if (s->addr.type == SOCK_STREAM && berth_syslog_peer_closed(s->fd))
		ret = -EPIPE;
	else
		ret = berth_syslog_send(s->fd, s->msg, n);
	if (ret == -EPIPE || ret == -ECONNRESET || ret == -ENOTCONN || ret == -ECONNREFUSED) {
		close(s->fd);
		s->fd = berth_syslog_connect(&s->addr, err);
		if (s->fd < 0)
			return berth_error_prefix(err, "syslog: reconnect");
		ret = berth_syslog_send(s->fd, s->msg, n);
	}
	if (ret < 0)
		return berth_error_set(err, -ret, "syslog: send to '%s': %s", s->addr.text,
				       ret == -EAGAIN ? "timed out" : strerror(-ret));
	return 0;
}

const struct berth_log_ops berth_log_syslog_ops = {
	.name = "syslog",
	.opts = opts,
	.check = check,
	.open = syslog_open,
	.emit = syslog_emit,
	.close = syslog_close,
};
