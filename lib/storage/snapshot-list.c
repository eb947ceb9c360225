/* SPDX-License-Identifier: Apache-2.0 */
/* Listing the snapshots and removing the garbage a crash leaves behind. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/snapshot-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static bool has_marker(int snaps, const char *hex)
{
	char path[80];
	struct stat st;

	snprintf(path, sizeof(path), "%s/complete", hex);
	return fstatat(snaps, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* Open the snapshots dir for reading; 0 with *d = NULL when there is none yet. */
static int open_snaps(int root_fd, DIR **d, struct berth_error **err)
{
	int fd = openat(root_fd, SNAPSHOTS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	*d = NULL;
	if (fd < 0)
		return errno == ENOENT ? 0 : berth_error_errno(err, "open '%s'", SNAPSHOTS);
	*d = fdopendir(fd);
	if (*d == NULL) {
		close(fd);
		return berth_error_errno(err, "open '%s'", SNAPSHOTS);
	}
	return 0;
}

static int push(char ***v, size_t *n, const char *hex, struct berth_error **err)
{
	char **grown = realloc(*v, (*n + 2) * sizeof(char *));

	if (grown == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	*v = grown;
	if (asprintf(&grown[*n], "sha256:%s", hex) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	grown[++*n] = NULL;
	return 0;
}

int berth_snapshot_list(int root_fd, char ***out, struct berth_error **err)
{
	cleanup_strv char **v = calloc(1, sizeof(char *));
	struct dirent *de;
	size_t n = 0;
	DIR *d = NULL;
	int ret = 0;

	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (open_snaps(root_fd, &d, err) < 0)
		return berth_error_ret(err);
	while (d != NULL && ret == 0 && (de = readdir(d)) != NULL)
		if (is_hex64(de->d_name) && has_marker(dirfd(d), de->d_name))
			ret = push(&v, &n, de->d_name, err);
	if (d != NULL)
		closedir(d);
	if (ret < 0)
		return ret;
	*out = steal_ptr(&v);
	return 0;
}

int berth_snapshot_collect_garbage(int root_fd, struct berth_error **err)
{
	struct dirent *de;
	DIR *d = NULL;
	int ret = 0;

	if (open_snaps(root_fd, &d, err) < 0)
		return berth_error_ret(err);
	while (d != NULL && ret == 0 && (de = readdir(d)) != NULL) {
		bool junk = strncmp(de->d_name, "tmp-", 4) == 0 ||
			    (is_hex64(de->d_name) && !has_marker(dirfd(d), de->d_name));

		if (junk)
			snapshot_drop_views(dirfd(d), de->d_name);
		if (junk && berth_rm_rf_at(dirfd(d), de->d_name) < 0 && errno != ENOENT)
			ret = berth_error_errno(err, "remove '%s/%s'", SNAPSHOTS, de->d_name);
	}
	if (d != NULL)
		closedir(d);
	return ret;
}
