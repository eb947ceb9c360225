/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/decompress.h"
#include "test-storage.h"
#include "unit.h"
#include "util/cleanup.h"

/* A pseudo-random but compressible payload. */
static char *payload(size_t len)
{
	char *p = malloc(len);
	unsigned x = 1;

	CHECK(p != NULL);
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		p[i] = "abcdefgh\n "[(x >> 16) % 10];
	}
	return p;
}

/* Read the whole stream in odd-sized pieces; compare bytes and both digests. */
static void roundtrip(char how, const char *media_type, const char *backend)
{
	size_t len = 3 << 20, blen = 0, got = 0;
	cleanup_free char *raw = payload(len);
	cleanup_free char *out = malloc(len + 1);
	cleanup_close int fd = storage_blob(raw, len, how, &blen);
	cleanup_free char *blob = malloc(blen);
	struct berth_layer_reader *r = NULL;
	struct berth_error *err = NULL;
	char diffid[72], digest[72], want[72];
	ssize_t n;

	CHECK(pread(fd, blob, blen, 0) == (ssize_t)blen);
	CHECK_OK(berth_layer_reader_open(fd, media_type, "L", 0, &r, &err), &err);
	CHECK_STR(berth_layer_reader_backend(r), backend);
	while ((n = berth_layer_reader_read(r, out + got, 7777, &err)) > 0)
		got += n;
	CHECK_OK(n, &err);
	CHECK_INT(got, ==, len);
	CHECK(memcmp(out, raw, len) == 0);
	CHECK_OK(berth_layer_reader_finish(r, diffid, digest, &err), &err);
	storage_sha256(raw, len, want);
	CHECK_STR(diffid, want);
	storage_sha256(blob, blen, want);
	CHECK_STR(digest, want);
	berth_layer_reader_free(r);
}

BERTH_TEST(storage_reader_formats)
{
	roundtrip('t', "application/vnd.oci.image.layer.v1.tar", "copy");
	roundtrip('g', "application/vnd.oci.image.layer.v1.tar+gzip", "igzip");
	roundtrip('g', "application/vnd.docker.image.rootfs.diff.tar.gzip", "igzip");
	roundtrip('z', "application/vnd.oci.image.layer.v1.tar+zstd", "zstd");
	roundtrip('g', NULL, "igzip"); /* sniffed */
	roundtrip('z', "", "zstd");
	roundtrip('t', NULL, "copy");
	berth_layer_force_zlib(1);
	roundtrip('g', NULL, "zlib");
	berth_layer_force_zlib(0);
}

BERTH_TEST(storage_reader_media_type_refused)
{
	struct berth_layer_reader *r = NULL;
	struct berth_error *err = NULL;

	CHECK_INT(berth_layer_reader_open(0, "application/vnd.oci.image.layer.v1.tar+bzip2", "L", 0,
					  &r, &err),
		  ==, -EINVAL);
	CHECK(strstr(err->msg, "unsupported layer media type") != NULL);
	CHECK(r == NULL);
	berth_error_free(err);
}

static void expect_fail(int fd, uint64_t cap, int code, const char *msg)
{
	struct berth_layer_reader *r = NULL;
	struct berth_error *err = NULL;
	char diffid[72];

	CHECK_OK(berth_layer_reader_open(fd, NULL, "sha256:beef", cap, &r, &err), &err);
	CHECK_INT(berth_layer_reader_finish(r, diffid, NULL, &err), ==, -code);
	if (strstr(err->msg, msg) == NULL || strstr(err->msg, "layer sha256:beef") == NULL)
		FAIL("unexpected message: %s", err->msg);
	berth_error_free(err);
	berth_layer_reader_free(r);
}

static void truncated(char how, int zlib)
{
	size_t len = 1 << 20, blen;
	cleanup_free char *raw = payload(len);
	cleanup_close int fd = storage_blob(raw, len, how, &blen);

	CHECK(ftruncate(fd, blen / 2) == 0);
	berth_layer_force_zlib(zlib);
	expect_fail(fd, 0, EPROTO, "truncated");
	berth_layer_force_zlib(0);
}

