/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Overlay diffs hold only what a layer changed, yet a layer tar may omit the
 * parent directories of its entries.  A parent created implicitly in the diff
 * would then cover the lower layers' directory with 0755 root:root in the
 * merged view (a 1777 /tmp would lose its sticky bit), so it inherits owner,
 * mode and times from the topmost lower layer that has it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/extract-internal.h"
#include "util/cleanup.h"

/* 1 and *st when @path is in the lower @dirfd, 0 when absent, -1 when hidden by a non-dir. */
static int stat_in(int dirfd, const char *path, struct stat *st)
{
	cleanup_free char *copy = strdup(path);
	cleanup_close int fd = -1;
	char *comp, *slash;
	int next;

	if (copy == NULL)
		return -1;
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	for (comp = copy; fd >= 0 && (slash = strchr(comp, '/')) != NULL; comp = slash + 1) {
		*slash = '\0';
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return errno == ENOENT ? 0 : -1;
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return -1;
	if (fstatat(fd, comp, st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	return 1;
}

int extract_implicit_dir(struct extract *x, int parent, const char *name, const char *path,
			 struct berth_error **err)
{
	struct timespec t[2];
	struct stat st;
	int found = 0;

	for (size_t i = 0; i < x->opts->nlowers && found == 0; i++)
		found = stat_in(x->opts->lowers[i], path, &st);
	if (found <= 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (x->opts->chown && fchownat(parent, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_errno(err, "layer %s: chown '%s'", x->layer, path);
	if (fchmodat(parent, name, st.st_mode & 07777, 0) < 0)
		return berth_error_errno(err, "layer %s: chmod '%s'", x->layer, path);
	t[0] = st.st_atim;
	t[1] = st.st_mtim;
	return extract_defer_times(x, path, t, err);
}
