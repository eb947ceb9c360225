/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "image/archive-internal.h"
#include "storage/decompress.h"
#include "util/cleanup.h"
#include "util/json.h"

/*
 * docker-archive → load plan.  manifest.json lists, per image, its config file
 * and its layer tars (uncompressed: their sha256 is the DiffID).  berth keeps
 * the layers as they are and writes an OCI manifest for them.
 */

/* "…/<hex>.json" or "blobs/sha256/<hex>": the digest the name promises, else "". */
static void digest_of_name(const char *name, char out[BERTH_DIGEST_BUF])
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	size_t n = strlen(base);

	out[0] = '\0';
	if (n == 69 && strcmp(base + 64, ".json") == 0)
		snprintf(out, BERTH_DIGEST_BUF, "sha256:%.64s", base);
	else if (n == 64 && strncmp(name, "blobs/sha256/", 13) == 0)
		snprintf(out, BERTH_DIGEST_BUF, "sha256:%.64s", base);
	if (out[0] && !berth_is_sha256_hex(out + 7))
		out[0] = '\0';
}

static const char *layer_type(int compression)
{
	return compression == BERTH_LAYER_GZIP	 ? BERTH_MT_OCI_LAYER_GZIP
	       : compression == BERTH_LAYER_ZSTD ? BERTH_MT_OCI_LAYER_ZSTD
						 : BERTH_MT_OCI_LAYER;
}

static json_object *descriptor(const char *mt, const char *digest, int64_t size)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "mediaType", json_object_new_string(mt));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	return d;
}

static int check_layers(const struct stage *st, char *const *names, struct load_image *li,
			json_object *layers, struct berth_error **err)
{
	size_t n = berth_strv_len(names);

	if (n != li->c->n_diff_ids)
		return berth_error_set(err, EINVAL, "%zu layers but the config has %zu diff IDs", n,
				       li->c->n_diff_ids);
	li->layer_files = calloc(n + 1, sizeof(*li->layer_files));
	if (li->layer_files == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct stage_file *f = stage_find(st, names[i]);
		char want[BERTH_DIGEST_BUF];
		int comp = 0;

		if (f == NULL)
			return berth_error_set(err, ENOENT, "archive has no layer \"%s\"",
					       names[i]);
		digest_of_name(names[i], want);
		if (want[0] && strcmp(want, f->digest) != 0)
			return berth_error_set(err, EBADMSG, "layer \"%s\": content %s is not %s",
					       names[i], f->digest, want);
		if (load_check_layer(f, NULL, li->c->diff_ids[i], &comp, err) < 0)
			return -(*err)->code;
		li->layer_files[i] = f;
		json_object_array_add(layers, descriptor(layer_type(comp), f->digest, f->size));
	}
	return 0;
}

/* The OCI manifest berth stores for a docker-archive image. */
static int build_manifest(const struct stage *st, char *const *names, struct load_image *li,
			  struct berth_error **err)
{
	json_object *m = json_object_new_object();
	json_object *layers = json_object_new_array();
	int ret;

	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(BERTH_MT_OCI_MANIFEST));
	json_object_object_add(
	    m, "config",
	    descriptor(BERTH_MT_OCI_CONFIG, li->config_file->digest, li->config_file->size));
	json_object_object_add(m, "layers", layers);
	ret = check_layers(st, names, li, layers, err);
	if (ret == 0 && (li->manifest_buf = berth_json_dump(m)) == NULL)
		ret = berth_error_set(err, ENOMEM, "out of memory");
	json_object_put(m);
	if (ret < 0)
		return ret;
	li->manifest_len = strlen(li->manifest_buf);
	ret = berth_sha256_buf(li->manifest_buf, li->manifest_len, li->manifest, err);
	if (ret == 0)
		ret = berth_manifest_parse(li->manifest_buf, li->manifest_len,
					   BERTH_MT_OCI_MANIFEST, &li->m, err);
	return ret;
}

static int plan_entry(const struct stage *st, json_object *e, const char *path, struct load_plan *p,
		      struct berth_error **err)
{
	cleanup_strv char **layers = NULL;
	cleanup_strv char **tags = NULL;
	const char *config = NULL;
	char want[BERTH_DIGEST_BUF];
	struct load_image *li = NULL;

	if (berth_json_as_object(e, path, err) < 0 ||
	    berth_json_string(e, path, "Config", &config, err) < 0 ||
	    berth_json_strv(e, path, "Layers", &layers, err) < 0 ||
	    berth_json_strv(e, path, "RepoTags", &tags, err) < 0)
		return -(*err)->code;
	if (config == NULL || layers == NULL)
		return berth_error_set(err, EINVAL, "%s: Config and Layers are required", path);
	if (load_plan_add(p, &li, err) < 0)
		return -ENOMEM;
	digest_of_name(config, want);
	if (load_config(st, config, want[0] ? want : NULL, li, err) < 0 ||
	    build_manifest(st, layers, li, err) < 0)
		return berth_error_prefix(err, "%s", path);
	for (size_t i = 0; tags && tags[i]; i++)
		if (load_add_tag(li, tags[i], err) < 0)
			return berth_error_prefix(err, "%s.RepoTags", path);
	return 0;
}

int load_plan_docker(const struct stage *st, struct load_plan *p, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	json_object *root = NULL;
	size_t len = 0;
	int ret;

	if (stage_slurp(st, "manifest.json", BERTH_MANIFEST_MAX, &buf, &len, err) < 0 ||
	    berth_json_parse(buf, len, &root, err) < 0)
		return berth_error_prefix(err, "docker-archive manifest.json");
	if (!json_object_is_type(root, json_type_array)) {
		json_object_put(root);
		return berth_error_set(err, EINVAL, "docker-archive manifest.json: not an array");
	}
	ret = 0;
	for (size_t i = 0; ret == 0 && i < json_object_array_length(root); i++) {
		cleanup_free char *path = berth_json_index("manifest.json", i);

		ret = plan_entry(st, json_object_array_get_idx(root, i), path, p, err);
	}
	json_object_put(root);
	return ret;
}
