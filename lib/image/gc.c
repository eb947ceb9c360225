/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/gc.h"
#include "image/images.h"
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/json.h"

struct set {
	char **v;
	size_t n, cap;
};

static int set_add(struct set *s, const char *str)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n] = strdup(str);
	return s->v[s->n++] ? 0 : -ENOMEM;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool set_has(const struct set *s, const char *str)
{
	return s->n > 0 && bsearch(&str, s->v, s->n, sizeof(*s->v), cmp) != NULL;
}

static void set_free(struct set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* Digests and chain IDs every image record reaches. */
static int reachable(struct berth_store *s, struct set *blobs, struct set *chains,
		     struct berth_error **err)
{
	struct berth_image **v = NULL;
	size_t n = 0;
	int ret = 0;

	if (record_load_all(s, &v, &n, err) < 0)
		return berth_error_ret(err);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		ret = set_add(blobs, v[i]->manifest) ?: set_add(blobs, v[i]->id);
		if (ret == 0 && v[i]->index[0])
			ret = set_add(blobs, v[i]->index);
		for (size_t l = 0; ret == 0 && l < v[i]->n_layers; l++)
			ret = set_add(blobs, v[i]->layers[l].digest)
				  ?: set_add(chains, v[i]->layers[l].chain_id);
	}
	berth_image_list_free(v, n);
	if (ret < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	/* qsort(NULL, 0, ...) is undefined: an empty store has nothing to sort. */
	if (blobs->n > 0)
		qsort(blobs->v, blobs->n, sizeof(char *), cmp);
	if (chains->n > 0)
		qsort(chains->v, chains->n, sizeof(char *), cmp);
	return 0;
}

static int sweep_blobs(struct berth_store *s, const struct set *keep, struct berth_gc_result *r,
		       struct berth_error **err)
{
	int fd = dup(s->blobsfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return berth_error_errno(err, "open '%s/blobs/sha256'", s->root);
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		char digest[BERTH_DIGEST_BUF];
		struct stat st;

		if (!berth_is_sha256_hex(e->d_name))
			continue;
		snprintf(digest, sizeof(digest), "sha256:%.64s", e->d_name);
		if (set_has(keep, digest) ||
		    fstatat(s->blobsfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (unlinkat(s->blobsfd, e->d_name, 0) == 0) {
			r->blobs_removed++;
			r->bytes_freed += st.st_size;
		}
	}
	closedir(d);
	fsync(s->blobsfd);
	return 0;
}

static int sweep_snapshots(const struct berth_gc_hooks *h, const struct set *keep,
			   struct berth_gc_result *r, struct berth_error **err)
{
	cleanup_strv char **ids = NULL;

	if (h == NULL || h->list_snapshots == NULL || h->remove_snapshot == NULL)
		return 0;
	if (h->list_snapshots(h->ctx, &ids, err) < 0)
		return berth_error_prefix(err, "list snapshots");
	for (size_t i = 0; ids && ids[i]; i++) {
		if (set_has(keep, ids[i]) ||
		    (h->snapshot_in_use && h->snapshot_in_use(h->ctx, ids[i])))
			continue;
		if (h->remove_snapshot(h->ctx, ids[i], err) < 0)
			return berth_error_prefix(err, "remove snapshot %s", ids[i]);
		r->snapshots_removed++;
	}
	return 0;
}

static int gc_locked(struct berth_store *s, const struct berth_gc_hooks *hooks,
		     struct berth_gc_result *r, struct berth_error **err)
{
	struct set blobs = { 0 }, chains = { 0 };
	int ret;

	ret = reachable(s, &blobs, &chains, err);
	if (ret == 0)
		ret = sweep_blobs(s, &blobs, r, err);
	if (ret == 0)
		ret = sweep_snapshots(hooks, &chains, r, err);
	if (ret == 0)
		ret = berth_store_clean_tmp(s, err);
	set_free(&blobs);
	set_free(&chains);
	return ret;
}

int berth_store_gc(struct berth_store *s, const struct berth_gc_hooks *hooks,
		   struct berth_gc_result *out, struct berth_error **err)
{
	struct berth_gc_result r = { 0 };
	int ret;

	if (s->leases > 0)
		return berth_error_set(err, EBUSY, "garbage collection: this handle holds a lease");
	if (berth_store_lock(s, err) < 0)
		return berth_error_ret(err);
	while ((ret = flock(s->gcfd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (ret < 0) {
		ret = berth_error_errno(err, "lock '%s/gc.lock'", s->root);
	} else {
		ret = gc_locked(s, hooks, &r, err);
		flock(s->gcfd, LOCK_UN);
	}
	berth_store_unlock(s);
	if (ret == 0 && out != NULL)
		*out = r;
	return ret;
}
