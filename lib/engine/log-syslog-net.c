/* SPDX-License-Identifier: Apache-2.0 */
/* The syslog driver's option parsers, timestamps and sockets. */
#define _GNU_SOURCE
#include "engine/log-syslog.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/log-internal.h"
#include "util/cleanup.h"

static const char *const facilities[24] = {
	"kern",	  "user",   "mail",	"daemon", "auth",   "syslog", "lpr",	"news",
	"uucp",	  "cron",   "authpriv", "ftp",	  NULL,	    NULL,     NULL,	NULL,
	"local0", "local1", "local2",	"local3", "local4", "local5", "local6", "local7",
};

int berth_syslog_parse_facility(const char *s, int *out, struct berth_error **err)
{
	char *end;
	long v;

	if (*s == '\0') {
		*out = 3; /* daemon */
		return 0;
	}
	for (int i = 0; i < 24; i++) {
		if (facilities[i] != NULL && strcmp(facilities[i], s) == 0) {
			*out = i;
			return 0;
		}
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (isdigit((unsigned char)*s) && *end == '\0' && errno == 0 && v >= 0 && v <= 23) {
		*out = (int)v;
		return 0;
	}
	return berth_error_set(err, EINVAL,
			       "syslog-facility: invalid value \"%s\" (kern, user, mail, daemon, "
			       "auth, syslog, lpr, news, uucp, cron, authpriv, ftp, local0-local7)",
			       s);
}

int berth_syslog_parse_format(const char *s, enum berth_syslog_format *out,
			      struct berth_error **err)
{
	static const char *const names[] = { "", "rfc3164", "rfc5424", "rfc5424micro" };

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(names); i++) {
		if (strcmp(names[i], s) == 0) {
			*out = (enum berth_syslog_format)i;
			return 0;
		}
	}
	return berth_error_set(err, EINVAL,
			       "syslog-format: invalid value \"%s\" (rfc3164, rfc5424, "
			       "rfc5424micro)",
			       s);
}

