/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/manifest.h"
#include "util/cleanup.h"
#include "util/json.h"

struct layer_type {
	const char *media_type;
	enum berth_compression compression;
	bool foreign;
};

static const struct layer_type layer_types[] = {
	{ BERTH_MT_OCI_LAYER, BERTH_COMPRESSION_NONE, false },
	{ BERTH_MT_OCI_LAYER_GZIP, BERTH_COMPRESSION_GZIP, false },
	{ BERTH_MT_OCI_LAYER_ZSTD, BERTH_COMPRESSION_ZSTD, false },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", BERTH_COMPRESSION_NONE, true },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", BERTH_COMPRESSION_GZIP,
	  true },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", BERTH_COMPRESSION_ZSTD,
	  true },
	{ BERTH_MT_DOCKER_LAYER_GZIP, BERTH_COMPRESSION_GZIP, false },
	{ "application/vnd.docker.image.rootfs.diff.tar", BERTH_COMPRESSION_NONE, false },
	{ BERTH_MT_DOCKER_FOREIGN_GZIP, BERTH_COMPRESSION_GZIP, true },
};

int berth_layer_media_type(const char *media_type, enum berth_compression *compression,
			   bool *foreign, struct berth_error **err)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(layer_types); i++) {
		if (strcmp(media_type, layer_types[i].media_type) == 0) {
			*compression = layer_types[i].compression;
			*foreign = layer_types[i].foreign;
			return 0;
		}
	}
	return berth_error_set(err, EINVAL, "unsupported layer media type \"%s\"", media_type);
}

bool berth_manifest_media_type_known(const char *mt)
{
	return strcmp(mt, BERTH_MT_OCI_MANIFEST) == 0 || strcmp(mt, BERTH_MT_OCI_INDEX) == 0 ||
	       strcmp(mt, BERTH_MT_DOCKER_MANIFEST) == 0 || strcmp(mt, BERTH_MT_DOCKER_LIST) == 0;
}

static bool is_schema1(const char *mt)
{
	return strcmp(mt, BERTH_MT_DOCKER_SCHEMA1) == 0 ||
	       strcmp(mt, BERTH_MT_DOCKER_SCHEMA1_SIGNED) == 0;
}

static void descriptor_clear(struct berth_descriptor *d)
{
	free(d->media_type);
	berth_strv_free(d->urls);
	memset(d, 0, sizeof(*d));
}

