/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "image/blobs.h"
#include "image/gc.h"
#include "image/images.h"
#include "image/manifest.h"
#include "test-image-helpers.h"
#include "unit.h"
#include "util/fs.h"
#include "util/json.h"

#define ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

BERTH_TEST(image_store_layout_and_blob_roundtrip)
{
	struct berth_error *err = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 64], d[BERTH_DIGEST_BUF];
	struct berth_store *s = tstore_new(dir);
	char *buf = NULL;
	size_t len;
	int64_t size;

	for (const char *sub = "blobs/sha256\0images\0tmp\0snapshots\0lock\0"; *sub;
	     sub += strlen(sub) + 1) {
		snprintf(path, sizeof(path), "%s/root/%s", dir, sub);
		CHECK(access(path, F_OK) == 0);
	}
	CHECK_OK(berth_blob_put(s, "abc", 3, ABC, d, &err), &err);
	CHECK_STR(d, ABC);
	CHECK(berth_blob_exists(s, ABC));
	CHECK_OK(berth_blob_size(s, ABC, &size, &err), &err);
	CHECK_INT(size, ==, 3);
	CHECK_OK(berth_blob_read(s, ABC, 100, &buf, &len, &err), &err);
	CHECK_STR(buf, "abc");
	free(buf);
	CHECK_OK(berth_blob_remove(s, ABC, &err), &err);
	CHECK(!berth_blob_exists(s, ABC));
	CHECK_INT(berth_blob_open(s, ABC, &err), ==, -ENOENT);
	CHECK_STR(err->msg, "blob " ABC ": not found");
	berth_error_free(err);
	berth_store_free(s);
	tstore_rm(dir);
}

BERTH_TEST(image_store_blob_writer_verifies_while_writing)
{
	struct berth_error *err = NULL;
	char dir[PATH_MAX];
	struct berth_store *s = tstore_new(dir);
	struct berth_blob_writer *w = NULL;
	struct berth_sink sink;
	char *before = tstore_listing(dir), *after;
	const char *wrong =
	    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

	/* digest mismatch */
	CHECK_OK(berth_blob_writer_open(s, wrong, 3, &w, &err), &err);
	sink = berth_blob_sink(w);
	CHECK_OK(sink.write(sink.ctx, "abc", 3, &err), &err);
	CHECK_INT(berth_blob_writer_commit(w, NULL, &err), ==, -EINVAL);
	CHECK_STR(err->msg,
		  "blob sha256:0000000000000000000000000000000000000000000000000000000000000000: "
		  "digest mismatch (got " ABC ")");
	berth_error_clear(&err);
	/* truncated: fewer bytes than the descriptor said */
	CHECK_OK(berth_blob_writer_open(s, ABC, 4, &w, &err), &err);
	CHECK_OK(berth_blob_writer_write(w, "abc", 3, &err), &err);
	CHECK_INT(berth_blob_writer_commit(w, NULL, &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "size mismatch (got 3 bytes, expected 4)") != NULL);
	berth_error_clear(&err);
	/* too long: refused at the write that overflows */
	CHECK_OK(berth_blob_writer_open(s, ABC, 2, &w, &err), &err);
	CHECK_INT(berth_blob_writer_write(w, "abc", 3, &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "more data than the expected 2 bytes") != NULL);
	berth_error_clear(&err);
	berth_blob_writer_abort(w);
	CHECK_INT(berth_blob_writer_open(s, "sha512:ab", -1, &w, &err), ==, -EINVAL);
	berth_error_free(err);
	after = tstore_listing(dir);
	CHECK_STR(after, before);
	free(before);
	free(after);
	berth_store_free(s);
	tstore_rm(dir);
}

