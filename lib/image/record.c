/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/images.h"
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/json.h"

/* Image records on disk: images/<manifest hex>.json, see docs/images.md. */

void berth_image_free(struct berth_image *img)
{
	if (img == NULL)
		return;
	for (size_t i = 0; i < img->n_layers; i++) {
		free(img->layers[i].media_type);
		berth_strv_free(img->layers[i].urls);
	}
	free(img->layers);
	free(img->media_type);
	free(img->platform);
	free(img->created);
	berth_strv_free(img->repo_digests);
	berth_strv_free(img->tags);
	free(img);
}

void berth_image_list_free(struct berth_image **imgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		berth_image_free(imgs[i]);
	free(imgs);
}

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *layer_json(const struct berth_image_layer *l)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "digest", json_object_new_string(l->digest));
	json_object_object_add(o, "mediaType", json_object_new_string(l->media_type));
	json_object_object_add(o, "size", json_object_new_int64(l->size));
	json_object_object_add(o, "diffID", json_object_new_string(l->diff_id));
	json_object_object_add(o, "chainID", json_object_new_string(l->chain_id));
	if (l->urls != NULL)
		json_object_object_add(o, "urls", strv_json(l->urls));
	return o;
}

static char *record_json(const struct berth_image *img)
{
	json_object *o = json_object_new_object();
	json_object *layers = json_object_new_array();
	char *s;

	json_object_object_add(o, "schemaVersion", json_object_new_int(1));
	json_object_object_add(o, "id", json_object_new_string(img->id));
	json_object_object_add(o, "manifest", json_object_new_string(img->manifest));
	json_object_object_add(o, "mediaType", json_object_new_string(img->media_type));
	if (img->index[0])
		json_object_object_add(o, "index", json_object_new_string(img->index));
	json_object_object_add(o, "platform", json_object_new_string(img->platform));
	for (size_t i = 0; i < img->n_layers; i++)
		json_object_array_add(layers, layer_json(&img->layers[i]));
	json_object_object_add(o, "layers", layers);
	json_object_object_add(o, "size", json_object_new_int64(img->size));
	if (img->created)
		json_object_object_add(o, "created", json_object_new_string(img->created));
	json_object_object_add(o, "added", json_object_new_int64(img->added));
	json_object_object_add(o, "repoDigests", strv_json(img->repo_digests));
	s = berth_json_dump(o);
	json_object_put(o);
	return s;
}

static int get_digest(json_object *o, const char *path, const char *key, bool required,
		      char out[BERTH_DIGEST_BUF], struct berth_error **err)
{
	const char *s = NULL;
	int ret = berth_json_string(o, path, key, &s, err);

	if (ret < 0)
		return ret;
	if (ret == 0 && !required) {
		out[0] = '\0';
		return 0;
	}
	if (ret == 0)
		return berth_error_set(err, EINVAL, "%s%s%s: missing", path, *path ? "." : "", key);
	if (berth_digest_check(s, err) < 0)
		return berth_error_prefix(err, "%s%s%s", path, *path ? "." : "", key);
	snprintf(out, BERTH_DIGEST_BUF, "%s", s);
	return 0;
}

