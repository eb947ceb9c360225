/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/copy-tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

#define MAX_DEPTH 64

static int copy_data(int in, int out, off_t size)
{
	while (size > 0) {
		ssize_t n = sendfile(out, in, NULL, (size_t)size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		size -= n;
	}
	return 0;
}

static int copy_file(int src, int dst, const char *name, const struct stat *st)
{
	cleanup_close int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int out = -1;

	if (in < 0)
		return -errno;
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     st->st_mode & 07777);
	if (out < 0)
		return -errno;
	return copy_data(in, out, st->st_size);
}

static int copy_link(int src, int dst, const char *name)
{
	char target[4096];
	ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	target[n] = '\0';
	return symlinkat(target, dst, name) < 0 ? -errno : 0;
}

static int copy_dir(int src, int dst, int depth);

static int copy_entry(int src, int dst, const char *name, int depth)
{
	struct stat st;
	struct timespec times[2];
	int ret;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		cleanup_close int s = -1;
		cleanup_close int d = -1;

		if (mkdirat(dst, name, st.st_mode & 07777) < 0 && errno != EEXIST)
			return -errno;
		s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return -errno;
		ret = copy_dir(s, d, depth + 1);
	} else if (S_ISREG(st.st_mode)) {
		ret = copy_file(src, dst, name, &st);
	} else if (S_ISLNK(st.st_mode)) {
		ret = copy_link(src, dst, name);
	} else {
		ret = mknodat(dst, name, st.st_mode, st.st_rdev) < 0 ? -errno : 0;
	}
	if (ret < 0)
		return ret;
	if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
		return -errno;
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	return utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int copy_dir(int src, int dst, int depth)
{
	DIR *d;
	struct dirent *de;
	int fd, ret = 0;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -errno;
	}
	while (ret == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		ret = copy_entry(dirfd(d), dst, de->d_name, depth);
	}
	closedir(d);
	return ret;
}

int berth_copy_tree(int src, int dst, struct berth_error **err)
{
	int ret = copy_dir(src, dst, 0);

	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "copy up");
	}
	return 0;
}
