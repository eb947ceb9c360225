/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "image/archive-internal.h"
#include "image/blobs.h"
#include "image/platform.h"
#include "image/reference.h"
#include "image/store-internal.h"
#include "image/unpack.h"
#include "storage/decompress.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/* import: a root file system tarball → a one-layer image. */

static int stage_input(struct berth_store *s, int in, struct stage_file *f,
		       struct berth_error **err)
{
	static char buf[1 << 16];
	cleanup_free char *tmp = NULL;
	struct berth_sha256 h;
	ssize_t n;
	int ret;

	f->fd = store_tmp_create(s, "import", &tmp, err);
	if (f->fd < 0)
		return f->fd;
	unlinkat(s->tmpfd, tmp, 0);
	ret = berth_sha256_init(&h, err);
	while (ret == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = berth_error_errno(err, "read the tarball");
		else if ((f->size += n) > (int64_t)BERTH_LAYER_DEFAULT_MAX)
			ret = berth_error_set(err, EFBIG, "tarball larger than %llu bytes",
					      (unsigned long long)BERTH_LAYER_DEFAULT_MAX);
		else if (berth_write_all(f->fd, buf, (size_t)n) < 0)
			ret = berth_error_errno(err, "write '%s/tmp/%s'", s->root, tmp);
		else
			ret = berth_sha256_update(&h, buf, (size_t)n, err);
	}
	if (ret == 0)
		return berth_sha256_final(&h, f->digest, err);
	berth_sha256_release(&h);
	return ret;
}

static int diff_id(struct stage_file *f, char out[BERTH_DIGEST_BUF], struct berth_error **err)
{
	struct berth_layer_reader *r = NULL;
	int ret;

	if (f->size == 0)
		return berth_error_set(err, EINVAL, "the tarball is empty");
	if (lseek(f->fd, 0, SEEK_SET) < 0)
		return berth_error_errno(err, "seek the staged tarball");
	ret = berth_layer_reader_open(f->fd, NULL, "tarball", 0, &r, err);
	if (ret == 0)
		ret = berth_layer_reader_finish(r, out, NULL, err);
	berth_layer_reader_free(r);
	return ret;
}

static char *config_json(const char *diffid, const char *message, struct berth_error **err)
{
	struct berth_platform host;
	json_object *c, *rootfs, *ids, *hist, *h;
	char now[64];
	time_t t = time(NULL);
	struct tm tm;
	char *s;

	if (berth_platform_host(&host, err) < 0)
		return NULL;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	c = json_object_new_object();
	json_object_object_add(c, "architecture", json_object_new_string(host.arch));
	if (host.variant[0])
		json_object_object_add(c, "variant", json_object_new_string(host.variant));
	json_object_object_add(c, "os", json_object_new_string("linux"));
	json_object_object_add(c, "created", json_object_new_string(now));
	json_object_object_add(c, "config", json_object_new_object());
	rootfs = json_object_new_object();
	ids = json_object_new_array();
	json_object_array_add(ids, json_object_new_string(diffid));
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", ids);
	json_object_object_add(c, "rootfs", rootfs);
	h = json_object_new_object();
	json_object_object_add(h, "created", json_object_new_string(now));
	json_object_object_add(h, "created_by", json_object_new_string("berth import"));
	if (message)
		json_object_object_add(h, "comment", json_object_new_string(message));
	hist = json_object_new_array();
	json_object_array_add(hist, h);
	json_object_object_add(c, "history", hist);
	s = berth_json_dump(c);
	json_object_put(c);
	if (s == NULL)
		berth_error_set(err, ENOMEM, "out of memory");
	return s;
}

static char *manifest_json(const char *config, size_t config_len, const struct stage_file *f,
			   const char *layer_type)
{
	char *s = NULL;

	if (asprintf(&s,
		     "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
		     "\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\"%s\","
		     "\"digest\":\"%s\",\"size\":%lld}]}",
		     BERTH_MT_OCI_MANIFEST, BERTH_MT_OCI_CONFIG, config, config_len, layer_type,
		     f->digest, (long long)f->size) < 0)
		return NULL;
	return s;
}

struct imp {
	struct stage_file f;
	char diffid[BERTH_DIGEST_BUF];
	char config[BERTH_DIGEST_BUF];
	char manifest[BERTH_DIGEST_BUF];
	char *config_buf;
	char *manifest_buf;
};

static int commit(struct berth_store *s, struct imp *im, const char *layer_type,
		  struct berth_image **out, struct berth_error **err)
{
	struct berth_descriptor layer = { .media_type = (char *)layer_type, .size = im->f.size };
	char *ids[2] = { im->diffid, NULL };

	memcpy(layer.digest, im->f.digest, BERTH_DIGEST_BUF);
	if (load_commit_file(s, &im->f, im->f.digest, err) < 0 ||
	    berth_image_unpack(s, &layer, 1, ids, NULL, NULL, err) < 0 ||
	    berth_blob_put(s, im->config_buf, strlen(im->config_buf), NULL, im->config, err) < 0 ||
	    berth_blob_put(s, im->manifest_buf, strlen(im->manifest_buf), im->manifest, NULL, err) <
		0)
		return -(*err)->code;
	return berth_image_add(s, &(struct berth_image_add_opts){ .manifest = im->manifest }, out,
			       err);
}

static int import_steps(struct berth_store *s, const struct berth_import_opts *o, struct imp *im,
			struct berth_image **out, struct berth_error **err)
{
	unsigned char magic[2] = { 0 };
	const char *type;

	if (stage_input(s, o->fd, &im->f, err) < 0 || diff_id(&im->f, im->diffid, err) < 0)
		return -(*err)->code;
	if (pread(im->f.fd, magic, 2, 0) < 0)
		return berth_error_errno(err, "read the staged tarball");
	type = magic[0] == 0x1f && magic[1] == 0x8b   ? BERTH_MT_OCI_LAYER_GZIP
	       : magic[0] == 0x28 && magic[1] == 0xb5 ? BERTH_MT_OCI_LAYER_ZSTD
						      : BERTH_MT_OCI_LAYER;
	im->config_buf = config_json(im->diffid, o->message, err);
	if (im->config_buf == NULL ||
	    berth_sha256_buf(im->config_buf, strlen(im->config_buf), im->config, err) < 0)
		return -(*err)->code;
	im->manifest_buf = manifest_json(im->config, strlen(im->config_buf), &im->f, type);
	if (im->manifest_buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (berth_sha256_buf(im->manifest_buf, strlen(im->manifest_buf), im->manifest, err) < 0)
		return -(*err)->code;
	return commit(s, im, type, out, err);
}

int berth_image_import(struct berth_store *s, const struct berth_import_opts *o,
		       struct berth_image **out, struct berth_error **err)
{
	struct imp im = { .f = { .name = "tarball", .fd = -1 } };
	struct berth_image *img = NULL;
	struct load_image tag = { 0 };
	int ret;

	/* the name is checked before any work */
	if (o->reference && load_add_tag(&tag, o->reference, err) < 0)
		return berth_error_prefix(err, "import");
	ret = berth_store_lease(s, err);
	if (ret == 0) {
		ret = import_steps(s, o, &im, &img, err);
		if (ret == 0 && tag.tags)
			ret = berth_image_tag(s, img->manifest, tag.tags[0], err);
		berth_store_unlease(s);
	}
	berth_closep(&im.f.fd);
	free(im.config_buf);
	free(im.manifest_buf);
	berth_strv_free(tag.tags);
	if (ret == 0 && out != NULL)
		*out = img;
	else
		berth_image_free(img);
	return ret < 0 ? berth_error_prefix(err, "import") : 0;
}
