/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct wire {
	uint32_t type;
	int32_t value;
	char text[8192];
};

int berth_sync_pair(int fds[2], struct berth_error **err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return berth_error_errno(err, "socketpair");
	return 0;
}

int berth_sync_send(int sock, uint32_t type, int32_t value, int fd, const char *text)
{
	struct wire w = { .type = type, .value = value };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &w, .iov_len = sizeof(w) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (text != NULL)
		snprintf(w.text, sizeof(w.text), "%s", text);
	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int berth_sync_recv(int sock, struct berth_sync_msg *msg)
{
	struct wire w;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &w, .iov_len = sizeof(w) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n != sizeof(w))
		return -EPROTO;
	msg->type = w.type;
	msg->value = w.value;
	memcpy(msg->text, w.text, sizeof(msg->text));
	msg->text[sizeof(msg->text) - 1] = '\0';
	msg->fd = -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&msg->fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

void berth_sync_send_error(int sock, struct berth_error *err)
{
	berth_sync_send(sock, BERTH_SYNC_ERROR, err ? err->code : EIO, -1,
			err ? err->msg : "unknown error");
	berth_error_free(err);
}

int berth_sync_expect(int sock, uint32_t type, struct berth_sync_msg *msg, struct berth_error **err)
{
	int ret = berth_sync_recv(sock, msg);

	if (ret == -EPIPE)
		return berth_error_set(err, ECHILD, "container init exited unexpectedly");
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "read from container init");
	}
	if (msg->type == BERTH_SYNC_ERROR) {
		if (msg->fd >= 0)
			close(msg->fd);
		return berth_error_set(err, msg->value > 0 ? msg->value : EIO, "%s", msg->text);
	}
	if (msg->type != type) {
		if (msg->fd >= 0)
			close(msg->fd);
		return berth_error_set(err, EPROTO, "container init: unexpected message %u",
				       msg->type);
	}
	return 0;
}
