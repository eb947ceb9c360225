/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/archive-internal.h"
#include "image/blobs.h"
#include "image/reference.h"
#include "image/unpack.h"
#include "storage/decompress.h"
#include "util/cleanup.h"
#include "util/json.h"

/* load: stage the archive, check every image in it, then commit, unpack, record, tag. */

int load_plan_add(struct load_plan *p, struct load_image **out, struct berth_error **err)
{
	struct load_image *v = realloc(p->images, (p->n + 1) * sizeof(*v));

	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	p->images = v;
	v[p->n] = (struct load_image){ 0 };
	v[p->n].tags = calloc(1, sizeof(char *));
	if (v[p->n].tags == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	*out = &v[p->n++];
	return 0;
}

void load_plan_release(struct load_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct load_image *li = &p->images[i];

		berth_manifest_free(li->m);
		berth_image_config_free(li->c);
		free(li->manifest_buf);
		free(li->layer_files);
		berth_strv_free(li->tags);
	}
	free(p->images);
	*p = (struct load_plan){ 0 };
}

int load_add_tag(struct load_image *li, const char *ref, struct berth_error **err)
{
	struct berth_reference *r = NULL;
	size_t n = berth_strv_len(li->tags);
	char *full = NULL;
	char **v;

	if (berth_reference_parse(ref, &r, err) < 0)
		return -EINVAL;
	if (r->digest != NULL || r->tag == NULL) {
		berth_reference_free(r);
		return berth_error_set(err, EINVAL, "tag \"%s\": a digest cannot be a tag", ref);
	}
	full = berth_reference_string(r);
	berth_reference_free(r);
	v = full ? realloc(li->tags, (n + 2) * sizeof(*v)) : NULL;
	if (v == NULL) {
		free(full);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	v[n] = full;
	v[n + 1] = NULL;
	li->tags = v;
	return 0;
}

int load_config(const struct stage *st, const char *name, const char *want, struct load_image *li,
		struct berth_error **err)
{
	const struct stage_file *f = stage_find(st, name);
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (stage_slurp(st, name, BERTH_CONFIG_MAX, &buf, &len, err) < 0)
		return berth_error_prefix(err, "config");
	if (want && strcmp(want, f->digest) != 0)
		return berth_error_set(err, EBADMSG, "config \"%s\": content %s is not %s", name,
				       f->digest, want);
	if (berth_image_config_parse(buf, len, &li->c, err) < 0)
		return berth_error_prefix(err, "config \"%s\"", name);
	li->config_file = f;
	return 0;
}

int load_check_layer(const struct stage_file *f, const char *media_type, const char *want,
		     int *compression, struct berth_error **err)
{
	struct berth_layer_reader *r = NULL;
	char diffid[BERTH_DIGEST_BUF] = "";
	unsigned char magic[4] = { 0 };
	int ret;

	if (pread(f->fd, magic, sizeof(magic), 0) < 0)
		return berth_error_errno(err, "read staged \"%s\"", f->name);
	*compression = magic[0] == 0x1f && magic[1] == 0x8b   ? BERTH_LAYER_GZIP
		       : magic[0] == 0x28 && magic[1] == 0xb5 ? BERTH_LAYER_ZSTD
							      : BERTH_LAYER_TAR;
	if (lseek(f->fd, 0, SEEK_SET) < 0)
		return berth_error_errno(err, "seek staged \"%s\"", f->name);
	ret = berth_layer_reader_open(f->fd, media_type, f->name, 0, &r, err);
	if (ret == 0)
		ret = berth_layer_reader_finish(r, diffid, NULL, err);
	berth_layer_reader_free(r);
	if (ret < 0)
		return ret;
	if (strcmp(diffid, want) != 0)
		return berth_error_set(err, EBADMSG,
				       "layer \"%s\": its content (diff ID %s) does not match %s",
				       f->name, diffid, want);
	return 0;
}

int load_commit_file(struct berth_store *s, const struct stage_file *f, const char *digest,
		     struct berth_error **err)
{
	static char buf[1 << 16];
	struct berth_blob_writer *w = NULL;
	ssize_t n = 0;
	int ret;

	if (berth_blob_exists(s, digest))
		return 0;
	ret = berth_blob_writer_open(s, digest, f->size, &w, err);
	for (off_t off = 0; ret == 0 && (n = pread(f->fd, buf, sizeof(buf), off)) > 0; off += n)
		ret = berth_blob_writer_write(w, buf, (size_t)n, err);
	if (ret == 0 && n < 0)
		ret = berth_error_errno(err, "read staged \"%s\"", f->name);
	if (ret < 0) {
		berth_blob_writer_abort(w);
		return ret;
	}
	return berth_blob_writer_commit(w, NULL, err);
}

static int commit_blobs(struct berth_store *s, const struct load_image *li,
			struct berth_error **err)
{
	int ret = 0;

	if (li->index_file)
		ret = load_commit_file(s, li->index_file, li->index, err);
	if (ret == 0 && li->manifest_file)
		ret = load_commit_file(s, li->manifest_file, li->manifest, err);
	if (ret == 0 && li->manifest_buf)
		ret =
		    berth_blob_put(s, li->manifest_buf, li->manifest_len, li->manifest, NULL, err);
	if (ret == 0)
		ret = load_commit_file(s, li->config_file, li->m->config.digest, err);
	for (size_t i = 0; ret == 0 && i < li->m->n_layers; i++)
		ret = load_commit_file(s, li->layer_files[i], li->m->layers[i].digest, err);
	return ret;
}

static int commit_image(struct berth_store *s, const struct load_image *li,
			const struct berth_load_events *ev, struct berth_error **err)
{
	struct berth_image *img = NULL;
	int ret;

	ret = commit_blobs(s, li, err);
	if (ret == 0)
		ret = berth_image_unpack(s, li->m->layers, li->m->n_layers, li->c->diff_ids, NULL,
					 NULL, err);
	if (ret == 0)
		ret = berth_image_add(s,
				      &(struct berth_image_add_opts){
					  .manifest = li->manifest,
					  .index = li->index[0] ? li->index : NULL,
				      },
				      &img, err);
	for (size_t i = 0; ret == 0 && li->tags[i]; i++) {
		ret = berth_image_tag(s, li->manifest, li->tags[i], err);
		if (ret == 0 && ev && ev->loaded)
			ev->loaded(ev->ctx, li->tags[i], img->id);
	}
	if (ret == 0 && li->tags[0] == NULL && ev && ev->loaded)
		ev->loaded(ev->ctx, NULL, img->id);
	berth_image_free(img);
	return ret;
}

static int load_staged(struct berth_store *s, const struct stage *st,
		       const struct berth_load_events *ev, struct berth_error **err)
{
	struct load_plan p = { 0 };
	int ret;

	if (stage_find(st, "manifest.json"))
		ret = load_plan_docker(st, &p, err);
	else if (stage_find(st, "index.json") && stage_find(st, "oci-layout"))
		ret = load_plan_oci(st, &p, err);
	else
		ret = berth_error_set(err, EINVAL,
				      "not an image archive: no manifest.json (docker-archive) "
				      "nor oci-layout and index.json (OCI)");
	if (ret == 0 && p.n == 0)
		ret = berth_error_set(err, EINVAL, "the archive holds no image");
	for (size_t i = 0; ret == 0 && i < p.n; i++)
		ret = commit_image(s, &p.images[i], ev, err);
	load_plan_release(&p);
	return ret;
}

int berth_image_load(struct berth_store *s, int fd, const struct berth_load_events *ev,
		     struct berth_error **err)
{
	struct stage st = { 0 };
	int ret;

	/* The lease keeps GC off blobs committed before their record. */
	ret = berth_store_lease(s, err);
	if (ret < 0)
		return ret;
	ret = stage_read(s, fd, &st, err);
	if (ret == 0)
		ret = load_staged(s, &st, ev, err);
	stage_release(&st);
	berth_store_unlease(s);
	return ret < 0 ? berth_error_prefix(err, "load") : 0;
}
