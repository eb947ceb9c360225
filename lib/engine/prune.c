/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/prune.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/live.h"
#include "engine/remove.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

struct seen {
	ino_t *inos;
	size_t n;
};

static bool seen_before(struct seen *s, const struct stat *st)
{
	ino_t *p;

	if (st->st_nlink < 2)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->inos[i] == st->st_ino)
			return true;
	p = realloc(s->inos, (s->n + 1) * sizeof(*p));
	if (p != NULL) {
		s->inos = p;
		s->inos[s->n++] = st->st_ino;
	}
	return false;
}

static int64_t walk(int dfd, struct seen *s, int depth)
{
	struct dirent *de;
	int64_t total = 0;
	DIR *d;

	if (depth > 256 || (d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		int fd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			fd = openat(dirfd(d), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				total += walk(fd, s, depth + 1);
		} else if (!seen_before(s, &st)) {
			total += st.st_size;
		}
	}
	closedir(d);
	return total;
}

int64_t berth_dir_size(int dirfd, const char *name)
{
	struct seen s = { 0 };
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int64_t n;

	if (fd < 0)
		return 0;
	n = walk(fd, &s, 0);
	free(s.inos);
	return n;
}

int64_t berth_ctr_rw_size(struct berth_engine *e, const char *id)
{
	cleanup_close int dfd = openat(e->ctrfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (dfd < 0)
		return 0;
	/* overlay keeps the changes in diff/ (upper/ before); vfs has only the copy in rootfs/ */
	if (fstatat(dfd, "diff", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return berth_dir_size(dfd, "diff");
	if (fstatat(dfd, "upper", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return berth_dir_size(dfd, "upper");
	return berth_dir_size(dfd, "rootfs");
}

static bool stopped(const struct berth_ctr *c)
{
	return !berth_ctr_active(c);
}

static int push(char ***v, size_t *n, const char *s)
{
	char **p = realloc(*v, (*n + 2) * sizeof(char *));

	if (p == NULL)
		return -ENOMEM;
	*v = p;
	p[*n] = strdup(s);
	p[*n + 1] = NULL;
	if (p[*n] == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

int berth_ctr_prune(struct berth_engine *e, const struct berth_ctr_filter *f,
		    struct berth_prune_result *out, struct berth_error **err)
{
	cleanup_strv char **ids = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (berth_ctr_list(e, &ids, err) < 0)
		return berth_error_ret(err);
	for (char **p = ids; *p; p++) {
		struct berth_ctr *c = NULL;
		struct berth_error *e1 = NULL;
		int64_t size;

		if (berth_ctr_load(e, *p, &c, &e1) < 0 || berth_ctr_refresh(e, c, &e1) < 0 ||
		    !stopped(c) || !berth_ctr_filter_match(f, c, now, NULL, NULL)) {
			berth_error_free(e1);
			berth_ctr_free(c);
			continue;
		}
		berth_ctr_free(c);
		size = berth_ctr_rw_size(e, *p);
		if (berth_ctr_remove(e, *p, false, false, &e1) < 0) {
			if (ret == 0)
				ret = berth_error_set(err, -berth_error_ret(&e1), "%s", e1->msg);
			berth_error_free(e1);
			continue;
		}
		out->reclaimed += size;
		if (push(&out->ids, &n, *p) < 0 && ret == 0)
			ret = berth_error_set(err, ENOMEM, "out of memory");
	}
	return ret;
}

static const char *rec_str(const struct berth_ctr *c, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(c->record, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "";
}

bool berth_ctr_image_user(struct berth_engine *e, const char *image_id, char *id, bool *running)
{
	cleanup_strv char **ids = NULL;
	struct berth_error *err = NULL;
	bool found = false;

	if (berth_ctr_list(e, &ids, &err) < 0) {
		berth_error_free(err);
		return false;
	}
	/* a running user first: it is the one that makes a forced removal fail */
	for (int pass = 0; pass < 2 && !found; pass++)
		for (char **p = ids; *p && !found; p++) {
			struct berth_ctr *c = NULL;

			if (berth_ctr_load(e, *p, &c, &err) < 0 ||
			    berth_ctr_refresh(e, c, &err) < 0) {
				berth_error_clear(&err);
				berth_ctr_free(c);
				continue;
			}
			if (strcmp(rec_str(c, "Image"), image_id) == 0 &&
			    (pass == 1 || berth_ctr_active(c))) {
				found = true;
				*running = berth_ctr_active(c);
				memcpy(id, c->id, BERTH_CTR_ID_LEN + 1);
			}
			berth_ctr_free(c);
		}
	return found;
}

/* Whether @chain_id is @top or one of its parents (snapshots/<hex>/parent). */
static bool in_chain(struct berth_engine *e, const char *top, const char *chain_id)
{
	const char *want = strncmp(chain_id, "sha256:", 7) == 0 ? chain_id + 7 : chain_id;
	char cur[128];

	snprintf(cur, sizeof(cur), "%s", top);
	for (int depth = 0; cur[0] && depth < 256; depth++) {
		const char *hex = strncmp(cur, "sha256:", 7) == 0 ? cur + 7 : cur;
		cleanup_free char *path = NULL, *buf = NULL;
		struct berth_error *err = NULL;
		size_t len = 0;

		/* the record says "sha256:<hex>", parent files and GC may say just <hex> */
		if (strcmp(hex, want) == 0)
			return true;
		if (asprintf(&path, "snapshots/%s/parent", hex) < 0) {
			path = NULL;
			return false;
		}
		if (berth_read_file_at(e->rootfd, path, 256, &buf, &len, &err) < 0) {
			berth_error_free(err);
			return false;
		}
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(cur, sizeof(cur), "%s", buf);
	}
	return false;
}

bool berth_ctr_snapshot_user(struct berth_engine *e, const char *chain_id)
{
	cleanup_strv char **ids = NULL;
	struct berth_error *err = NULL;
	bool used = false;

	if (berth_ctr_list(e, &ids, &err) < 0) {
		berth_error_free(err);
		return true; /* when in doubt, keep */
	}
	for (char **p = ids; *p && !used; p++) {
		struct berth_ctr *c = NULL;

		if (berth_ctr_load(e, *p, &c, &err) < 0) {
			berth_error_clear(&err);
			continue;
		}
		used = in_chain(e, rec_str(c, "BerthChainID"), chain_id);
		berth_ctr_free(c);
	}
	return used;
}