static int dup_str(json_object *o, const char *key, char **out, struct berth_error **err)
{
	const char *s = NULL;
	int ret = berth_json_string(o, "", key, &s, err);

	if (ret <= 0)
		return ret;
	*out = strdup(s);
	return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static int parse_layer(json_object *o, const char *path, struct berth_image_layer *l,
		       struct berth_error **err)
{
	const char *mt = NULL;

	if (berth_json_as_object(o, path, err) < 0 ||
	    get_digest(o, path, "digest", true, l->digest, err) < 0 ||
	    get_digest(o, path, "diffID", true, l->diff_id, err) < 0 ||
	    get_digest(o, path, "chainID", true, l->chain_id, err) < 0 ||
	    berth_json_string(o, path, "mediaType", &mt, err) < 0 ||
	    berth_json_int(o, path, "size", 0, INT64_MAX, &l->size, err) < 0 ||
	    berth_json_strv(o, path, "urls", &l->urls, err) < 0)
		return -(*err)->code;
	l->media_type = strdup(mt ? mt : "");
	return l->media_type ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static int parse_layers(json_object *o, struct berth_image *img, struct berth_error **err)
{
	json_object *arr = NULL;

	if (berth_json_array(o, "", "layers", &arr, err) < 0)
		return -EINVAL;
	if (arr == NULL)
		return berth_error_set(err, EINVAL, "layers: missing");
	img->n_layers = json_object_array_length(arr);
	img->layers = calloc(img->n_layers + 1, sizeof(*img->layers));
	if (img->layers == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < img->n_layers; i++) {
		cleanup_free char *p = berth_json_index("layers", i);

		if (parse_layer(json_object_array_get_idx(arr, i), p, &img->layers[i], err) < 0)
			return -(*err)->code;
	}
	return 0;
}

static int parse_record(json_object *o, struct berth_image *img, struct berth_error **err)
{
	if (berth_json_as_object(o, "record", err) < 0 ||
	    get_digest(o, "", "id", true, img->id, err) < 0 ||
	    get_digest(o, "", "manifest", true, img->manifest, err) < 0 ||
	    get_digest(o, "", "index", false, img->index, err) < 0 ||
	    dup_str(o, "mediaType", &img->media_type, err) < 0 ||
	    dup_str(o, "platform", &img->platform, err) < 0 ||
	    dup_str(o, "created", &img->created, err) < 0 ||
	    berth_json_int(o, "", "size", 0, INT64_MAX, &img->size, err) < 0 ||
	    berth_json_int(o, "", "added", 0, INT64_MAX, &img->added, err) < 0 ||
	    berth_json_strv(o, "", "repoDigests", &img->repo_digests, err) < 0)
		return -(*err)->code;
	if (img->media_type == NULL || img->platform == NULL)
		return berth_error_set(err, EINVAL, "mediaType and platform are required");
	if (img->repo_digests == NULL && (img->repo_digests = calloc(1, sizeof(char *))) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if ((img->tags = calloc(1, sizeof(char *))) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return parse_layers(o, img, err);
}

int record_load(struct berth_store *s, const char *manifest, struct berth_image **out,
		struct berth_error **err)
{
	cleanup_free char *name = NULL;
	json_object *o = NULL;
	struct berth_image *img;
	int ret;

	if (asprintf(&name, "%s.json", berth_digest_hex(manifest)) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (faccessat(s->imagesfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return berth_error_set(err, ENOENT, "image record %s: not found", manifest);
	if (berth_json_parse_file(s->imagesfd, name, STORE_METADATA_MAX, &o, err) < 0)
		return berth_error_prefix(err, "image record %s", manifest);
	img = calloc(1, sizeof(*img));
	if (img == NULL) {
		json_object_put(o);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	ret = parse_record(o, img, err);
	json_object_put(o);
	if (ret == 0 && strcmp(img->manifest, manifest) != 0)
		ret = berth_error_set(err, EINVAL, "names manifest %s", img->manifest);
	if (ret < 0) {
		berth_image_free(img);
		return berth_error_prefix(err, "image record %s", manifest);
	}
	*out = img;
	return 0;
}

int record_save(struct berth_store *s, const struct berth_image *img, struct berth_error **err)
{
	cleanup_free char *json = record_json(img);
	cleanup_free char *name = NULL;

	if (json == NULL || asprintf(&name, "%s.json", berth_digest_hex(img->manifest)) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return store_write_atomic(s, s->imagesfd, name, json, strlen(json), err);
}

int record_remove(struct berth_store *s, const char *manifest, struct berth_error **err)
{
	cleanup_free char *name = NULL;

	if (asprintf(&name, "%s.json", berth_digest_hex(manifest)) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (unlinkat(s->imagesfd, name, 0) < 0 && errno != ENOENT)
		return berth_error_errno(err, "remove image record %s", manifest);
	fsync(s->imagesfd);
	return 0;
}

/* "<64 hex>.json"; anything else in images/ is not ours and is ignored. */
static bool record_name(const char *name, char digest[BERTH_DIGEST_BUF])
{
	if (strlen(name) != BERTH_SHA256_HEX_LEN + 5 || strcmp(name + 64, ".json") != 0)
		return false;
	snprintf(digest, BERTH_DIGEST_BUF, "sha256:%.64s", name);
	return berth_is_sha256_hex(digest + 7);
}

static int push_image(struct berth_image ***v, size_t *n, struct berth_image *img)
{
	struct berth_image **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	(*v)[(*n)++] = img;
	return 0;
}

int record_load_all(struct berth_store *s, struct berth_image ***out, size_t *n,
		    struct berth_error **err)
{
	struct berth_image **v = NULL;
	size_t count = 0;
	struct dirent *e;
	int fd = dup(s->imagesfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	int ret = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return berth_error_errno(err, "open '%s/images'", s->root);
	}
	rewinddir(d);
	while (ret == 0 && (e = readdir(d)) != NULL) {
		char digest[BERTH_DIGEST_BUF];
		struct berth_image *img = NULL;

		if (!record_name(e->d_name, digest))
			continue;
		ret = record_load(s, digest, &img, err);
		if (ret == 0 && push_image(&v, &count, img) < 0) {
			berth_image_free(img);
			ret = berth_error_set(err, ENOMEM, "out of memory");
		}
	}
	closedir(d);
	if (ret < 0) {
		berth_image_list_free(v, count);
		return ret;
	}
	*out = v;
	*n = count;
	return 0;
}