BERTH_TEST(storage_reader_truncated)
{
	truncated('g', 0);
	truncated('g', 1);
	truncated('z', 0);
}

BERTH_TEST(storage_reader_bomb_capped)
{
	size_t len = 64 << 20;
	cleanup_free char *zeros = calloc(1, len);
	cleanup_close int fd = -1;

	CHECK(zeros != NULL);
	fd = storage_blob(zeros, len, 'g', NULL);
	expect_fail(fd, 1 << 20, EFBIG, "exceeds the limit of 1048576 bytes");
	close(fd);
	fd = storage_blob(zeros, len, 'z', NULL);
	expect_fail(fd, 1 << 20, EFBIG, "decompression bomb");
	close(fd);
	fd = storage_blob(zeros, len, 't', NULL);
	expect_fail(fd, len - 1, EFBIG, "exceeds the limit");
}

BERTH_TEST(storage_reader_trailing_garbage)
{
	size_t len = 1 << 16, blen;
	cleanup_free char *raw = payload(len);
	cleanup_close int fd = storage_blob(raw, len, 'g', &blen);

	char garbage[64];

	memset(garbage, 'x', sizeof(garbage));
	CHECK(pwrite(fd, garbage, sizeof(garbage), blen) == sizeof(garbage));
	expect_fail(fd, 0, EPROTO, "invalid gzip data");
	berth_layer_force_zlib(1);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	expect_fail(fd, 0, EPROTO, "invalid gzip data");
	berth_layer_force_zlib(0);
}

BERTH_TEST(storage_reader_multi_member)
{
	size_t len = 1 << 20, n1, n2;
	cleanup_free char *raw = payload(len);
	cleanup_close int a = storage_blob(raw, len / 2, 'g', &n1);
	cleanup_close int b = storage_blob(raw + len / 2, len / 2, 'g', &n2);
	cleanup_free char *buf = malloc(n1 + n2);
	cleanup_close int fd = -1;
	struct berth_layer_reader *r = NULL;
	struct berth_error *err = NULL;
	char diffid[72], want[72];

	CHECK(pread(a, buf, n1, 0) == (ssize_t)n1 && pread(b, buf + n1, n2, 0) == (ssize_t)n2);
	for (int zlib = 0; zlib < 2; zlib++) {
		fd = storage_blob(buf, n1 + n2, 't', NULL);
		berth_layer_force_zlib(zlib);
		CHECK_OK(berth_layer_reader_open(fd, NULL, "L", 0, &r, &err), &err);
		CHECK_OK(berth_layer_reader_finish(r, diffid, NULL, &err), &err);
		storage_sha256(raw, len, want);
		CHECK_STR(diffid, want);
		CHECK_INT(berth_layer_reader_total(r), ==, len);
		berth_layer_reader_free(r);
		close(fd);
	}
	berth_layer_force_zlib(0);
}

/* Without the blob digest the DiffID is the same, and asking for the digest is refused. */
BERTH_TEST(storage_reader_no_blob_digest)
{
	size_t len = 1 << 20, blen = 0;
	cleanup_free char *raw = payload(len);
	cleanup_close int fd = storage_blob(raw, len, 'g', &blen);
	struct berth_layer_reader *r = NULL;
	struct berth_error *err = NULL;
	char diffid[72], digest[72], want[72];

	CHECK_OK(berth_layer_reader_open(fd, NULL, "L", 0, &r, &err), &err);
	berth_layer_reader_no_blob_digest(r);
	CHECK_INT(berth_layer_reader_finish(r, diffid, digest, &err), ==, -EINVAL);
	berth_error_free(err);
	err = NULL;
	CHECK_OK(berth_layer_reader_finish(r, diffid, NULL, &err), &err);
	storage_sha256(raw, len, want);
	CHECK_STR(diffid, want);
	berth_layer_reader_free(r);
}
