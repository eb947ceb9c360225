/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "image/archive-tar.h"
#include "image/archive.h"
#include "image/blobs.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"

/* save: images → docker-archive or OCI layout in a tar (see archive.h). */

struct save {
	struct berth_store *s;
	struct archive *a;
	struct berth_image **imgs;
	char ***tags; /* per image: the full references to name it by */
	size_t n;
	char **written; /* paths written so far (layers shared by images go once) */
	size_t n_written;
};

/* Whether @path was written already; remembers it otherwise. */
static int once(struct save *sv, const char *path, bool *seen, struct berth_error **err)
{
	char **v;

	for (size_t i = 0; i < sv->n_written; i++)
		if (strcmp(sv->written[i], path) == 0)
			return *seen = true, 0;
	v = realloc(sv->written, (sv->n_written + 1) * sizeof(*v));
	if (v == NULL || (v[sv->n_written] = strdup(path)) == NULL) {
		if (v)
			sv->written = v;
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	sv->written = v;
	sv->n_written++;
	*seen = false;
	return 0;
}

/* A tag names itself; an ID or digest names every tag of the image. */
static int tags_for(const char *name, const struct berth_image *img, char ***out,
		    struct berth_error **err)
{
	struct berth_reference *r = NULL;
	struct berth_error *ignored = NULL;
	cleanup_free char *full = NULL;

	if (berth_reference_parse(name, &r, &ignored) == 0 && r->digest == NULL)
		full = berth_reference_string(r);
	berth_reference_free(r);
	berth_error_free(ignored);
	for (size_t i = 0; full && img->tags[i]; i++)
		if (strcmp(img->tags[i], full) == 0) {
			*out = calloc(2, sizeof(char *));
			if (*out == NULL)
				return berth_error_set(err, ENOMEM, "out of memory");
			(*out)[0] = steal_ptr(&full);
			return 0;
		}
	*out = calloc(berth_strv_len(img->tags) + 1, sizeof(char *));
	if (*out == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; img->tags[i]; i++)
		if (((*out)[i] = strdup(img->tags[i])) == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static char *familiar(const char *full)
{
	struct berth_reference *r = NULL;
	struct berth_error *e = NULL;
	char *s = NULL;

	if (berth_reference_parse(full, &r, &e) == 0)
		s = berth_reference_familiar(r);
	berth_reference_free(r);
	berth_error_free(e);
	return s ? s : strdup(full);
}

static int write_docker_image(struct save *sv, size_t k, json_object *manifest, json_object *repos,
			      struct berth_error **err)
{
	const struct berth_image *img = sv->imgs[k];
	json_object *e = json_object_new_object(), *layers = json_object_new_array();
	json_object *tags = json_object_new_array();
	cleanup_free char *cfg = NULL;
	int ret = 0;
	bool seen = false;

	json_object_array_add(manifest, e);
	if (asprintf(&cfg, "%s.json", berth_digest_hex(img->id)) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_object_object_add(e, "Config", json_object_new_string(cfg));
	json_object_object_add(e, "RepoTags", tags);
	json_object_object_add(e, "Layers", layers);
	if ((ret = once(sv, cfg, &seen, err)) == 0 && !seen)
		ret = tarw_blob(sv->s, sv->a, cfg, img->id, err);
	for (size_t i = 0; ret == 0 && i < img->n_layers; i++) {
		const char *hex = berth_digest_hex(img->layers[i].diff_id);
		cleanup_free char *dir = NULL, *tar = NULL;

		if (asprintf(&dir, "%s/", hex) < 0 || asprintf(&tar, "%s/layer.tar", hex) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		json_object_array_add(layers, json_object_new_string(tar));
		if ((ret = once(sv, tar, &seen, err)) == 0 && !seen &&
		    (ret = tarw_dir(sv->a, dir, err)) == 0)
			ret = tarw_layer(sv->s, sv->a, tar, &img->layers[i], err);
	}
	for (size_t i = 0; ret == 0 && sv->tags[k][i]; i++) {
		cleanup_free char *f = familiar(sv->tags[k][i]);
		char *colon = f ? strrchr(f, ':') : NULL;
		json_object *repo = NULL;

		json_object_array_add(tags, json_object_new_string(f));
		if (colon == NULL || strchr(colon, '/') || img->n_layers == 0)
			continue;
		*colon = '\0';
		if (!json_object_object_get_ex(repos, f, &repo)) {
			repo = json_object_new_object();
			json_object_object_add(repos, f, repo);
		}
		json_object_object_add(repo, colon + 1,
				       json_object_new_string(berth_digest_hex(
					   img->layers[img->n_layers - 1].diff_id)));
	}
	return ret;
}

static int put_json(struct archive *a, const char *name, json_object *o, struct berth_error **err)
{
	cleanup_free char *s = berth_json_dump(o);

	if (s == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return tarw_buf(a, name, s, strlen(s), err);
}

static int save_docker(struct save *sv, struct berth_error **err)
{
	json_object *manifest = json_object_new_array();
	json_object *repos = json_object_new_object();
	int ret = 0;

	for (size_t k = 0; ret == 0 && k < sv->n; k++)
		ret = write_docker_image(sv, k, manifest, repos, err);
	if (ret == 0)
		ret = put_json(sv->a, "manifest.json", manifest, err);
	if (ret == 0)
		ret = put_json(sv->a, "repositories", repos, err);
	json_object_put(manifest);
	json_object_put(repos);
	return ret;
}

static int oci_blob(struct save *sv, const char *digest, struct berth_error **err)
{
	cleanup_free char *path = NULL;
	bool seen = false;

	if (asprintf(&path, "blobs/sha256/%s", berth_digest_hex(digest)) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (once(sv, path, &seen, err) < 0 || seen)
		return seen ? 0 : -ENOMEM;
	return tarw_blob(sv->s, sv->a, path, digest, err);
}

static json_object *index_entry(const struct berth_image *img, int64_t size, const char *ref)
{
	json_object *d = json_object_new_object(), *ann;

	json_object_object_add(d, "mediaType", json_object_new_string(img->media_type));
	json_object_object_add(d, "digest", json_object_new_string(img->manifest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	if (ref == NULL)
		return d;
	ann = json_object_new_object();
	json_object_object_add(ann, "org.opencontainers.image.ref.name",
			       json_object_new_string(ref));
	json_object_object_add(ann, "io.containerd.image.name", json_object_new_string(ref));
	json_object_object_add(d, "annotations", ann);
	return d;
}

static int write_oci_image(struct save *sv, size_t k, json_object *manifests,
			   struct berth_error **err)
{
	const struct berth_image *img = sv->imgs[k];
	int64_t size = 0;
	int ret;

	ret = berth_blob_size(sv->s, img->manifest, &size, err);
	if (ret == 0)
		ret = oci_blob(sv, img->manifest, err);
	if (ret == 0)
		ret = oci_blob(sv, img->id, err);
	for (size_t i = 0; ret == 0 && i < img->n_layers; i++)
		ret = oci_blob(sv, img->layers[i].digest, err);
	for (size_t i = 0; ret == 0 && sv->tags[k][i]; i++)
		json_object_array_add(manifests, index_entry(img, size, sv->tags[k][i]));
	if (ret == 0 && sv->tags[k][0] == NULL)
		json_object_array_add(manifests, index_entry(img, size, NULL));
	return ret;
}

static int save_oci(struct save *sv, struct berth_error **err)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	json_object *index = json_object_new_object();
	json_object *manifests = json_object_new_array();
	int ret;

	json_object_object_add(index, "schemaVersion", json_object_new_int(2));
	json_object_object_add(index, "mediaType", json_object_new_string(BERTH_MT_OCI_INDEX));
	json_object_object_add(index, "manifests", manifests);
	ret = tarw_buf(sv->a, "oci-layout", layout, strlen(layout), err);
	if (ret == 0)
		ret = tarw_dir(sv->a, "blobs/", err);
	if (ret == 0)
		ret = tarw_dir(sv->a, "blobs/sha256/", err);
	for (size_t k = 0; ret == 0 && k < sv->n; k++)
		ret = write_oci_image(sv, k, manifests, err);
	if (ret == 0)
		ret = put_json(sv->a, "index.json", index, err);
	json_object_put(index);
	return ret;
}

static int resolve_all(struct save *sv, const struct berth_save_opts *o, struct berth_error **err)
{
	sv->imgs = calloc(o->n_names + 1, sizeof(*sv->imgs));
	sv->tags = calloc(o->n_names + 1, sizeof(*sv->tags));
	if (sv->imgs == NULL || sv->tags == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < o->n_names; i++) {
		sv->n = i + 1; /* what to free, even when this one fails half-way */
		if (berth_image_resolve(sv->s, o->names[i], &sv->imgs[i], err) < 0 ||
		    tags_for(o->names[i], sv->imgs[i], &sv->tags[i], err) < 0)
			return -(*err)->code;
	}
	return 0;
}

int berth_image_save(struct berth_store *s, const struct berth_save_opts *o,
		     struct berth_error **err)
{
	struct save sv = { .s = s };
	int ret;

	if (o->n_names == 0)
		return berth_error_set(err, EINVAL, "save: no image given");
	ret = resolve_all(&sv, o, err);
	if (ret == 0)
		ret = tarw_open(o->fd, &sv.a, err);
	if (ret == 0)
		ret = o->format == BERTH_ARCHIVE_OCI ? save_oci(&sv, err) : save_docker(&sv, err);
	if (sv.a != NULL && tarw_close(sv.a, ret == 0, err) < 0)
		ret = -EIO;
	for (size_t i = 0; i < sv.n; i++) {
		berth_image_free(sv.imgs[i]);
		berth_strv_free(sv.tags[i]);
	}
	free(sv.imgs);
	free(sv.tags);
	for (size_t i = 0; i < sv.n_written; i++)
		free(sv.written[i]);
	free(sv.written);
	return ret < 0 ? berth_error_prefix(err, "save") : 0;
}
