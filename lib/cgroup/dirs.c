/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Making and removing cgroup directories in one hierarchy. */

/* v1 cpuset refuses tasks while cpus/mems are empty, and new directories start empty. */
static int copy_cpuset(int parent, int child, const char *name, struct berth_error **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(files); i++) {
		cleanup_free char *val = NULL;
		int ret;

		if (berth_read_file_at(parent, files[i], 4096, &val, NULL, err) < 0)
			return berth_error_prefix(err, "cpuset parent of '%s'", name);
		if (*val == '\n' || *val == '\0')
			continue;
		ret = berth_write_file_at(child, files[i], val, strlen(val));
		if (ret < 0) {
			errno = -ret;
			return berth_error_errno(err, "write '%s/%s'", name, files[i]);
		}
	}
	return 0;
}

/* The first line of @name in @dirfd (NULL when unreadable). */
static char *read_line(int dirfd, const char *name)
{
	struct berth_error *err = NULL;
	char *text = NULL;

	if (berth_read_file_at(dirfd, name, 4096, &text, NULL, &err) < 0) {
		berth_error_free(err);
		return NULL;
	}
	text[strcspn(text, "\n")] = '\0';
	return text;
}

/*
 * Delegate every controller the parent has to its children.  Only those not
 * delegated yet: a write, even one that changes nothing, first waits for the
 * parent's dying children (the last run's cgroup) to be released.  One write
 * first (atomic on the kernel); if one controller is refused, each on its own
 * so the others still get enabled.  A controller that stays off shows up later
 * as a missing knob, with the JSON field named.
 */
static void enable_controllers(int dirfd)
{
	cleanup_free char *ctrls = read_line(dirfd, "cgroup.controllers");
	cleanup_free char *on = NULL;
	cleanup_free char *all = NULL;
	char *w;

	if (ctrls == NULL || *ctrls == '\0' || (all = calloc(1, 2 * strlen(ctrls) + 2)) == NULL)
		return;
	on = read_line(dirfd, "cgroup.subtree_control");
	w = all;
	for (char *p = ctrls; *p; p += strcspn(p, " ") + (p[strcspn(p, " ")] == ' ')) {
		size_t len = strcspn(p, " ");

		if (on == NULL || !berth_cg_list_has(on, ' ', p, len))
			w += snprintf(w, len + 3, "%s+%.*s", w == all ? "" : " ", (int)len, p);
	}
	if (w == all || berth_write_file_at(dirfd, "cgroup.subtree_control", all, strlen(all)) == 0)
		return;
	for (char *p = all; *p; p += strcspn(p, " ") + (p[strcspn(p, " ")] == ' '))
		berth_write_file_at(dirfd, "cgroup.subtree_control", p, strcspn(p, " "));
}

static int step(int *cur, const char *name, bool v2, bool cpuset, struct berth_error **err)
{
	bool created = false;
	int next;

	if (v2)
		enable_controllers(*cur);
	if (mkdirat(*cur, name, 0755) == 0)
		created = true;
	else if (errno != EEXIST)
		return berth_error_errno(err, "mkdir cgroup '%s'", name);
	next = openat(*cur, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (next < 0)
		return berth_error_errno(err, "open cgroup '%s'", name);
	if (created && cpuset && copy_cpuset(*cur, next, name, err) < 0) {
		close(next);
		return berth_error_ret(err);
	}
	close(*cur);
	*cur = next;
	return 0;
}

/*
 * v1, the usual case: the parent ("/berth") exists, so open it and make only
 * the last directory, as step() would (no cpuset copy for an existing parent).
 * 1 when done, 0 to walk from the mount point instead.
 */
static int mkdir_in_parent(struct berth_cg_dir *d, bool v1_cpuset, struct berth_error **err)
{
	const char *slash = strrchr(d->full, '/');
	cleanup_free char *parent = NULL;
	cleanup_close int cur = -1;
	size_t mlen = strlen(d->mount);

	if (*d->ctrls == '\0' || slash == NULL || (size_t)(slash - d->full) <= mlen ||
	    slash[1] == '\0')
		return 0;
	parent = strndup(d->full, (size_t)(slash - d->full));
	if (parent == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	cur = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return 0;
	if (step(&cur, slash + 1, false, v1_cpuset, err) < 0)
		return berth_error_prefix(err, "%s", d->full);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = steal_fd(&cur);
	return 1;
}

int berth_cg_mkdir(struct berth_cg_dir *d, bool v1_cpuset, struct berth_error **err)
{
	cleanup_close int cur = -1;
	const char *p = d->path;
	int ret;

	if ((ret = mkdir_in_parent(d, v1_cpuset, err)) != 0)
		return ret < 0 ? ret : 0;
	cur = open(d->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return berth_error_errno(err, "open cgroup root '%s'", d->mount);
	while (*(p += strspn(p, "/"))) {
		size_t len = strcspn(p, "/");
		cleanup_free char *name = strndup(p, len);

		if (name == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (step(&cur, name, *d->ctrls == '\0', v1_cpuset, err) < 0)
			return berth_error_prefix(err, "%s", d->full);
		p += len;
	}
	if (d->fd >= 0)
		close(d->fd);
	d->fd = steal_fd(&cur);
	return 0;
}

int berth_cg_open_dir(struct berth_cg_dir *d, struct berth_error **err)
{
	if (d->fd >= 0)
		return 0;
	d->fd = open(d->full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return berth_error_errno(err, "open cgroup '%s'", d->full);
	return 0;
}

/* rmdir, retrying EBUSY (processes still exiting) for about a second. */
static int rmdir_retry(int dirfd, const char *name)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 100; i++) {
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		nanosleep(&ts, NULL);
	}
	return -EBUSY;
}

/*
 * Remove @name below @dirfd with its sub-cgroups; cgroupfs files go with their
 * directory.  The usual cgroup has no sub-cgroup and no task left: one rmdir
 * does it, and the directory is only read when that fails.
 */
static int remove_tree(int parent, const char *name, int depth)
{
	int fd;
	DIR *dir;
	struct dirent *e;
	int ret = 0;

	if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return -errno;
	}
	while (depth < 64 && ret == 0 && (e = readdir(dir)) != NULL)
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			ret = remove_tree(dirfd(dir), e->d_name, depth + 1);
	closedir(dir);
	return ret < 0 ? ret : rmdir_retry(parent, name);
}

int berth_cg_rmdir(struct berth_cg_dir *d, struct berth_error **err)
{
	cleanup_free char *parent = NULL;
	cleanup_close int pfd = -1;
	char *slash;
	int ret;

	if (d->full == NULL) /* path never resolved: nothing was made */
		return 0;
	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	/* No sub-cgroup and no task left (the usual case): gone in one step. */
	if (unlinkat(AT_FDCWD, d->full, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if ((parent = strdup(d->full)) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	slash = strrchr(parent, '/');
	*slash = '\0';
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? 0 : berth_error_errno(err, "open '%s'", parent);
	ret = remove_tree(pfd, slash + 1, 0);
	if (ret < 0)
		return berth_error_set(err, -ret, "remove cgroup '%s': %s", d->full,
				       strerror(-ret));
	return 0;
}
