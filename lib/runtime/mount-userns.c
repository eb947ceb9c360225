/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/mount-util.h"
#include "util/cleanup.h"

/*
 * User namespaces that exist only to carry an idmapping for
 * MOUNT_ATTR_IDMAP: the kernel takes the mapping from a namespace fd.
 */

static int write_map(pid_t pid, const char *file, const struct berth_id_map *m, size_t n)
{
	cleanup_free char *buf = NULL;
	char path[64];
	size_t len = 0;
	int fd, ret;

	buf = malloc(n * 40 + 1);
	if (buf == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, 41, "%u %u %u\n", m[i].container_id,
					m[i].host_id, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write(fd, buf, len) == (ssize_t)len ? 0 : -errno;
	close(fd);
	return ret;
}

/*
 * A child that unshares a user namespace and waits: we write its maps and
 * keep a fd of its namespace, which outlives the child.
 */
static int make_userns(const struct berth_id_map *uids, size_t n_uids,
		       const struct berth_id_map *gids, size_t n_gids, int *out)
{
	int ready[2], hold[2], ret;
	char path[64], c = 0;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(hold, O_CLOEXEC) < 0) {
		ret = -errno;
		close(ready[0]);
		close(ready[1]);
		return ret;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		c = unshare(CLONE_NEWUSER) == 0;
		if (write(ready[1], &c, 1) == 1)
			(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	ret = pid < 0 ? -errno : 0;
	if (ret == 0 && (read(ready[0], &c, 1) != 1 || c != 1))
		ret = -EPERM;
	if (ret == 0)
		ret = write_map(pid, "uid_map", uids, n_uids);
	if (ret == 0)
		ret = write_map(pid, "gid_map", gids, n_gids);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (ret == 0 && (*out = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		ret = -errno;
	close(ready[0]);
	close(hold[1]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return ret;
}

int berth_mnt_userns_fd(const struct berth_id_map *uids, size_t n_uids,
			const struct berth_id_map *gids, size_t n_gids, struct berth_error **err)
{
	int fd = -1, ret;

	ret = make_userns(uids, n_uids, gids, n_gids, &fd);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "user namespace for an idmapped mount");
	}
	return fd;
}
