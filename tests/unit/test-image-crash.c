/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image/blobs.h"
#include "image/images.h"
#include "image/manifest.h"
#include "test-image-helpers.h"
#include "unit.h"
#include "util/fs.h"
#include "util/json.h"

/* Every blob's content hashes to its name. */
static void check_blobs(const char *root)
{
	char p[PATH_MAX + 300];
	DIR *d;
	struct dirent *e;

	snprintf(p, sizeof(p), "%s/blobs/sha256", root);
	d = opendir(p);
	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL) {
		struct berth_error *err = NULL;
		char want[BERTH_DIGEST_BUF], got[BERTH_DIGEST_BUF], f[PATH_MAX + 700];
		char *buf = NULL;
		size_t len = 0;

		if (e->d_name[0] == '.')
			continue;
		if (!berth_is_sha256_hex(e->d_name))
			FAIL("stray entry in blobs: %s", e->d_name);
		snprintf(want, sizeof(want), "sha256:%.64s", e->d_name);
		snprintf(f, sizeof(f), "%s/%.64s", p, e->d_name);
		CHECK_OK(berth_read_file_at(AT_FDCWD, f, 1 << 20, &buf, &len, &err), &err);
		CHECK_OK(berth_sha256_buf(buf, len, got, &err), &err);
		if (strcmp(want, got) != 0)
			FAIL("partial blob visible: %s hashes to %s", want, got);
		free(buf);
	}
	closedir(d);
}

/* Open (which cleans tmp/), then every tag must lead to a record whose blobs exist. */
static size_t check_store(const char *root)
{
	struct berth_error *err = NULL;
	struct berth_store *s = NULL;
	struct berth_image **v = NULL;
	size_t n = 0, tagged = 0;
	char p[PATH_MAX + 32];
	DIR *d;

	check_blobs(root);
	CHECK_OK(berth_store_open(root, &s, &err), &err);
	CHECK_OK(berth_image_list(s, &v, &n, &err), &err);
	for (size_t i = 0; i < n; i++) {
		CHECK(berth_blob_exists(s, v[i]->manifest) && berth_blob_exists(s, v[i]->id));
		for (size_t l = 0; l < v[i]->n_layers; l++)
			CHECK(berth_blob_exists(s, v[i]->layers[l].digest));
		tagged += berth_strv_len(v[i]->tags);
	}
	{
		/* tags.json parses (list did) and no tag names a missing record */
		json_object *o = NULL, *tags = NULL;

		snprintf(p, sizeof(p), "%s/tags.json", root);
		if (access(p, F_OK) == 0) {
			CHECK_OK(berth_json_parse_file(AT_FDCWD, p, 1 << 24, &o, &err), &err);
			CHECK(json_object_object_get_ex(o, "tags", &tags));
			CHECK_INT(json_object_object_length(tags), ==, tagged);
			json_object_put(o);
		}
	}
	berth_image_list_free(v, n);
	berth_store_free(s);
	snprintf(p, sizeof(p), "%s/tmp", root);
	d = opendir(p);
	CHECK(d != NULL);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.')
			FAIL("open left garbage in tmp/: %s", e->d_name);
	closedir(d);
	return n;
}

static void writer_loop(const char *root, int round)
{
	struct berth_error *err = NULL;
	struct berth_store *s = NULL;

	if (berth_store_open(root, &s, &err) < 0)
		_exit(2);
	for (int i = 0;; i++) {
		char m[BERTH_DIGEST_BUF], ref[64];

		tstore_image(s, round * 1000 + i, 1 + i % 3, m);
		snprintf(ref, sizeof(ref), "img%d:t%d", i % 4, i % 2);
		if (berth_image_add(
			s, &(struct berth_image_add_opts){ .manifest = m, .reference = ref }, NULL,
			&err) < 0)
			_exit(3);
		if (i % 5 == 4 && berth_image_remove(s, ref, NULL, &err) < 0)
			berth_error_clear(&err);
	}
}

