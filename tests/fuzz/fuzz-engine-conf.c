/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: berth_conf_load (lib/engine/conf.c), /etc/berth/berth.conf
 * read over berth's defaults.  The input is the file, given through a memfd.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A list stays NULL-terminated and every value is NAME=VALUE. */
static void check_list(char *const *list)
{
	size_t n = 0;

	while (n < BERTH_CONF_MAX_LIST && list[n] != NULL) {
		if (strchr(list[n], '=') == NULL)
			abort();
		n++;
	}
	if (n == BERTH_CONF_MAX_LIST)
		abort();
	for (; n < BERTH_CONF_MAX_LIST; n++)
		if (list[n] != NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct berth_engine_conf c;
	struct berth_error *err = NULL;
	char path[64];
	int ret;

	if (fd < 0 && (fd = memfd_create("fuzz-engine-conf", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	berth_conf_defaults(&c);
	ret = berth_conf_load(path, &c, &err);
	if ((ret < 0) != (err != NULL) ||
	    (err != NULL &&
	     (ret != -err->code || err->msg == NULL || strncmp(err->msg, path, strlen(path)) != 0)))
		abort();
	if (ret == 0 &&
	    (c.memory < 0 || c.pids_limit < 0 ||
	     (c.cpu_shares != 0 && (c.cpu_shares < 2 || c.cpu_shares > 262144)) ||
	     c.log_driver == NULL || c.cgroup_parent == NULL || strstr(c.cgroup_parent, "..") ||
	     (c.seccomp_profile != NULL && c.seccomp_profile[0] != '/')))
		abort();
	check_list(c.ulimits);
	check_list(c.log_opts);
	berth_conf_release(&c);
	berth_error_free(err);
	return 0;
}
