/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "image/archive-internal.h"
#include "image/platform.h"
#include "util/cleanup.h"
#include "util/json.h"

/*
 * OCI layout → load plan.  Every blob is checked against its descriptor
 * (digest and size) and every layer's DiffID against the config before
 * anything reaches the store.
 */

#define ANNOTATION_REF "org.opencontainers.image.ref.name"
#define ANNOTATION_CONTAINERD "io.containerd.image.name"

static int blob_file(const struct stage *st, const struct berth_descriptor *d,
		     const struct stage_file **out, struct berth_error **err)
{
	cleanup_free char *name = NULL;
	const struct stage_file *f;

	if (asprintf(&name, "blobs/sha256/%s", berth_digest_hex(d->digest)) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	f = stage_find(st, name);
	if (f == NULL)
		return berth_error_set(err, ENOENT, "blob %s is not in the archive%s", d->digest,
				       d->urls ? " (foreign layers are not supported)" : "");
	if (strcmp(f->digest, d->digest) != 0)
		return berth_error_set(err, EBADMSG, "blob %s: digest mismatch (got %s)", d->digest,
				       f->digest);
	if (f->size != d->size)
		return berth_error_set(err, EBADMSG, "blob %s: size %lld, descriptor says %lld",
				       d->digest, (long long)f->size, (long long)d->size);
	*out = f;
	return 0;
}

static int read_manifest(const struct stage *st, const struct berth_descriptor *d,
			 const struct stage_file **f, struct berth_manifest **m,
			 struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (blob_file(st, d, f, err) < 0 ||
	    stage_slurp(st, (*f)->name, BERTH_MANIFEST_MAX, &buf, &len, err) < 0 ||
	    berth_manifest_parse(buf, len, d->media_type, m, err) < 0)
		return berth_error_prefix(err, "manifest %s", d->digest);
	return 0;
}

static int check_image(const struct stage *st, struct load_image *li, struct berth_error **err)
{
	const struct berth_manifest *m = li->m;
	const struct stage_file *cf = NULL;

	if (blob_file(st, &m->config, &cf, err) < 0 ||
	    load_config(st, cf->name, m->config.digest, li, err) < 0)
		return -(*err)->code;
	if (m->n_layers != li->c->n_diff_ids)
		return berth_error_set(err, EINVAL, "%zu layers but the config has %zu diff IDs",
				       m->n_layers, li->c->n_diff_ids);
	li->layer_files = calloc(m->n_layers + 1, sizeof(*li->layer_files));
	if (li->layer_files == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < m->n_layers; i++) {
		int comp = 0;

		if (blob_file(st, &m->layers[i], &li->layer_files[i], err) < 0 ||
		    load_check_layer(li->layer_files[i], m->layers[i].media_type,
				     li->c->diff_ids[i], &comp, err) < 0)
			return -(*err)->code;
	}
	return 0;
}

/* An index entry that is itself an index: take this host's image from it. */
static int select_nested(const struct stage *st, struct load_image *li, struct berth_error **err)
{
	struct berth_manifest *idx = li->m;
	const struct berth_descriptor *d = NULL;
	struct berth_platform want;
	int ret;

	li->m = NULL;
	li->index_file = li->manifest_file;
	memcpy(li->index, li->manifest, BERTH_DIGEST_BUF);
	ret = berth_platform_host(&want, err);
	if (ret == 0)
		ret = berth_manifest_select(idx, &want, &d, err);
	if (ret == 0) {
		memcpy(li->manifest, d->digest, BERTH_DIGEST_BUF);
		ret = read_manifest(st, d, &li->manifest_file, &li->m, err);
	}
	berth_manifest_free(idx);
	if (ret == 0 && li->m->kind != BERTH_MANIFEST_IMAGE)
		ret = berth_error_set(err, EINVAL, "%s: an index inside an index is not supported",
				      li->manifest);
	return ret;
}

/* The reference an index entry names: containerd's full name, else a ref.name that is one. */
static const char *entry_name(json_object *e)
{
	json_object *ann = NULL, *v = NULL;
	const char *s;

	if (!json_object_object_get_ex(e, "annotations", &ann) ||
	    !json_object_is_type(ann, json_type_object))
		return NULL;
	if (json_object_object_get_ex(ann, ANNOTATION_CONTAINERD, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	if (!json_object_object_get_ex(ann, ANNOTATION_REF, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	/* a bare "latest" is a tag without a repository: nothing to name the image by */
	return strpbrk(s, "/:") ? s : NULL;
}

static int plan_entry(const struct stage *st, const struct berth_descriptor *d, json_object *e,
		      struct load_plan *p, struct berth_error **err)
{
	const char *name = entry_name(e);
	struct load_image *li = NULL;

	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->images[i].index[0] ? p->images[i].index : p->images[i].manifest,
			   d->digest) == 0)
			return name ? load_add_tag(&p->images[i], name, err) : 0;
	if (load_plan_add(p, &li, err) < 0)
		return -ENOMEM;
	memcpy(li->manifest, d->digest, BERTH_DIGEST_BUF);
	if (read_manifest(st, d, &li->manifest_file, &li->m, err) < 0)
		return -(*err)->code;
	if (li->m->kind == BERTH_MANIFEST_INDEX && select_nested(st, li, err) < 0)
		return -(*err)->code;
	if (check_image(st, li, err) < 0)
		return berth_error_prefix(err, "image %s", li->manifest);
	return name ? load_add_tag(li, name, err) : 0;
}

static int check_layout(const struct stage *st, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	json_object *o = NULL;
	const char *v = NULL;
	size_t len = 0;
	int ret;

	if (stage_slurp(st, "oci-layout", 4096, &buf, &len, err) < 0 ||
	    berth_json_parse(buf, len, &o, err) < 0)
		return berth_error_prefix(err, "oci-layout");
	ret = berth_json_string(o, "oci-layout", "imageLayoutVersion", &v, err);
	if (ret >= 0 && (v == NULL || strncmp(v, "1.", 2) != 0))
		ret = berth_error_set(err, EINVAL, "oci-layout: unsupported imageLayoutVersion");
	json_object_put(o);
	return ret < 0 ? ret : 0;
}

int load_plan_oci(const struct stage *st, struct load_plan *p, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	struct berth_manifest *idx = NULL;
	json_object *root = NULL, *arr = NULL;
	size_t len = 0;
	int ret;

	if (check_layout(st, err) < 0 ||
	    stage_slurp(st, "index.json", BERTH_MANIFEST_MAX, &buf, &len, err) < 0 ||
	    berth_manifest_parse(buf, len, BERTH_MT_OCI_INDEX, &idx, err) < 0 ||
	    berth_json_parse(buf, len, &root, err) < 0)
		ret = berth_error_prefix(err, "OCI layout index.json");
	else if (idx->kind != BERTH_MANIFEST_INDEX ||
		 !json_object_object_get_ex(root, "manifests", &arr))
		ret = berth_error_set(err, EINVAL, "OCI layout index.json: not an index");
	else
		ret = 0;
	for (size_t i = 0; ret == 0 && i < idx->n_manifests; i++)
		ret = plan_entry(st, &idx->manifests[i], json_object_array_get_idx(arr, i), p, err);
	berth_manifest_free(idx);
	json_object_put(root);
	return ret;
}