BERTH_TEST(image_store_survives_sigkill_of_a_writer)
{
	char dir[PATH_MAX], root[PATH_MAX + 8];
	struct berth_store *s = tstore_new(dir);
	size_t images = 0;

	berth_store_free(s);
	snprintf(root, sizeof(root), "%s/root", dir);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	/* 60 rounds, more while a loaded machine has not let the writers get far */
	for (int round = 0; round < 60 || (images <= 10 && round < 600); round++) {
		struct timespec ts = { 0, (long)(rand() % 20000) * 1000 };
		pid_t pid = fork();
		int status;

		CHECK(pid >= 0);
		if (pid == 0)
			writer_loop(root, round);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		CHECK(waitpid(pid, &status, 0) == pid);
		if (!WIFSIGNALED(status))
			FAIL("writer exited by itself with %d in round %d", WEXITSTATUS(status),
			     round);
		images = check_store(root);
	}
	/* the writers got far enough to be killed in the middle of real work */
	CHECK_INT(images, >, 10);
	tstore_rm(dir);
}

/* Hostile inputs to image add: each refused, the store byte-for-byte unchanged. */
BERTH_TEST(image_store_hostile_manifests_leave_store_unchanged)
{
	struct berth_error *err = NULL;
	char dir[PATH_MAX], good[BERTH_DIGEST_BUF], d[BERTH_DIGEST_BUF];
	struct berth_store *s = tstore_new(dir);
	char *before, *after, *big;
	static const char *bad[] = {
		"{\"schemaVersion\":1,\"fsLayers\":[]}",
		"{\"schemaVersion\":2,\"mediaType\":\"",
		"{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_OCI_MANIFEST
		"\",\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG "\",\"digest\":\"sha256:"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":1},"
		"\"layers\":[{\"mediaType\":\"application/x-unknown\",\"digest\":\"sha256:"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":1}]}",
		/* well-formed, but its config blob is missing */
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		"\",\"digest\":\"sha256:"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":1},"
		"\"layers\":[]}",
	};

	tstore_image(s, 7, 2, good);
	CHECK_OK(berth_image_add(
		     s, &(struct berth_image_add_opts){ .manifest = good, .reference = "ok" }, NULL,
		     &err),
		 &err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* the blob itself arrives verified; the refusal is at add time */
		CHECK_OK(berth_sha256_buf(bad[i], strlen(bad[i]), d, &err), &err);
		CHECK_OK(berth_blob_put(s, bad[i], strlen(bad[i]), d, NULL, &err), &err);
		before = tstore_listing(dir);
		CHECK(berth_image_add(
			  s, &(struct berth_image_add_opts){ .manifest = d, .reference = "bad" },
			  NULL, &err) < 0);
		CHECK(strstr(err->msg, "manifest") != NULL || strstr(err->msg, "config") != NULL);
		berth_error_clear(&err);
		after = tstore_listing(dir);
		CHECK_STR(after, before);
		free(before);
		free(after);
	}
	/* a manifest over 4 MiB and a truncated blob never get into the store */
	before = tstore_listing(dir);
	big = calloc(1, BERTH_MANIFEST_MAX + 2);
	memset(big, ' ', BERTH_MANIFEST_MAX + 1);
	CHECK_OK(berth_sha256_buf(big, BERTH_MANIFEST_MAX + 1, d, &err), &err);
	CHECK(berth_blob_put(s, big, BERTH_MANIFEST_MAX, d, NULL, &err) < 0);
	CHECK(strstr(err->msg, "size mismatch") != NULL || strstr(err->msg, "digest mismatch"));
	berth_error_clear(&err);
	free(big);
	after = tstore_listing(dir);
	CHECK_STR(after, before);
	free(before);
	free(after);
	berth_store_free(s);
	tstore_rm(dir);
}
