/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "engine/volume.h"
#include "util/cleanup.h"
#include "util/json.h"

/*
 * Which containers use a volume, and prune.  A container record
 * (berth_ctr_load) lists its mounts as Docker's inspect
 * "Mounts"; a volume is in use while any record, whatever its state, names
 * it there, as Docker refuses `volume rm` of a volume of a stopped container.
 */

static bool record_uses(json_object *rec, const char *name)
{
	json_object *mounts = NULL;
	size_t n;

	if (!json_object_object_get_ex(rec, "Mounts", &mounts) ||
	    !json_object_is_type(mounts, json_type_array))
		return false;
	n = json_object_array_length(mounts);
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(mounts, i), *t = NULL, *nm = NULL;

		if (json_object_object_get_ex(m, "Type", &t) &&
		    json_object_object_get_ex(m, "Name", &nm) &&
		    json_object_is_type(t, json_type_string) &&
		    json_object_is_type(nm, json_type_string) &&
		    strcmp(json_object_get_string(t), "volume") == 0 &&
		    strcmp(json_object_get_string(nm), name) == 0)
			return true;
	}
	return false;
}

static int add_str(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(**v));

	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (nv[*n] == NULL)
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

static int empty_strv(char ***out)
{
	*out = calloc(1, sizeof(char *));
	return *out == NULL ? -ENOMEM : 0;
}

int berth_volume_users(struct berth_engine *e, const char *name, char ***ids,
		       struct berth_error **err)
{
	cleanup_strv char **all = NULL;
	cleanup_strv char **v = NULL;
	size_t n = 0;

	if (berth_ctr_list(e, &all, err) < 0)
		return berth_error_ret(err);
	for (char **id = all; *id != NULL; id++) {
		struct berth_ctr *c = NULL;
		struct berth_error *skip = NULL;
		bool uses;

		/* A container still being created has no record yet: it is not a user. */
		if (berth_ctr_load(e, *id, &c, &skip) < 0) {
			berth_error_free(skip);
			continue;
		}
		uses = record_uses(c->record, name);
		berth_ctr_free(c);
		if (uses && add_str(&v, &n, *id) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	if (v == NULL && empty_strv(&v) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	*ids = steal_ptr(&v);
	return 0;
}

/* Bytes of the regular files below @fd (closed), not following symlinks. */
static long long tree_size(int fd, int depth)
{
	long long total = 0;
	struct dirent *de;
	DIR *d = fdopendir(fd);

	if (d == NULL) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode))
			total += st.st_size;
		else if (S_ISDIR(st.st_mode) && depth < 128) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				total += tree_size(sub, depth + 1);
		}
	}
	closedir(d);
	return total;
}

static bool is_anonymous(struct berth_engine *e, const char *name)
{
	json_object *rec = NULL, *labels = NULL;
	struct berth_error *skip = NULL;
	bool anon;

	if (berth_volume_inspect(e, name, &rec, &skip) < 0) {
		berth_error_free(skip);
		return false;
	}
	anon = json_object_object_get_ex(rec, "Labels", &labels) &&
	       json_object_is_type(labels, json_type_object) &&
	       json_object_object_get_ex(labels, "com.docker.volume.anonymous", NULL);
	json_object_put(rec);
	return anon;
}

/* Remove @name if unused; 1 when removed, 0 when kept. */
static int prune_one(struct berth_engine *e, const char *name, long long *bytes,
		     struct berth_error **err)
{
	cleanup_strv char **users = NULL;
	cleanup_free char *path = NULL;
	int fd = -1;

	if (berth_volume_users(e, name, &users, err) < 0)
		return berth_error_ret(err);
	if (users[0] != NULL)
		return 0;
	if (berth_volume_path(e, name, &path, &fd, err) < 0)
		return berth_error_ret(err);
	*bytes = tree_size(fd, 0);
	if (berth_volume_remove(e, name, err) < 0)
		return berth_error_ret(err);
	return 1;
}

int berth_volume_prune(struct berth_engine *e, bool all, char ***removed, long long *reclaimed,
		       struct berth_error **err)
{
	cleanup_strv char **names = NULL;
	cleanup_strv char **out = NULL;
	size_t n = 0;
	long long total = 0;

	if (berth_volume_list(e, &names, err) < 0)
		return berth_error_ret(err);
	for (char **p = names; *p != NULL; p++) {
		long long bytes = 0;
		int ret;

		if (!all && !is_anonymous(e, *p))
			continue;
		ret = prune_one(e, *p, &bytes, err);
		if (ret < 0)
			return berth_error_prefix(err, "prune");
		if (ret == 0)
			continue;
		total += bytes;
		if (add_str(&out, &n, *p) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	if (out == NULL && empty_strv(&out) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	*removed = steal_ptr(&out);
	*reclaimed = total;
	return 0;
}