void berth_manifest_free(struct berth_manifest *m)
{
	if (m == NULL)
		return;
	free(m->media_type);
	descriptor_clear(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_clear(&m->layers[i]);
	for (size_t i = 0; i < m->n_manifests; i++)
		descriptor_clear(&m->manifests[i]);
	free(m->layers);
	free(m->manifests);
	free(m);
}

static int parse_platform(json_object *obj, const char *path, struct berth_descriptor *d,
			  struct berth_error **err)
{
	json_object *p = NULL;
	const char *os = NULL, *arch = NULL, *variant = NULL;
	cleanup_free char *pp = berth_json_path(path, "platform");
	int ret;

	ret = berth_json_object(obj, path, "platform", &p, err);
	if (ret <= 0)
		return ret;
	if (berth_json_string(p, pp, "os", &os, err) < 0 ||
	    berth_json_string(p, pp, "architecture", &arch, err) < 0 ||
	    berth_json_string(p, pp, "variant", &variant, err) < 0)
		return -EINVAL;
	if (berth_platform_set(&d->platform, os ? os : "", arch ? arch : "", variant, err) < 0)
		return berth_error_prefix(err, "%s", pp);
	d->has_platform = true;
	return 0;
}

static int parse_descriptor(json_object *obj, const char *path, struct berth_descriptor *d,
			    struct berth_error **err)
{
	const char *mt = NULL, *digest = NULL;
	int64_t size = -1;

	if (berth_json_as_object(obj, path, err) < 0 ||
	    berth_json_string(obj, path, "mediaType", &mt, err) < 0 ||
	    berth_json_string(obj, path, "digest", &digest, err) < 0 ||
	    berth_json_int(obj, path, "size", 0, INT64_MAX, &size, err) < 0)
		return -EINVAL;
	if (mt == NULL || digest == NULL || size < 0)
		return berth_error_set(err, EINVAL,
				       "%s: descriptor needs mediaType, digest and size", path);
	if (berth_digest_check(digest, err) < 0)
		return berth_error_prefix(err, "%s.digest", path);
	snprintf(d->digest, sizeof(d->digest), "%s", digest);
	d->size = size;
	d->media_type = strdup(mt);
	if (d->media_type == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (berth_json_strv(obj, path, "urls", &d->urls, err) < 0)
		return -EINVAL;
	return parse_platform(obj, path, d, err);
}

static int parse_descriptors(json_object *obj, const char *key, struct berth_descriptor **out,
			     size_t *n_out, struct berth_error **err)
{
	json_object *arr = NULL;
	size_t n;

	if (berth_json_array(obj, "", key, &arr, err) < 0)
		return -EINVAL;
	if (arr == NULL)
		return berth_error_set(err, EINVAL, "%s: missing", key);
	n = json_object_array_length(arr);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (*out == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	*n_out = n;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *p = berth_json_index(key, i);

		if (parse_descriptor(json_object_array_get_idx(arr, i), p, &(*out)[i], err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int check_layers(const struct berth_manifest *m, struct berth_error **err)
{
	enum berth_compression c;
	bool foreign;

	if (strcmp(m->config.media_type, BERTH_MT_OCI_CONFIG) != 0 &&
	    strcmp(m->config.media_type, BERTH_MT_DOCKER_CONFIG) != 0)
		return berth_error_set(err, EINVAL, "config: unsupported config media type \"%s\"",
				       m->config.media_type);
	for (size_t i = 0; i < m->n_layers; i++) {
		if (berth_layer_media_type(m->layers[i].media_type, &c, &foreign, err) < 0)
			return berth_error_prefix(err, "layers[%zu]", i);
	}
	return 0;
}

static int parse_image(json_object *root, struct berth_manifest *m, struct berth_error **err)
{
	json_object *cfg = NULL;

	m->kind = BERTH_MANIFEST_IMAGE;
	if (berth_json_object(root, "", "config", &cfg, err) < 0)
		return -EINVAL;
	if (cfg == NULL)
		return berth_error_set(err, EINVAL, "config: missing");
	if (parse_descriptor(cfg, "config", &m->config, err) < 0 ||
	    parse_descriptors(root, "layers", &m->layers, &m->n_layers, err) < 0)
		return -EINVAL;
	return check_layers(m, err);
}

/* The document's mediaType, the transport's, or a guess from the fields present. */
static int effective_type(json_object *root, const char *hint, const char **out,
			  struct berth_error **err)
{
	const char *mt = NULL;
	int64_t version = 0;

	if (berth_json_int(root, "", "schemaVersion", 0, 100, &version, err) < 0 ||
	    berth_json_string(root, "", "mediaType", &mt, err) < 0)
		return -EINVAL;
	if (version == 1 || (mt && is_schema1(mt)) || (hint && is_schema1(hint)))
		return berth_error_set(err, EINVAL,
				       "schema 1 manifests are not supported: push the image again "
				       "with a current client (Docker 1.10 or later) to get a "
				       "schema 2 or OCI manifest");
	if (version != 2)
		return berth_error_set(err, EINVAL, "schemaVersion: expected 2, got %lld",
				       (long long)version);
	if (mt && hint && berth_manifest_media_type_known(hint) && strcmp(mt, hint) != 0)
		return berth_error_set(
		    err, EINVAL, "mediaType \"%s\" does not match the type it came with \"%s\"", mt,
		    hint);
	if (mt == NULL && hint && berth_manifest_media_type_known(hint))
		mt = hint;
	if (mt == NULL)
		mt = json_object_object_get_ex(root, "manifests", NULL) ? BERTH_MT_OCI_INDEX
									: BERTH_MT_OCI_MANIFEST;
	if (!berth_manifest_media_type_known(mt))
		return berth_error_set(err, EINVAL, "unsupported manifest media type \"%s\"", mt);
	*out = mt;
	return 0;
}

static int parse_root(json_object *root, const char *hint, struct berth_manifest *m,
		      struct berth_error **err)
{
	const char *mt = NULL;

	if (berth_json_as_object(root, "document", err) < 0 ||
	    effective_type(root, hint, &mt, err) < 0)
		return -EINVAL;
	m->media_type = strdup(mt);
	if (m->media_type == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (strcmp(mt, BERTH_MT_OCI_INDEX) == 0 || strcmp(mt, BERTH_MT_DOCKER_LIST) == 0) {
		m->kind = BERTH_MANIFEST_INDEX;
		return parse_descriptors(root, "manifests", &m->manifests, &m->n_manifests, err);
	}
	return parse_image(root, m, err);
}

int berth_manifest_parse(const char *buf, size_t len, const char *media_type,
			 struct berth_manifest **out, struct berth_error **err)
{
	json_object *root = NULL;
	struct berth_manifest *m;
	int ret;

	if (len > BERTH_MANIFEST_MAX)
		return berth_error_set(err, EFBIG, "manifest larger than 4 MiB (%zu bytes)", len);
	if (berth_json_parse(buf, len, &root, err) < 0)
		return berth_error_prefix(err, "manifest");
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		json_object_put(root);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	ret = parse_root(root, media_type, m, err);
	json_object_put(root);
	if (ret < 0) {
		berth_manifest_free(m);
		return berth_error_prefix(err, "manifest");
	}
	*out = m;
	return 0;
}

static bool is_image_manifest(const struct berth_descriptor *d)
{
	return strcmp(d->media_type, BERTH_MT_OCI_MANIFEST) == 0 ||
	       strcmp(d->media_type, BERTH_MT_DOCKER_MANIFEST) == 0;
}

static void list_platforms(const struct berth_manifest *index, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < index->n_manifests && used + 1 < size; i++) {
		const struct berth_descriptor *d = &index->manifests[i];
		char p[3 * BERTH_PLATFORM_FIELD];
		int n;

		if (!d->has_platform || !is_image_manifest(d) ||
		    strcmp(d->platform.os, "unknown") == 0)
			continue;
		berth_platform_format(&d->platform, p, sizeof(p));
		n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", p);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, size, "none");
}

int berth_manifest_select(const struct berth_manifest *index, const struct berth_platform *want,
			  const struct berth_descriptor **out, struct berth_error **err)
{
	const struct berth_descriptor *best = NULL;
	int best_score = 0;
	char have[1024], w[3 * BERTH_PLATFORM_FIELD];

	if (index->kind != BERTH_MANIFEST_INDEX)
		return berth_error_set(err, EINVAL, "not an index");
	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct berth_descriptor *d = &index->manifests[i];
		int score;

		if (!d->has_platform || !is_image_manifest(d))
			continue;
		score = berth_platform_score(want, &d->platform);
		if (score > best_score) {
			best = d;
			best_score = score;
		}
	}
	if (best != NULL) {
		*out = best;
		return 0;
	}
	berth_platform_format(want, w, sizeof(w));
	list_platforms(index, have, sizeof(have));
	return berth_error_set(err, ENOENT, "no image for %s in the index (available: %s)", w,
			       have);
}