BERTH_TEST(image_store_open_cleans_dead_temp_files_only)
{
	struct berth_error *err = NULL;
	char dir[PATH_MAX], p[PATH_MAX + 64];
	struct berth_store *s = tstore_new(dir), *s2 = NULL;
	struct berth_blob_writer *w = NULL;
	int fd;

	snprintf(p, sizeof(p), "%s/root/tmp/blob-1-dead", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK_OK(berth_blob_writer_open(s, NULL, -1, &w, &err), &err);
	CHECK_OK(berth_blob_writer_write(w, "abc", 3, &err), &err);
	snprintf(p, sizeof(p), "%s/root", dir);
	CHECK_OK(berth_store_open(p, &s2, &err), &err);
	snprintf(p, sizeof(p), "%s/root/tmp/blob-1-dead", dir);
	CHECK(access(p, F_OK) < 0);
	/* the live writer's temp file survived the other handle's cleaning */
	CHECK_OK(berth_blob_writer_commit(w, NULL, &err), &err);
	CHECK(berth_blob_exists(s2, ABC));
	berth_store_free(s2);
	berth_store_free(s);
	tstore_rm(dir);
}

static bool never(void *ctx, const struct berth_image *img)
{
	(void)ctx;
	(void)img;
	return true;
}

BERTH_TEST(image_store_add_tag_resolve_remove)
{
	struct berth_error *err = NULL;
	char dir[PATH_MAX], m[BERTH_DIGEST_BUF];
	struct berth_store *s = tstore_new(dir);
	struct berth_image *img = NULL, *r = NULL;
	struct berth_image **list = NULL;
	size_t n = 0;
	char shortid[13];

	tstore_image(s, 1, 3, m);
	CHECK_OK(berth_image_add(
		     s, &(struct berth_image_add_opts){ .manifest = m, .reference = "busybox" },
		     &img, &err),
		 &err);
	CHECK_INT(img->n_layers, ==, 3);
	CHECK_STR(img->layers[0].chain_id, img->layers[0].diff_id);
	CHECK_STR(img->platform, "linux/amd64");
	CHECK_STR(img->tags[0], "docker.io/library/busybox:latest");
	CHECK(strstr(img->repo_digests[0], "docker.io/library/busybox@sha256:") != NULL);
	CHECK_OK(berth_image_tag(s, "busybox", "localhost:5000/bb:v1", &err), &err);
	CHECK_OK(berth_image_resolve(s, "localhost:5000/bb:v1", &r, &err), &err);
	CHECK_STR(r->id, img->id);
	CHECK_INT(berth_strv_len(r->tags), ==, 2);
	berth_image_free(r);
	snprintf(shortid, sizeof(shortid), "%.12s", img->id + 7);
	CHECK_OK(berth_image_resolve(s, shortid, &r, &err), &err);
	berth_image_free(r);
	CHECK_OK(berth_image_resolve(s, m, &r, &err), &err);
	berth_image_free(r);
	CHECK_INT(berth_image_resolve(s, "nothere", &r, &err), ==, -ENOENT);
	CHECK_STR(err->msg, "no such image: nothere");
	berth_error_clear(&err);
	/* by ID with two tags: refused; in use: refused; by tag: only untags */
	CHECK_INT(berth_image_remove(s, shortid, NULL, &err), ==, -EBUSY);
	berth_error_clear(&err);
	CHECK_INT(berth_image_remove(s, "busybox", NULL, &err), ==, 0);
	CHECK_INT(berth_image_remove(s, "localhost:5000/bb:v1",
				     &(struct berth_image_remove_opts){ .in_use = never }, &err),
		  ==, -EBUSY);
	CHECK(strstr(err->msg, "in use by a container") != NULL);
	berth_error_clear(&err);
	CHECK_INT(berth_image_remove(
		      s, "localhost:5000/bb:v1",
		      &(struct berth_image_remove_opts){ .in_use = never, .force = true }, &err),
		  ==, 1);
	CHECK_OK(berth_image_list(s, &list, &n, &err), &err);
	CHECK_INT(n, ==, 0);
	berth_image_list_free(list, n);
	berth_image_free(img);
	berth_store_free(s);
	tstore_rm(dir);
}

struct snaps {
	char removed[8][BERTH_DIGEST_BUF];
	int n;
	const char *keep;
};

static int list_snaps(void *ctx, char ***out, struct berth_error **err)
{
	struct snaps *sn = ctx;
	char **v = calloc(3, sizeof(char *));

	(void)err;
	v[0] = strdup(sn->keep);
	v[1] = strdup("sha256:1111111111111111111111111111111111111111111111111111111111111111");
	*out = v;
	return 0;
}

static int remove_snap(void *ctx, const char *id, struct berth_error **err)
{
	struct snaps *sn = ctx;

	(void)err;
	snprintf(sn->removed[sn->n++], BERTH_DIGEST_BUF, "%s", id);
	return 0;
}

BERTH_TEST(image_store_gc_keeps_what_records_reach)
{
	struct berth_error *err = NULL;
	char dir[PATH_MAX], m1[BERTH_DIGEST_BUF], m2[BERTH_DIGEST_BUF], junk[BERTH_DIGEST_BUF];
	struct berth_store *s = tstore_new(dir);
	struct berth_image *a = NULL;
	struct berth_gc_result r;
	struct snaps sn = { 0 };
	struct berth_gc_hooks h = { .list_snapshots = list_snaps,
				    .remove_snapshot = remove_snap,
				    .ctx = &sn };

	tstore_image(s, 1, 2, m1);
	tstore_image(s, 2, 2, m2);
	tstore_put(s, "unreferenced", junk);
	CHECK_OK(berth_image_add(s,
				 &(struct berth_image_add_opts){ .manifest = m1, .reference = "a" },
				 &a, &err),
		 &err);
	sn.keep = a->layers[1].chain_id;
	CHECK_OK(berth_store_lease(s, &err), &err);
	CHECK_INT(berth_store_gc(s, &h, &r, &err), ==, -EBUSY);
	berth_error_clear(&err);
	berth_store_unlease(s);
	CHECK_OK(berth_store_gc(s, &h, &r, &err), &err);
	/* image 2 was never recorded: its manifest, config and two layers go, and the junk */
	CHECK_INT(r.blobs_removed, ==, 5);
	CHECK_INT(r.snapshots_removed, ==, 1);
	CHECK_STR(sn.removed[0],
		  "sha256:1111111111111111111111111111111111111111111111111111111111111111");
	CHECK(berth_blob_exists(s, m1) && berth_blob_exists(s, a->id));
	CHECK(berth_blob_exists(s, a->layers[0].digest));
	CHECK(!berth_blob_exists(s, m2) && !berth_blob_exists(s, junk));
	berth_image_free(a);
	berth_store_free(s);
	tstore_rm(dir);
}
