/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "util/cleanup.h"

/* The client side of the attach protocol: connecting, sending, requests. */

int berth_attach_pair(int fds[2], struct berth_error **err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return berth_error_errno(err, "attach socket pair");
	return 0;
}

int berth_attach_dir(struct berth_engine *e, bool create, struct berth_error **err)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/.attach", e->runtime);
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir '%s'", path);
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open '%s'", path);
	return fd;
}

void berth_attach_unlink(struct berth_engine *e, const char *id)
{
	cleanup_close int dfd = berth_attach_dir(e, false, NULL);

	if (dfd >= 0)
		unlinkat(dfd, id, 0);
}

int berth_attach_connect(struct berth_engine *e, const char *id, struct berth_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_close int dfd = -1;
	cleanup_close int sock = -1;

	dfd = berth_attach_dir(e, false, err);
	if (dfd < 0) {
		if (berth_error_ret(err) != -ENOENT)
			return berth_error_ret(err);
		berth_error_clear(err);
		return berth_error_set(err, ENOTCONN, "container %.12s is not running", id);
	}
	/* Through the directory fd: the data root's path may exceed sun_path. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, id);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return berth_error_errno(err, "attach socket");
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			return berth_error_set(err, ENOTCONN, "container %.12s is not running", id);
		return berth_error_errno(err, "connect to the monitor of %.12s", id);
	}
	return steal_fd(&sock);
}

int berth_attach_send(int sock, uint8_t type, const void *buf, size_t len, struct berth_error **err)
{
	char msg[BERTH_ATTACH_MAX_MSG];
	ssize_t n;

	if (len > BERTH_ATTACH_MAX_DATA)
		return berth_error_set(err, EMSGSIZE, "attach message of %zu bytes", len);
	msg[0] = (char)type;
	if (len > 0)
		memcpy(msg + 1, buf, len);
	do
		n = send(sock, msg, len + 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_errno(err, "send to the monitor");
	return 0;
}

/* Wait for the REPLY to a request, skipping any other message. */
static int read_reply(int sock, struct berth_error **err)
{
	char msg[BERTH_ATTACH_MAX_MSG + 1];
	int32_t code;
	ssize_t n;

	for (;;) {
		n = recv(sock, msg, sizeof(msg) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_errno(err, "read the monitor's reply");
		if (n == 0)
			return berth_error_set(err, EPIPE, "the monitor went away without a reply");
		if (msg[0] != BERTH_ATTACH_REPLY || (size_t)n < 1 + sizeof(code))
			continue;
		memcpy(&code, msg + 1, sizeof(code));
		if (code == 0)
			return 0;
		msg[n] = '\0';
		return berth_error_set(err, code > 0 ? code : EIO, "%s", msg + 1 + sizeof(code));
	}
}

int berth_attach_request(struct berth_engine *e, const char *id, uint8_t type, int32_t arg,
			 struct berth_error **err)
{
	cleanup_close int sock = berth_attach_connect(e, id, err);
	int ret;

	if (sock < 0)
		return sock;
	ret = berth_attach_send(sock, type, &arg, sizeof(arg), err);
	if (ret < 0)
		return ret;
	return read_reply(sock, err);
}
