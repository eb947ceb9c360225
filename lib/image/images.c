/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image/blobs.h"
#include "image/config.h"
#include "image/images.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/json.h"

static int fill_layers(struct berth_image *img, const struct berth_manifest *m,
		       const struct berth_image_config *c, struct berth_error **err)
{
	char(*chains)[BERTH_DIGEST_BUF] = NULL;
	int ret;

	if (c->n_diff_ids != m->n_layers)
		return berth_error_set(err, EINVAL, "config has %zu diff IDs for %zu layers",
				       c->n_diff_ids, m->n_layers);
	chains = calloc(m->n_layers + 1, sizeof(*chains));
	img->layers = calloc(m->n_layers + 1, sizeof(*img->layers));
	if (chains == NULL || img->layers == NULL) {
		free(chains);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	ret = berth_chain_ids(c->diff_ids, c->n_diff_ids, chains, err);
	for (size_t i = 0; ret == 0 && i < m->n_layers; i++) {
		struct berth_image_layer *l = &img->layers[i];
		const struct berth_descriptor *d = &m->layers[i];

		img->n_layers = i + 1;
		memcpy(l->digest, d->digest, BERTH_DIGEST_BUF);
		memcpy(l->diff_id, c->diff_ids[i], BERTH_DIGEST_BUF);
		memcpy(l->chain_id, chains[i], BERTH_DIGEST_BUF);
		l->size = d->size;
		l->media_type = strdup(d->media_type);
		l->urls = d->urls ? calloc(berth_strv_len(d->urls) + 1, sizeof(char *)) : NULL;
		for (size_t u = 0; l->urls && d->urls[u]; u++)
			l->urls[u] = strdup(d->urls[u]);
		if (l->media_type == NULL)
			ret = berth_error_set(err, ENOMEM, "out of memory");
	}
	free(chains);
	return ret;
}

static int check_blobs(struct berth_store *s, const struct berth_manifest *m, int64_t *size,
		       struct berth_error **err)
{
	for (size_t i = 0; i < m->n_layers; i++) {
		int64_t have = 0;

		if (berth_blob_size(s, m->layers[i].digest, &have, err) < 0)
			return berth_error_prefix(err, "layer %zu", i);
		if (have != m->layers[i].size)
			return berth_error_set(err, EINVAL,
					       "layer %s: %lld bytes stored, manifest "
					       "says %lld",
					       m->layers[i].digest, (long long)have,
					       (long long)m->layers[i].size);
		*size += have;
	}
	return 0;
}

static int load_parts(struct berth_store *s, const char *digest, struct berth_manifest **m,
		      struct berth_image_config **c, size_t *mlen, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (berth_blob_read(s, digest, BERTH_MANIFEST_MAX, &buf, &len, err) < 0 ||
	    berth_manifest_parse(buf, len, NULL, m, err) < 0)
		return berth_error_prefix(err, "manifest %s", digest);
	if ((*m)->kind != BERTH_MANIFEST_IMAGE)
		return berth_error_set(err, EINVAL, "manifest %s: an index, not an image", digest);
	free(buf);
	buf = NULL;
	*mlen = len;
	if (berth_blob_read(s, (*m)->config.digest, BERTH_CONFIG_MAX, &buf, &len, err) < 0 ||
	    berth_image_config_parse(buf, len, c, err) < 0)
		return berth_error_prefix(err, "config %s", (*m)->config.digest);
	return 0;
}

static int build_record(struct berth_store *s, const struct berth_image_add_opts *o,
			struct berth_image *img, struct berth_error **err)
{
	struct berth_manifest *m = NULL;
	struct berth_image_config *c = NULL;
	size_t mlen = 0;
	int ret;

	if (berth_digest_check(o->manifest, err) < 0 ||
	    (o->index && berth_digest_check(o->index, err) < 0))
		return -EINVAL;
	ret = load_parts(s, o->manifest, &m, &c, &mlen, err);
	if (ret == 0) {
		img->size = (int64_t)mlen + m->config.size;
		ret = check_blobs(s, m, &img->size, err);
	}
	if (ret == 0)
		ret = fill_layers(img, m, c, err);
	if (ret == 0) {
		memcpy(img->id, m->config.digest, BERTH_DIGEST_BUF);
		snprintf(img->manifest, sizeof(img->manifest), "%s", o->manifest);
		snprintf(img->index, sizeof(img->index), "%s", o->index ? o->index : "");
		img->media_type = strdup(m->media_type);
		img->created = c->created ? strdup(c->created) : NULL;
		if (asprintf(&img->platform, "%s/%s%s%s", c->os, c->architecture,
			     c->variant ? "/" : "", c->variant ? c->variant : "") < 0)
			img->platform = NULL;
		img->added = (int64_t)time(NULL);
		if (img->media_type == NULL || img->platform == NULL)
			ret = berth_error_set(err, ENOMEM, "out of memory");
	}
	berth_manifest_free(m);
	berth_image_config_free(c);
	return ret;
}

/* repo digests: the old record's, plus name@digest for this reference. */
static int merge_repo_digests(struct berth_store *s, struct berth_image *img,
			      const struct berth_reference *r, struct berth_error **err)
{
	struct berth_image *old = NULL;
	cleanup_free char *name = r ? berth_reference_name(r) : NULL;
	char *rd = NULL;
	size_t n;

	if (record_load(s, img->manifest, &old, err) < 0)
		berth_error_clear(err);
	img->repo_digests = old ? steal_ptr(&old->repo_digests) : calloc(1, sizeof(char *));
	if (old != NULL)
		img->added = old->added;
	berth_image_free(old);
	if (img->repo_digests == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (r == NULL)
		return 0;
	if (name == NULL ||
	    asprintf(&rd, "%s@%s", name, img->index[0] ? img->index : img->manifest) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (n = 0; img->repo_digests[n]; n++)
		if (strcmp(img->repo_digests[n], rd) == 0) {
			free(rd);
			return 0;
		}
	char **v = realloc(img->repo_digests, (n + 2) * sizeof(char *));
	if (v == NULL) {
		free(rd);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	v[n] = rd;
	v[n + 1] = NULL;
	img->repo_digests = v;
	return 0;
}

static int add_tag(struct berth_store *s, const struct berth_reference *r, struct berth_image *img,
		   struct berth_error **err)
{
	json_object *tags = NULL;
	cleanup_free char *full = NULL;
	struct berth_reference plain = *r;
	int ret;

	plain.digest = NULL;
	full = berth_reference_string(&plain);
	if (full == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (tags_load(s, &tags, err) < 0)
		return berth_error_ret(err);
	json_object_object_add(tags, full, json_object_new_string(img->manifest));
	ret = tags_save(s, tags, err);
	if (ret == 0)
		ret = tags_attach(tags, img, err);
	json_object_put(tags);
	return ret;
}

static int add_locked(struct berth_store *s, const struct berth_image_add_opts *o,
		      struct berth_image *img, struct berth_error **err)
{
	struct berth_reference *r = NULL;
	int ret;

	if (o->reference && berth_reference_parse(o->reference, &r, err) < 0)
		return -EINVAL;
	ret = build_record(s, o, img, err);
	if (ret == 0)
		ret = merge_repo_digests(s, img, r, err);
	/* the record first: a tag must never lead to a missing record */
	if (ret == 0)
		ret = record_save(s, img, err);
	if (ret == 0 && r != NULL && r->tag != NULL)
		ret = add_tag(s, r, img, err);
	berth_reference_free(r);
	return ret;
}

int berth_image_add(struct berth_store *s, const struct berth_image_add_opts *opts,
		    struct berth_image **out, struct berth_error **err)
{
	struct berth_image *img = calloc(1, sizeof(*img));
	int ret;

	if (img == NULL || (img->tags = calloc(1, sizeof(char *))) == NULL) {
		berth_image_free(img);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	ret = berth_store_lock(s, err);
	if (ret == 0) {
		ret = add_locked(s, opts, img, err);
		berth_store_unlock(s);
	}
	if (ret < 0 || out == NULL) {
		berth_image_free(img);
		return ret < 0 ? berth_error_prefix(err, "add image %s", opts->manifest) : 0;
	}
	*out = img;
	return 0;
}
