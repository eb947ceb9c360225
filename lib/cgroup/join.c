/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"

/* A new process joining the container's cgroup by itself (cgroup.h). */

void berth_cgroup_join_close(struct berth_cgroup_join *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; j->v1_tasks != NULL && i < j->n_v1; i++)
		if (j->v1_tasks[i] >= 0)
			close(j->v1_tasks[i]);
	free(j->v1_tasks);
	j->v1_tasks = NULL;
	j->n_v1 = 0;
	if (j->v2_dir >= 0)
		close(j->v2_dir);
	j->v2_dir = -1;
}

int berth_cgroup_join_open(struct berth_cgroup *cg, struct berth_cgroup_join *j,
			   struct berth_error **err)
{
	*j = (struct berth_cgroup_join){ .v2_dir = -1 };
	if (cg->n_v1 > 0 && (j->v1_tasks = calloc(cg->n_v1, sizeof(int))) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < cg->n_v1; i++) {
		if (berth_cg_open_dir(&cg->v1[i], err) < 0)
			goto fail;
		j->v1_tasks[j->n_v1] = openat(cg->v1[i].fd, "tasks", O_WRONLY | O_CLOEXEC);
		if (j->v1_tasks[j->n_v1] < 0) {
			berth_error_errno(err, "open '%s/tasks'", cg->v1[i].full);
			goto fail;
		}
		j->n_v1++;
	}
	if (cg->v2 != NULL) {
		if (berth_cg_open_dir(cg->v2, err) < 0)
			goto fail;
		j->v2_dir = fcntl(cg->v2->fd, F_DUPFD_CLOEXEC, 3);
		if (j->v2_dir < 0) {
			berth_error_errno(err, "dup cgroup fd");
			goto fail;
		}
	}
	return 0;
fail:
	berth_cgroup_join_close(j);
	return berth_error_ret(err);
}

int berth_cgroup_join_self(const struct berth_cgroup_join *j)
{
	for (size_t i = 0; i < j->n_v1; i++)
		if (write(j->v1_tasks[i], "0", 1) != 1)
			return errno ? -errno : -EIO;
	return 0;
}
