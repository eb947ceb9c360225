/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer stream decompression: plain tar, gzip (ISA-L igzip, zlib fallback) and
 * zstd, with the compressed and uncompressed SHA-256 computed in the same pass
 * and a hard cap on the uncompressed size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "storage/decompress.h"
#include "storage/isal-dl.h"
#include "util/cleanup.h"
#include "util/digest.h"

#define IN_CHUNK (256 * 1024)

enum backend { BK_COPY, BK_ISAL, BK_ZLIB, BK_ZSTD };

struct berth_layer_reader {
	int fd;
	int backend;
	char *name;
	uint64_t max_total;
	uint64_t total;
	struct berth_sha256 diff_md;
	struct berth_sha256 blob_md;
	bool blob_on; /* blob_md is being computed */
	unsigned char *in;
	size_t in_pos, in_len;
	int in_eof;
	int member_end; /* the current gzip member / zstd frame is complete */
	struct inflate_state *isal;
	z_stream *z;
	ZSTD_DStream *zs;
};

static int force_zlib;

void berth_layer_force_zlib(int on)
{
	force_zlib = on;
}

static const struct {
	const char *type;
	int compression;
} media_types[] = {
	{ "application/vnd.oci.image.layer.v1.tar", BERTH_LAYER_TAR },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", BERTH_LAYER_GZIP },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", BERTH_LAYER_ZSTD },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", BERTH_LAYER_TAR },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", BERTH_LAYER_GZIP },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", BERTH_LAYER_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar", BERTH_LAYER_TAR },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", BERTH_LAYER_GZIP },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", BERTH_LAYER_GZIP },
};

int berth_storage_compression_of(const char *media_type, int *compression, struct berth_error **err)
{
	if (media_type == NULL || *media_type == '\0') {
		*compression = -1;
		return 0;
	}
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(media_types); i++) {
		if (strcmp(media_type, media_types[i].type) == 0) {
			*compression = media_types[i].compression;
			return 0;
		}
	}
	return berth_error_set(err, EINVAL, "unsupported layer media type '%s'", media_type);
}

