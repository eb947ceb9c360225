/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/* The store of named volumes (layout and crash rules in volume.h). */

#define VOLUME_JSON_MAX (1 << 20)
#define STALE_NEW_SECONDS 3600

int berth_volume_check_name(const char *name, struct berth_error **err)
{
	static const char more[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_.-";
	size_t len = name ? strlen(name) : 0;

	if (len >= 2 && len <= BERTH_VOLUME_NAME_MAX && strspn(name, more) == len &&
	    strchr("_.-", name[0]) == NULL)
		return 0;
	return berth_error_set(err, EINVAL,
			       "\"%s\" includes invalid characters for a local volume name, only "
			       "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass "
			       "a host directory, use absolute path",
			       name ? name : "");
}

static int random_hex(char *out, size_t bytes, struct berth_error **err)
{
	unsigned char raw[32];

	if (bytes > sizeof(raw))
		return berth_error_set(err, EINVAL, "random name too long");
	if (getrandom(raw, bytes, 0) != (ssize_t)bytes)
		return berth_error_errno(err, "getrandom");
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* volumes/ of the data root, created (0701: names are not listable by others). */
static int volumes_dir(struct berth_engine *e, struct berth_error **err)
{
	int fd;

	if (mkdirat(e->rootfd, "volumes", 0701) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir '%s/volumes'", e->root);
	fd = openat(e->rootfd, "volumes", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open '%s/volumes'", e->root);
	return fd;
}

/* Open @name below @dirfd as a real directory: a symlink or anything else is refused. */
static int open_real_dir(int dirfd, const char *name, const char *shown, struct berth_error **err)
{
	cleanup_close int fd = -1;
	struct stat st;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return berth_error_set(err, ELOOP,
				       "'%s' is not a directory (a symlink or another file); "
				       "refusing to use it",
				       shown);
	if (fd < 0)
		return berth_error_errno(err, "open '%s'", shown);
	if (fstat(fd, &st) < 0)
		return berth_error_errno(err, "stat '%s'", shown);
	return steal_fd(&fd);
}

int berth_volume_path(struct berth_engine *e, const char *name, char **path, int *datafd,
		      struct berth_error **err)
{
	cleanup_close int volfd = -1;
	cleanup_close int dirfd = -1;
	cleanup_close int fd = -1;
	cleanup_free char *p = NULL;
	cleanup_free char *shown = NULL;
	struct stat by_fd, by_path;

	if (berth_volume_check_name(name, err) < 0)
		return berth_error_ret(err);
	volfd = volumes_dir(e, err);
	if (volfd < 0)
		return volfd;
	if (asprintf(&p, "%s/volumes/%s/_data", e->root, name) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (faccessat(volfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return berth_error_set(err, ENOENT, "no such volume: %s", name);
	shown = strndup(p, strlen(p) - strlen("/_data"));
	if (shown == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	dirfd = open_real_dir(volfd, name, shown, err);
	if (dirfd < 0)
		return berth_error_prefix(err, "volume %s", name);
	fd = open_real_dir(dirfd, "_data", p, err);
	if (fd < 0)
		return berth_error_prefix(err, "volume %s", name);
	/*
	 * The runtime opens the path, following links: it must reach the very
	 * directory just checked (the data root's own path may hold symlinks).
	 */
	if (fstat(fd, &by_fd) < 0 || stat(p, &by_path) < 0)
		return berth_error_errno(err, "volume %s: stat '%s'", name, p);
	if (by_fd.st_dev != by_path.st_dev || by_fd.st_ino != by_path.st_ino)
		return berth_error_set(
		    err, EXDEV, "volume %s: '%s' resolves outside the volume directory", name, p);
	if (datafd != NULL)
		*datafd = steal_fd(&fd);
	*path = steal_ptr(&p);
	return 0;
}

static json_object *volume_record(const char *name, json_object *labels, bool anonymous)
{
	json_object *v = json_object_new_object(), *l = NULL;
	char when[64];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (labels != NULL)
		json_object_deep_copy(labels, &l, NULL);
	if (anonymous) {
		if (l == NULL)
			l = json_object_new_object();
		json_object_object_add(l, "com.docker.volume.anonymous",
				       json_object_new_string(""));
	}
	json_object_object_add(v, "CreatedAt", json_object_new_string(when));
	json_object_object_add(v, "Driver", json_object_new_string("local"));
	json_object_object_add(v, "Labels", l);
	json_object_object_add(v, "Mountpoint", json_object_new_string(""));
	json_object_object_add(v, "Name", json_object_new_string(name));
	json_object_object_add(v, "Options", NULL);
	json_object_object_add(v, "Scope", json_object_new_string("local"));
	return v;
}

/* Build the whole volume in volumes/.new-<rand>; *tmp gets its name. */
static int build_new(int volfd, const char *name, const struct berth_volume_create_opts *o,
		     char *tmp, size_t tmpsize, struct berth_error **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	json_object *rec = NULL;
	char rnd[33];
	int ret;

	if (random_hex(rnd, 16, err) < 0)
		return berth_error_ret(err);
	snprintf(tmp, tmpsize, ".new-%s", rnd);
	if (mkdirat(volfd, tmp, 0755) < 0)
		return berth_error_errno(err, "volume %s: mkdir", name);
	fd = openat(volfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || mkdirat(fd, "_data", 0755) < 0)
		return berth_error_errno(err, "volume %s: mkdir", name);
	rec = volume_record(name, o->labels, o->anonymous);
	buf = berth_json_dump(rec);
	json_object_put(rec);
	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	ret = berth_write_file_atomic(fd, "volume.json", buf, strlen(buf), 0600, err);
	if (ret < 0)
		return berth_error_prefix(err, "volume %s", name);
	if (fsync(fd) < 0)
		return berth_error_errno(err, "volume %s: fsync", name);
	return 0;
}

int berth_volume_create(struct berth_engine *e, const struct berth_volume_create_opts *o,
			char *name_out, bool *created, struct berth_error **err)
{
	cleanup_close int volfd = -1;
	cleanup_free char *path = NULL;
	char name[BERTH_VOLUME_NAME_MAX + 1], tmp[64];
	int ret;

	if (o->name != NULL) {
		if (berth_volume_check_name(o->name, err) < 0)
			return berth_error_ret(err);
		snprintf(name, sizeof(name), "%s", o->name);
	} else if (random_hex(name, BERTH_VOLUME_ANON_LEN / 2, err) < 0) {
		return berth_error_ret(err);
	}
	volfd = volumes_dir(e, err);
	if (volfd < 0)
		return volfd;
	if (faccessat(volfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		if (build_new(volfd, name, o, tmp, sizeof(tmp), err) < 0) {
			berth_rm_rf_at(volfd, tmp);
			return berth_error_ret(err);
		}
		ret = renameat2(volfd, tmp, volfd, name, RENAME_NOREPLACE);
		if (ret < 0 && errno != EEXIST) {
			ret = berth_error_errno(err, "volume %s: rename into place", name);
			berth_rm_rf_at(volfd, tmp);
			return ret;
		}
		if (ret < 0)
			berth_rm_rf_at(volfd, tmp); /* created meanwhile: use that one */
		else if (fsync(volfd) < 0)
			return berth_error_errno(err, "volume %s: fsync '%s/volumes'", name,
						 e->root);
		*created = ret == 0;
	} else {
		*created = false;
	}
	/* Whether new or found, it must be intact before anyone uses it. */
	if (berth_volume_path(e, name, &path, NULL, err) < 0)
		return berth_error_ret(err);
	snprintf(name_out, BERTH_VOLUME_NAME_MAX + 1, "%s", name);
	return 0;
}

int berth_volume_inspect(struct berth_engine *e, const char *name, json_object **out,
			 struct berth_error **err)
{
	cleanup_close int volfd = -1;
	cleanup_close int fd = -1;
	cleanup_free char *path = NULL;
	json_object *rec = NULL;

	if (berth_volume_path(e, name, &path, NULL, err) < 0)
		return berth_error_ret(err);
	volfd = volumes_dir(e, err);
	if (volfd < 0)
		return volfd;
	fd = open_real_dir(volfd, name, name, err);
	if (fd < 0)
		return fd;
	if (berth_json_parse_file(fd, "volume.json", VOLUME_JSON_MAX, &rec, err) < 0)
		return berth_error_prefix(err, "volume %s", name);
	if (!json_object_is_type(rec, json_type_object)) {
		json_object_put(rec);
		return berth_error_set(err, EINVAL, "volume %s: volume.json is not an object",
				       name);
	}
	/* Where the data root is now, not where it was at creation. */
	json_object_object_add(rec, "Mountpoint", json_object_new_string(path));
	json_object_object_add(rec, "Name", json_object_new_string(name));
	*out = rec;
	return 0;
}

/* Leftovers of an interrupted create (old enough not to be in progress) or remove. */
static void sweep(int volfd, const char *entry)
{
	struct stat st;

	if (strncmp(entry, ".rm-", 4) == 0) {
		berth_rm_rf_at(volfd, entry);
	} else if (strncmp(entry, ".new-", 5) == 0 &&
		   fstatat(volfd, entry, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		   st.st_mtime + STALE_NEW_SECONDS < time(NULL)) {
		berth_rm_rf_at(volfd, entry);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int berth_volume_list(struct berth_engine *e, char ***names, struct berth_error **err)
{
	cleanup_strv char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int volfd = volumes_dir(e, err);
	DIR *d;

	if (volfd < 0)
		return volfd;
	d = fdopendir(volfd);
	if (d == NULL) {
		close(volfd);
		return berth_error_errno(err, "open '%s/volumes'", e->root);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.') {
			sweep(dirfd(d), de->d_name);
			continue;
		}
		if (strlen(de->d_name) < 2 || strspn(de->d_name, "_.-") > 0)
			continue;
		if (n + 2 > cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (nv == NULL)
				break;
			v = nv;
		}
		v[n] = strdup(de->d_name);
		v[++n] = NULL;
		if (v[n - 1] == NULL)
			break;
	}
	closedir(d);
	if (de != NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	qsort(v, n, sizeof(*v), cmp_str);
	*names = steal_ptr(&v);
	return 0;
}

int berth_volume_remove(struct berth_engine *e, const char *name, struct berth_error **err)
{
	cleanup_close int volfd = -1;
	char tmp[64], rnd[33];
	int ret;

	if (berth_volume_check_name(name, err) < 0)
		return berth_error_ret(err);
	volfd = volumes_dir(e, err);
	if (volfd < 0)
		return volfd;
	if (random_hex(rnd, 16, err) < 0)
		return berth_error_ret(err);
	snprintf(tmp, sizeof(tmp), ".rm-%s", rnd);
	/* One rename takes it away whole; what a crash leaves is swept by the next list. */
	if (renameat(volfd, name, volfd, tmp) < 0) {
		if (errno == ENOENT)
			return berth_error_set(err, ENOENT, "no such volume: %s", name);
		return berth_error_errno(err, "remove volume %s", name);
	}
	if (fsync(volfd) < 0)
		return berth_error_errno(err, "remove volume %s: fsync", name);
	ret = berth_rm_rf_at(volfd, tmp);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "remove volume %s", name);
	}
	return 0;
}
