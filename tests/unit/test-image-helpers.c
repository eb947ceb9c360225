/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/blobs.h"
#include "image/manifest.h"
#include "test-image-helpers.h"
#include "unit.h"
#include "util/fs.h"

struct berth_store *tstore_new(char *dir)
{
	struct berth_error *err = NULL;
	struct berth_store *s = NULL;
	char root[PATH_MAX];

	snprintf(dir, PATH_MAX, "/tmp/berth-imgtest-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(root, sizeof(root), "%s/root", dir);
	CHECK_OK(berth_store_open(root, &s, &err), &err);
	return s;
}

void tstore_rm(const char *dir)
{
	berth_rm_rf_at(AT_FDCWD, dir);
}

static char *listing;
static size_t listing_len;
static size_t base_len;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char digest[BERTH_DIGEST_BUF] = "-";
	char line[PATH_MAX + 200];
	int n;

	(void)type;
	(void)ftw;
	if (S_ISREG(st->st_mode)) {
		struct berth_error *err = NULL;
		char *buf = NULL;
		size_t len = 0;

		CHECK_OK(berth_read_file_at(AT_FDCWD, path, 1u << 30, &buf, &len, &err), &err);
		CHECK_OK(berth_sha256_buf(buf, len, digest, &err), &err);
		free(buf);
	}
	n = snprintf(line, sizeof(line), "%s %o %lld %s\n", path + base_len, st->st_mode,
		     S_ISDIR(st->st_mode) ? 0LL : (long long)st->st_size, digest);
	listing = realloc(listing, listing_len + (size_t)n + 1);
	memcpy(listing + listing_len, line, (size_t)n + 1);
	listing_len += (size_t)n;
	return 0;
}

char *tstore_listing(const char *dir)
{
	listing = strdup("");
	listing_len = 0;
	base_len = strlen(dir);
	CHECK(nftw(dir, visit, 16, FTW_PHYS) == 0);
	return listing;
}

void tstore_put(struct berth_store *s, const char *data, char digest[BERTH_DIGEST_BUF])
{
	struct berth_error *err = NULL;

	CHECK_OK(berth_blob_put(s, data, strlen(data), NULL, digest, &err), &err);
}

void tstore_image(struct berth_store *s, int seed, int n_layers, char manifest[BERTH_DIGEST_BUF])
{
	char layers[4096] = "", diffs[4096] = "", cfg[8192], man[8192];
	char config_digest[BERTH_DIGEST_BUF];
	size_t lo = 0, dof = 0;

	for (int i = 0; i < n_layers; i++) {
		char data[64], d[BERTH_DIGEST_BUF], diff[BERTH_DIGEST_BUF];
		struct berth_error *err = NULL;

		size_t size;

		snprintf(data, sizeof(data), "layer %d of image %d", i, seed);
		size = strlen(data);
		tstore_put(s, data, d);
		snprintf(data, sizeof(data), "diff %d of image %d", i, seed);
		CHECK_OK(berth_sha256_buf(data, strlen(data), diff, &err), &err);
		lo += (size_t)snprintf(layers + lo, sizeof(layers) - lo,
				       "%s{\"mediaType\":\"" BERTH_MT_OCI_LAYER_GZIP
				       "\",\"digest\":\"%s\",\"size\":%zu}",
				       i ? "," : "", d, size);
		dof += (size_t)snprintf(diffs + dof, sizeof(diffs) - dof, "%s\"%s\"", i ? "," : "",
					diff);
	}
	snprintf(
	    cfg, sizeof(cfg),
	    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-0%d-01T00:00:00Z\","
	    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
	    seed % 9 + 1, diffs);
	tstore_put(s, cfg, config_digest);
	snprintf(man, sizeof(man),
		 "{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_OCI_MANIFEST
		 "\",\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		 "\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[%s]}",
		 config_digest, strlen(cfg), layers);
	tstore_put(s, man, manifest);
}
