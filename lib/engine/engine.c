/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/userns.h"
#include "util/cleanup.h"

static int open_subdir(int rootfd, const char *name, struct berth_error **err)
{
	int fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT) /* made once: open it before trying mkdir */
		return fd >= 0 ? fd : berth_error_errno(err, "open %s", name);
	if (mkdirat(rootfd, name, 0700) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir %s", name);
	fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open %s", name);
	return fd;
}

int berth_engine_open(const char *root, const char *conf_path, struct berth_engine **out,
		      struct berth_error **err)
{
	struct berth_engine *e = calloc(1, sizeof(*e));
	const char *env = getenv("BERTH_CONFIG");
	struct stat st;

	if (e == NULL)
		return -ENOMEM;
	e->rootfd = e->ctrfd = e->namesfd = -1;
	berth_conf_defaults(&e->conf);
	e->conf_path = conf_path ? conf_path : env ? env : BERTH_CONF_DEFAULT_PATH;
	if (berth_conf_load(e->conf_path, &e->conf, err) < 0)
		goto fail;
	e->root = strdup(root);
	if (e->root == NULL || asprintf(&e->runtime, "%s/runtime", root) < 0) {
		e->runtime = NULL;
		berth_error_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	e->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (e->rootfd < 0 && errno == ENOENT) {
		if (mkdir(root, 0711) < 0 && errno != EEXIST) {
			berth_error_errno(err, "mkdir %s", root);
			goto fail;
		}
		e->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (e->rootfd < 0) {
		berth_error_errno(err, "open %s", root);
		goto fail;
	}
	/*
	 * A container's remapped root must reach its rootfs under containers/
	 * (itself open to that group only): the data root is searchable, not readable.
	 */
	if (fstat(e->rootfd, &st) == 0 && (st.st_mode & 0011) != 0011 &&
	    fchmod(e->rootfd, (st.st_mode & 07777) | 0011) < 0) {
		berth_error_errno(err, "chmod %s", root);
		goto fail;
	}
	if ((e->ctrfd = open_subdir(e->rootfd, "containers", err)) < 0 ||
	    (e->namesfd = open_subdir(e->rootfd, "names", err)) < 0)
		goto fail;
	*out = e;
	return 0;
fail:
	berth_engine_free(e);
	return berth_error_ret(err);
}

void berth_engine_add_monitor(struct berth_engine *e, pid_t pid)
{
	if (e->n_monitors == BERTH_ENGINE_MONITORS_MAX) {
		memmove(e->monitors, e->monitors + 1,
			(BERTH_ENGINE_MONITORS_MAX - 1) * sizeof(pid_t));
		e->n_monitors--;
	}
	e->monitors[e->n_monitors++] = pid;
}

void berth_engine_reap_monitors(struct berth_engine *e)
{
	size_t kept = 0;

	for (size_t i = 0; i < e->n_monitors; i++) {
		pid_t r = waitpid(e->monitors[i], NULL, WNOHANG);

		if (r == 0 || (r < 0 && errno == EINTR))
			e->monitors[kept++] = e->monitors[i];
	}
	e->n_monitors = kept;
}

void berth_engine_free(struct berth_engine *e)
{
	if (e == NULL)
		return;
	berth_engine_reap_monitors(e);
	berth_userns_reap();
	berth_closep(&e->rootfd);
	berth_closep(&e->ctrfd);
	berth_closep(&e->namesfd);
	berth_conf_release(&e->conf);
	free(e->root);
	free(e->runtime);
	free(e);
}
