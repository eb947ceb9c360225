/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/loopback.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Up through @fd, a socket of the namespace in question. */
static int up_via(int fd, struct berth_error **err)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return berth_error_errno(err, "loopback: get flags");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return berth_error_errno(err, "loopback: bring up");
	return 0;
}

int berth_loopback_up_in(pid_t pid, struct berth_error **err)
{
	cleanup_close int own = -1;
	cleanup_close int target = -1;
	cleanup_close int sock = -1;
	char path[64];

	own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (own < 0)
		return berth_error_errno(err, "loopback: open our network namespace");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return berth_error_errno(err, "loopback: open '%s'", path);
	if (setns(target, CLONE_NEWNET) < 0)
		return berth_error_errno(err, "loopback: enter the container's network namespace");
	/* A socket belongs to the namespace it was made in, wherever the thread goes next. */
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		int e = errno;

		if (setns(own, CLONE_NEWNET) < 0)
			abort(); /* never run on in the container's namespace */
		errno = e;
		return berth_error_errno(err, "loopback: socket");
	}
	if (setns(own, CLONE_NEWNET) < 0)
		abort();
	return up_via(sock, err);
}