/* "host", "host:port", "[v6]", "[v6]:port" */
static int parse_hostport(const char *s, struct berth_syslog_addr *a)
{
	const char *port = NULL, *end;
	size_t hlen;

	if (*s == '[') {
		end = strchr(s, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return -1;
		hlen = (size_t)(end - s - 1);
		s++;
		port = end[1] == ':' ? end + 2 : NULL;
	} else {
		end = strchr(s, ':');
		hlen = end != NULL ? (size_t)(end - s) : strlen(s);
		port = end != NULL ? end + 1 : NULL;
		if (port != NULL && strchr(port, ':') != NULL)
			return -1;
	}
	if (hlen == 0 || hlen >= sizeof(a->host) || strcspn(s, "/?#@ ") < hlen)
		return -1;
	memcpy(a->host, s, hlen);
	a->host[hlen] = '\0';
	if (port == NULL)
		port = "514";
	if (*port == '\0' || strlen(port) > 5 || strspn(port, "0123456789") != strlen(port) ||
	    atol(port) < 1 || atol(port) > 65535)
		return -1;
	snprintf(a->port, sizeof(a->port), "%s", port);
	return 0;
}

int berth_syslog_parse_address(const char *s, struct berth_syslog_addr *out,
			       struct berth_error **err)
{
	struct berth_syslog_addr a = { .proto = BERTH_SYSLOG_UNIX };
	const char *rest;
	int bad = 0;

	snprintf(a.text, sizeof(a.text), "%s", *s != '\0' ? s : "unix:///dev/log");
	if (*s == '\0' || strncmp(s, "unix://", 7) == 0 || strncmp(s, "unixgram://", 11) == 0) {
		rest = *s == '\0' ? "/dev/log" : strstr(s, "://") + 3;
		a.type = strncmp(s, "unixgram", 8) == 0 ? SOCK_DGRAM : 0;
		bad = *rest != '/' || strlen(rest) >= sizeof(a.path);
		snprintf(a.path, sizeof(a.path), "%s", rest);
	} else if (strncmp(s, "udp://", 6) == 0 || strncmp(s, "tcp://", 6) == 0) {
		a.proto = s[0] == 'u' ? BERTH_SYSLOG_UDP : BERTH_SYSLOG_TCP;
		a.type = s[0] == 'u' ? SOCK_DGRAM : SOCK_STREAM;
		bad = parse_hostport(s + 6, &a) < 0;
	} else if (strncmp(s, "tcp+tls://", 10) == 0) {
		return berth_error_set(err, EINVAL,
				       "syslog-address: \"%s\": TLS (tcp+tls) is not supported", s);
	} else {
		bad = 1;
	}
	if (bad)
		return berth_error_set(err, EINVAL,
				       "syslog-address: invalid value \"%s\" (udp://host:port, "
				       "tcp://host:port, unix:///path)",
				       s);
	*out = a;
	return 0;
}

void berth_syslog_stamp(enum berth_syslog_format format, const struct timespec *t, char *buf,
			size_t size)
{
	time_t sec = t->tv_sec;
	struct tm tm;
	size_t n;
	long off;

	localtime_r(&sec, &tm);
	if (format < BERTH_SYSLOG_FMT_RFC5424) {
		strftime(buf, size, "%b %e %H:%M:%S", &tm);
		return;
	}
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (format == BERTH_SYSLOG_FMT_RFC5424MICRO)
		n += (size_t)snprintf(buf + n, size - n, ".%06ld", t->tv_nsec / 1000);
	off = tm.tm_gmtoff;
	if (off == 0)
		snprintf(buf + n, size - n, "Z");
	else
		snprintf(buf + n, size - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
			 labs(off) % 3600 / 60);
}

/* Connect within the send timeout; the socket ends blocking, with SO_SNDTIMEO. */
static int connect_fd(int family, int type, const struct sockaddr *sa, socklen_t len)
{
	struct timeval tv = { .tv_sec = BERTH_LOG_SEND_TIMEOUT_MS / 1000 };
	cleanup_close int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (fd < 0)
		return -errno;
	if (connect(fd, sa, len) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		if (poll(&p, 1, BERTH_LOG_SEND_TIMEOUT_MS) == 0)
			return -ETIMEDOUT;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0)
			return soerr != 0 ? -soerr : -errno;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return steal_fd(&fd);
}

static int connect_unix(struct berth_syslog_addr *a)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = -EPROTOTYPE;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", a->path);
	if (a->type != SOCK_STREAM)
		fd = connect_fd(AF_UNIX, SOCK_DGRAM, (struct sockaddr *)&sun, sizeof(sun));
	if (fd == -EPROTOTYPE && a->type != SOCK_DGRAM) {
		fd = connect_fd(AF_UNIX, SOCK_STREAM, (struct sockaddr *)&sun, sizeof(sun));
		if (fd >= 0)
			a->type = SOCK_STREAM;
	} else if (fd >= 0) {
		a->type = SOCK_DGRAM;
	}
	return fd;
}

static int connect_inet(const struct berth_syslog_addr *a)
{
	struct addrinfo hints = { .ai_socktype = a->type, .ai_flags = AI_NUMERICSERV }, *res, *r;
	int fd = -EHOSTUNREACH;

	if (getaddrinfo(a->host, a->port, &hints, &res) != 0)
		return -EHOSTUNREACH;
	for (r = res; r != NULL; r = r->ai_next) {
		fd = connect_fd(r->ai_family, r->ai_socktype, r->ai_addr, r->ai_addrlen);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	return fd;
}

int berth_syslog_connect(struct berth_syslog_addr *a, struct berth_error **err)
{
	int fd = a->proto == BERTH_SYSLOG_UNIX ? connect_unix(a) : connect_inet(a);

	if (fd == -EHOSTUNREACH && a->proto != BERTH_SYSLOG_UNIX)
		return berth_error_set(err, EHOSTUNREACH, "syslog: cannot resolve '%s'", a->host);
	if (fd < 0)
		return berth_error_set(err, -fd, "syslog: connect to '%s': %s", a->text,
				       strerror(-fd));
	return fd;
}

int berth_syslog_send(int fd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		off += (size_t)n;
	}
	return 0;
}

bool berth_syslog_peer_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	char c;

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR | POLLRDHUP))
		return true;
	return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}
