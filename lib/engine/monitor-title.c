/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "engine/monitor.h"

/*
 * A monitor forked from `berth` (start.c) would show the client's command
 * line (`berth run --rm ...`) in ps and /proc/PID/cmdline until it re-executes
 * as the idle image, and that is the only way to tell a monitor from a client.
 * Its name goes in comm, and the command line berth-monitor would have
 * ("berth-monitor --root ROOT ID", cut to fit) over the argument strings the
 * kernel reports: the area between arg_start and arg_end of /proc/self/stat,
 * our own copy of the client's stack.  Nothing else reads those strings in
 * the monitor (start.c copied what it needs first).
 */

/* Fields 48 and 49 of /proc/self/stat (after the comm's closing parenthesis). */
static int arg_area(unsigned long *start, unsigned long *end)
{
	char buf[1024], *p;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	/* p + 2 is field 3 */
	p += 2;
	for (int field = 3; field < 48 && p != NULL; field++)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	if (p == NULL || sscanf(p, "%lu %lu", start, end) != 2 || *end <= *start)
		return -1;
	return 0;
}

void berth_monitor_set_title(const char *root, const char *id)
{
	char title[512];
	unsigned long start, end;
	size_t len = 0, room;
	const char *parts[] = { "berth-monitor", "--root", root, id };

	prctl(PR_SET_NAME, "berth-monitor");
	if (arg_area(&start, &end) < 0)
		return;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t n = strlen(parts[i]) + 1;

		if (len + n > sizeof(title))
			break;
		memcpy(title + len, parts[i], n);
		len += n;
	}
	/* the last byte stays NUL, or the kernel reads on into the environment (setproctitle) */
	room = end - start;
	if (len > room - 1)
		len = room - 1;
	memcpy((char *)start, title, len);
	memset((char *)start + len, 0, room - len);
}
