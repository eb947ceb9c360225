/* SPDX-License-Identifier: Apache-2.0 */
/* Log drivers that send: syslog (UDP, TCP framing, reconnect) and journald, to local sockets. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/log.h"
#include "unit.h"
#include "util/json.h"

#define ID "0123456789abcdef0123456789abcdef"

static int bound(int type, int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	if (type == SOCK_STREAM)
		CHECK(listen(fd, 4) == 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

__attribute__((format(printf, 1, 2))) static struct berth_log *open_with(const char *fmt, ...)
{
	va_list ap;
	struct berth_log_info info = {
		.id = ID, .name = "web", .image_name = "busybox", .dir = "/"
	};
	struct berth_error *err = NULL;
	struct berth_log *l = NULL;
	char config[512];

	va_start(ap, fmt);
	vsnprintf(config, sizeof(config), fmt, ap);
	va_end(ap);
	CHECK_OK(berth_json_parse(config, strlen(config), &info.log_config, &err), &err);
	CHECK_OK(berth_log_open(&info, &l, &err), &err);
	json_object_put(info.log_config);
	return l;
}

static void put(struct berth_log *l, enum berth_log_stream s, const char *text)
{
	struct berth_error *err = NULL;

	CHECK_OK(berth_log_write(l, s, text, strlen(text), &err), &err);
}

static size_t recv_some(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	CHECK(poll(&p, 1, 5000) == 1);
	n = recv(fd, buf, size - 1, 0);
	CHECK(n >= 0);
	buf[n] = '\0';
	return (size_t)n;
}

BERTH_TEST(log_syslog_udp_rfc5424_and_default_forms)
{
	char buf[4096], host[256] = "", want[512];
	int port, fd = bound(SOCK_DGRAM, &port);
	struct berth_log *l = open_with("{\"Type\":\"syslog\",\"Config\":{\"syslog-address\":"
					"\"udp://127.0.0.1:%d\",\"syslog-format\":\"rfc5424\","
					"\"syslog-facility\":\"local3\",\"tag\":\"t-{{.Name}}\"}}",
					port);

	gethostname(host, sizeof(host) - 1);
	put(l, BERTH_LOG_STDERR, "bad thing\n");
	recv_some(fd, buf, sizeof(buf));
	/* local3 (19) * 8 + err (3) */
	CHECK(strncmp(buf, "<155>1 20", 9) == 0);
	snprintf(want, sizeof(want), " %s t-web %d t-web - bad thing", host, (int)getpid());
	if (strstr(buf, want) == NULL || strcmp(buf + strlen(buf) - strlen(want), want) != 0)
		FAIL("\"%s\" does not end with \"%s\"", buf, want);
	berth_log_close(l);

	l = open_with("{\"Type\":\"syslog\",\"Config\":{\"syslog-address\":\"udp://"
		      "localhost:%d\"}}",
		      port);
	put(l, BERTH_LOG_STDOUT, "hello\n");
	recv_some(fd, buf, sizeof(buf));
	/* daemon (3) * 8 + info (6); "Jan _2 15:04:05 " is 16 characters */
	CHECK(strncmp(buf, "<30>", 4) == 0);
	snprintf(want, sizeof(want), " 0123456789ab[%d]: hello", (int)getpid());
	CHECK_STR(buf + 4 + 15, want);
	berth_log_close(l);
	close(fd);
}

BERTH_TEST(log_syslog_tcp_framing_and_reconnect)
{
	char buf[4096];
	int port, lfd = bound(SOCK_STREAM, &port), c;
	struct berth_log *l = open_with("{\"Type\":\"syslog\",\"Config\":{\"syslog-address\":"
					"\"tcp://127.0.0.1:%d\",\"syslog-format\":\"rfc5424\"}}",
					port);
	struct berth_error *err = NULL;
	size_t n;

	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(c >= 0);
	put(l, BERTH_LOG_STDOUT, "one\n");
	n = recv_some(c, buf, sizeof(buf));
	/* octet counting: "LEN <30>1 ..." */
	CHECK_INT(strtoul(buf, NULL, 10), ==, n - (size_t)(strchr(buf, ' ') + 1 - buf));
	CHECK(strstr(buf, " <30>1 ") == strchr(buf, ' '));
	CHECK(strcmp(buf + n - 6, " - one") == 0);
	close(c);
	usleep(50000);
	put(l, BERTH_LOG_STDOUT, "two\n");
	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(c >= 0);
	n = recv_some(c, buf, sizeof(buf));
	CHECK(strcmp(buf + n - 6, " - two") == 0);
	berth_log_close(l);
	close(c);
	/* rfc3164 over TCP: newline framing */
	l = open_with("{\"Type\":\"syslog\",\"Config\":{\"syslog-address\":\"tcp://127.0.0.1:%d\","
		      "\"syslog-format\":\"rfc3164\"}}",
		      port);
	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	put(l, BERTH_LOG_STDOUT, "three");
	CHECK_OK(berth_log_flush(l, &err), &err);
	n = recv_some(c, buf, sizeof(buf));
	CHECK(strncmp(buf, "<30>", 4) == 0);
	CHECK(strcmp(buf + n - 8, ": three\n") == 0);
	berth_log_close(l);
	close(c);
	close(lfd);
}

BERTH_TEST(log_journald_fields)
{
	char dir[] = "/tmp/berth-journal-XXXXXX", path[100], buf[65536];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct berth_log *l;
	size_t n;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/socket", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	CHECK(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	setenv("BERTH_JOURNAL_SOCKET", path, 1);
	l = open_with("{\"Type\":\"journald\",\"Config\":{\"tag\":\"{{.Name}}-%d\"}}", 7);
	put(l, BERTH_LOG_STDERR, "to the journal\n");
	n = recv_some(fd, buf, sizeof(buf));
	CHECK_INT(buf[n - 1], ==, '\n');
	CHECK(strstr(buf, "MESSAGE=to the journal\n") == buf);
	CHECK(strstr(buf, "\nPRIORITY=3\n") != NULL);
	CHECK(strstr(buf, "\nCONTAINER_ID=0123456789ab\n") != NULL);
	CHECK(strstr(buf, "\nCONTAINER_ID_FULL=" ID "\n") != NULL);
	CHECK(strstr(buf, "\nCONTAINER_NAME=web\n") != NULL);
	CHECK(strstr(buf, "\nCONTAINER_TAG=web-7\n") != NULL);
	CHECK(strstr(buf, "\nSYSLOG_IDENTIFIER=web-7\n") != NULL);
	CHECK(strstr(buf, "\nIMAGE_NAME=busybox\n") != NULL);
	CHECK(strstr(buf, "PARTIAL") == NULL);
	berth_log_close(l);
	close(fd);
	unlink(path);
	rmdir(dir);
}