static int fill(struct berth_layer_reader *r, struct berth_error **err)
{
	ssize_t n;

	if (r->in_pos < r->in_len || r->in_eof)
		return 0;
	do
		n = read(r->fd, r->in, IN_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_errno(err, "layer %s: read", r->name);
	if (n == 0)
		r->in_eof = 1;
	if (n > 0 && r->blob_on && berth_sha256_update(&r->blob_md, r->in, n, err) < 0)
		return berth_error_prefix(err, "layer %s", r->name);
	r->in_pos = 0;
	r->in_len = n;
	return 0;
}

static int truncated(struct berth_layer_reader *r, struct berth_error **err)
{
	return berth_error_set(err, EPROTO, "layer %s: compressed stream is truncated", r->name);
}

static int step_copy(struct berth_layer_reader *r, void *buf, size_t len, size_t *got,
		     struct berth_error **err)
{
	size_t n = r->in_len - r->in_pos;

	if (n > len)
		n = len;
	memcpy(buf, r->in + r->in_pos, n);
	r->in_pos += n;
	*got = n;
	return 0;
}

static int isal_start(struct berth_layer_reader *r)
{
	isal_inflate_init(r->isal);
	r->isal->crc_flag = ISAL_GZIP;
	r->member_end = 0;
	return 0;
}

static int step_isal(struct berth_layer_reader *r, void *buf, size_t len, size_t *got,
		     struct berth_error **err)
{
	struct inflate_state *s = r->isal;
	int ret;

	if (r->member_end) {
		if (r->in_pos == r->in_len)
			return (*got = 0);
		isal_start(r); /* another gzip member follows (pigz, concatenated files) */
	}
	s->next_in = r->in + r->in_pos;
	s->avail_in = r->in_len - r->in_pos;
	s->next_out = buf;
	s->avail_out = len;
	ret = isal_inflate(s);
	r->in_pos = r->in_len - s->avail_in;
	*got = len - s->avail_out;
	if (ret < 0)
		return berth_error_set(err, EPROTO, "layer %s: invalid gzip data (igzip error %d)",
				       r->name, ret);
	if (s->block_state == ISAL_BLOCK_FINISH)
		r->member_end = 1;
	return 0;
}

static int step_zlib(struct berth_layer_reader *r, void *buf, size_t len, size_t *got,
		     struct berth_error **err)
{
	z_stream *z = r->z;
	int ret;

	if (r->member_end) {
		if (r->in_pos == r->in_len)
			return (*got = 0);
		inflateReset(z);
		r->member_end = 0;
	}
	z->next_in = r->in + r->in_pos;
	z->avail_in = r->in_len - r->in_pos;
	z->next_out = buf;
	z->avail_out = len;
	ret = inflate(z, Z_NO_FLUSH);
	r->in_pos = r->in_len - z->avail_in;
	*got = len - z->avail_out;
	if (ret == Z_STREAM_END)
		r->member_end = 1;
	else if (ret != Z_OK && ret != Z_BUF_ERROR)
		return berth_error_set(err, EPROTO, "layer %s: invalid gzip data: %s", r->name,
				       z->msg ? z->msg : "inflate failed");
	return 0;
}

static int step_zstd(struct berth_layer_reader *r, void *buf, size_t len, size_t *got,
		     struct berth_error **err)
{
	ZSTD_inBuffer in = { r->in, r->in_len, r->in_pos };
	ZSTD_outBuffer out = { buf, len, 0 };
	size_t ret;

	ret = ZSTD_decompressStream(r->zs, &out, &in);
	r->in_pos = in.pos;
	*got = out.pos;
	if (ZSTD_isError(ret))
		return berth_error_set(err, EPROTO, "layer %s: invalid zstd data: %s", r->name,
				       ZSTD_getErrorName(ret));
	r->member_end = ret == 0;
	return 0;
}

static int step(struct berth_layer_reader *r, void *buf, size_t len, size_t *got,
		struct berth_error **err)
{
	switch (r->backend) {
	case BK_ISAL:
		return step_isal(r, buf, len, got, err);
	case BK_ZLIB:
		return step_zlib(r, buf, len, got, err);
	case BK_ZSTD:
		return step_zstd(r, buf, len, got, err);
	default:
		return step_copy(r, buf, len, got, err);
	}
}

/* The stream is over when the input is exhausted; it is whole when the last member ended. */
static int at_end(struct berth_layer_reader *r, struct berth_error **err)
{
	if (r->backend != BK_COPY && !r->member_end)
		return truncated(r, err);
	return 0;
}

ssize_t berth_layer_reader_read(struct berth_layer_reader *r, void *buf, size_t len,
				struct berth_error **err)
{
	size_t got = 0;
	uint64_t room = r->max_total - r->total + 1; /* one byte over the cap is enough to tell */

	if (len > room)
		len = room;
	while (got == 0) {
		if (fill(r, err) < 0)
			return berth_error_ret(err);
		if (r->in_eof && r->in_pos == r->in_len && (r->backend == BK_COPY || r->member_end))
			return at_end(r, err);
		if (step(r, buf, len, &got, err) < 0)
			return berth_error_ret(err);
		if (got == 0 && r->in_eof && r->in_pos == r->in_len)
			return at_end(r, err);
	}
	r->total += got;
	if (r->total > r->max_total)
		return berth_error_set(
		    err, EFBIG,
		    "layer %s: uncompressed size exceeds the limit of %llu bytes "
		    "(decompression bomb?)",
		    r->name, (unsigned long long)r->max_total);
	if (berth_sha256_update(&r->diff_md, buf, got, err) < 0)
		return berth_error_prefix(err, "layer %s", r->name);
	return (ssize_t)got;
}

static int sniff(struct berth_layer_reader *r, struct berth_error **err)
{
	static const unsigned char gz[] = { 0x1f, 0x8b }, zst[] = { 0x28, 0xb5, 0x2f, 0xfd };

	if (fill(r, err) < 0)
		return berth_error_ret(err);
	if (r->in_len >= 2 && memcmp(r->in, gz, 2) == 0)
		return BERTH_LAYER_GZIP;
	if (r->in_len >= 4 && memcmp(r->in, zst, 4) == 0)
		return BERTH_LAYER_ZSTD;
	return BERTH_LAYER_TAR;
}

static int start_gzip(struct berth_layer_reader *r, struct berth_error **err)
{
	if (!force_zlib && berth_isal_available()) {
		r->isal = calloc(1, sizeof(*r->isal));
		if (r->isal != NULL) {
			r->backend = BK_ISAL;
			return isal_start(r);
		}
	}
	r->z = calloc(1, sizeof(*r->z));
	if (r->z == NULL || inflateInit2(r->z, 15 + 16) != Z_OK)
		return berth_error_set(err, ENOMEM, "layer %s: cannot start zlib", r->name);
	r->backend = BK_ZLIB;
	return 0;
}

static int start(struct berth_layer_reader *r, int compression, struct berth_error **err)
{
	if (compression < 0 && (compression = sniff(r, err)) < 0)
		return compression;
	if (compression == BERTH_LAYER_GZIP)
		return start_gzip(r, err);
	if (compression == BERTH_LAYER_ZSTD) {
		r->zs = ZSTD_createDStream();
		if (r->zs == NULL)
			return berth_error_set(err, ENOMEM, "layer %s: cannot start zstd", r->name);
		r->backend = BK_ZSTD;
		return 0;
	}
	r->backend = BK_COPY;
	return 0;
}

int berth_layer_reader_open(int fd, const char *media_type, const char *name, uint64_t max_total,
			    struct berth_layer_reader **out, struct berth_error **err)
{
	struct berth_layer_reader *r;
	int compression;

	if (berth_storage_compression_of(media_type, &compression, err) < 0)
		return berth_error_prefix(err, "layer %s", name);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return berth_error_set(err, ENOMEM, "layer %s: out of memory", name);
	r->fd = fd;
	r->max_total = max_total ? max_total : BERTH_LAYER_DEFAULT_MAX;
	r->name = strdup(name);
	r->in = malloc(IN_CHUNK);
	if (!r->name || !r->in) {
		berth_layer_reader_free(r);
		return berth_error_set(err, ENOMEM, "layer %s: out of memory", name);
	}
	if (berth_sha256_init(&r->diff_md, err) < 0 || berth_sha256_init(&r->blob_md, err) < 0) {
		berth_layer_reader_free(r);
		return berth_error_prefix(err, "layer %s", name);
	}
	r->blob_on = true;
	if (start(r, compression, err) < 0) {
		berth_layer_reader_free(r);
		return berth_error_ret(err);
	}
	*out = r;
	return 0;
}

void berth_layer_reader_no_blob_digest(struct berth_layer_reader *r)
{
	berth_sha256_release(&r->blob_md);
	r->blob_on = false;
}

int berth_layer_reader_finish(struct berth_layer_reader *r, char *diffid, char *blob_digest,
			      struct berth_error **err)
{
	cleanup_free char *scratch = NULL;
	ssize_t n;

	if (blob_digest != NULL && !r->blob_on)
		return berth_error_set(err, EINVAL, "layer %s: the blob digest was not computed",
				       r->name);
	scratch = malloc(IN_CHUNK);
	if (scratch == NULL)
		return berth_error_set(err, ENOMEM, "layer %s: out of memory", r->name);
	while ((n = berth_layer_reader_read(r, scratch, IN_CHUNK, err)) > 0)
		;
	if (n < 0)
		return (int)n;
	if (berth_sha256_final(&r->diff_md, diffid, err) < 0)
		return berth_error_prefix(err, "layer %s", r->name);
	if (blob_digest != NULL && berth_sha256_final(&r->blob_md, blob_digest, err) < 0)
		return berth_error_prefix(err, "layer %s", r->name);
	return 0;
}

uint64_t berth_layer_reader_total(const struct berth_layer_reader *r)
{
	return r->total;
}

const char *berth_layer_reader_backend(const struct berth_layer_reader *r)
{
	static const char *const names[] = { "copy", "igzip", "zlib", "zstd" };

	return names[r->backend];
}

void berth_layer_reader_free(struct berth_layer_reader *r)
{
	if (r == NULL)
		return;
	if (r->z != NULL)
		inflateEnd(r->z);
	free(r->z);
	free(r->isal);
	ZSTD_freeDStream(r->zs);
	berth_sha256_release(&r->diff_md);
	berth_sha256_release(&r->blob_md);
	free(r->in);
	free(r->name);
	free(r);
}
