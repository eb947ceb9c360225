/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "image/blobs.h"
#include "image/images.h"
#include "util/cleanup.h"
#include "util/json.h"

/* `image inspect`: Docker's field names, filled from the record and the image config. */

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *copy_key(json_object *from, const char *key)
{
	json_object *v = NULL;

	if (from && json_object_object_get_ex(from, key, &v) && v != NULL)
		return json_object_get(v);
	return NULL;
}

static void add(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static void add_str(json_object *o, const char *k, const char *v)
{
	add(o, k, json_object_new_string(v ? v : ""));
}

int cli_image_inspect_json(struct berth_store *s, const struct berth_image *img, json_object **out,
			   struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	json_object *cfg = NULL, *o, *rootfs, *layers;
	size_t len = 0;

	if (berth_blob_read(s, img->id, 1u << 24, &buf, &len, err) < 0 ||
	    berth_json_parse(buf, len, &cfg, err) < 0)
		return -1;
	o = json_object_new_object();
	add_str(o, "Id", img->id);
	add(o, "RepoTags", strv_json(img->tags));
	add(o, "RepoDigests", strv_json(img->repo_digests));
	add_str(o, "Parent", "");
	add(o, "Comment", copy_key(cfg, "comment") ?: json_object_new_string(""));
	add_str(o, "Created", img->created);
	add(o, "Author", copy_key(cfg, "author") ?: json_object_new_string(""));
	add(o, "Config", copy_key(cfg, "config") ?: json_object_new_object());
	add(o, "Architecture", copy_key(cfg, "architecture"));
	if (json_object_object_get_ex(cfg, "variant", NULL))
		add(o, "Variant", copy_key(cfg, "variant"));
	add(o, "Os", copy_key(cfg, "os"));
	add(o, "Size", json_object_new_int64(img->size));
	rootfs = json_object_new_object();
	layers = json_object_new_array();
	for (size_t i = 0; i < img->n_layers; i++)
		json_object_array_add(layers, json_object_new_string(img->layers[i].diff_id));
	add_str(rootfs, "Type", "layers");
	add(rootfs, "Layers", layers);
	add(o, "RootFS", rootfs);
	add_str(o, "ManifestDigest", img->manifest);
	json_object_put(cfg);
	*out = o;
	return 0;
}
