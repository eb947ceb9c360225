/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/images.h"
#include "image/reference.h"
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/json.h"

/* tags.json: {"version": 1, "tags": {"<full reference>": "sha256:<manifest>"}} */

static int check_tags(json_object *tags, struct berth_error **err)
{
	json_object_object_foreach (tags, ref, val) {
		if (berth_digest_check(json_object_get_string(val), err) < 0)
			return berth_error_prefix(err, "tags.json: tag \"%s\"", ref);
	}
	return 0;
}

int tags_load(struct berth_store *s, json_object **out, struct berth_error **err)
{
	json_object *root = NULL, *tags = NULL;
	int ret;

	if (faccessat(s->rootfd, "tags.json", F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
		*out = json_object_new_object();
		return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
	}
	if (berth_json_parse_file(s->rootfd, "tags.json", STORE_METADATA_MAX, &root, err) < 0)
		return berth_error_prefix(err, "'%s/tags.json'", s->root);
	ret = berth_json_as_object(root, "tags.json", err);
	if (ret >= 0)
		ret = berth_json_string_map(root, "tags.json", "tags", &tags, err);
	if (ret >= 0 && tags != NULL)
		ret = check_tags(tags, err);
	if (ret < 0) {
		json_object_put(root);
		return ret;
	}
	*out = tags ? json_object_get(tags) : json_object_new_object();
	json_object_put(root);
	return 0;
}

int tags_save(struct berth_store *s, json_object *tags, struct berth_error **err)
{
	json_object *root = json_object_new_object();
	cleanup_free char *json = NULL;

	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "tags", json_object_get(tags));
	json = berth_json_dump(root);
	json_object_put(root);
	if (json == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return store_write_atomic(s, s->rootfd, "tags.json", json, strlen(json), err);
}

int tags_attach(json_object *tags, struct berth_image *img, struct berth_error **err)
{
	size_t n = 0;
	char **v = calloc((size_t)json_object_object_length(tags) + 1, sizeof(*v));

	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_object_object_foreach (tags, ref, val) {
		if (strcmp(json_object_get_string(val), img->manifest) != 0)
			continue;
		if ((v[n++] = strdup(ref)) == NULL) {
			berth_strv_free(v);
			return berth_error_set(err, ENOMEM, "out of memory");
		}
	}
	berth_strv_free(img->tags);
	img->tags = v;
	return 0;
}

/* The full form of a reference that must carry a tag and no digest. */
static int tag_name(const char *ref, char **out, struct berth_error **err)
{
	struct berth_reference *r = NULL;

	if (berth_reference_parse(ref, &r, err) < 0)
		return -EINVAL;
	if (r->digest != NULL) {
		berth_reference_free(r);
		return berth_error_set(err, EINVAL, "tag \"%s\": a tag cannot carry a digest", ref);
	}
	*out = berth_reference_string(r);
	berth_reference_free(r);
	return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static int tag_locked(struct berth_store *s, const char *source, const char *target,
		      struct berth_error **err)
{
	struct berth_image *img = NULL;
	cleanup_free char *name = NULL;
	json_object *tags = NULL;
	int ret;

	if (tag_name(target, &name, err) < 0 || berth_image_resolve(s, source, &img, err) < 0 ||
	    tags_load(s, &tags, err) < 0) {
		berth_image_free(img);
		return berth_error_ret(err);
	}
	json_object_object_add(tags, name, json_object_new_string(img->manifest));
	berth_image_free(img);
	ret = tags_save(s, tags, err);
	json_object_put(tags);
	return ret;
}

int berth_image_tag(struct berth_store *s, const char *source, const char *target,
		    struct berth_error **err)
{
	int ret;

	if (berth_store_lock(s, err) < 0)
		return berth_error_ret(err);
	ret = tag_locked(s, source, target, err);
	berth_store_unlock(s);
	return ret;
}

static int untag_locked(struct berth_store *s, const char *ref, struct berth_error **err)
{
	cleanup_free char *name = NULL;
	json_object *tags = NULL;
	int ret;

	if (tag_name(ref, &name, err) < 0 || tags_load(s, &tags, err) < 0)
		return berth_error_ret(err);
	if (!json_object_object_get_ex(tags, name, NULL)) {
		json_object_put(tags);
		return berth_error_set(err, ENOENT, "no such tag: %s", ref);
	}
	json_object_object_del(tags, name);
	ret = tags_save(s, tags, err);
	json_object_put(tags);
	return ret;
}

int berth_image_untag(struct berth_store *s, const char *ref, struct berth_error **err)
{
	int ret;

	if (berth_store_lock(s, err) < 0)
		return berth_error_ret(err);
	ret = untag_locked(s, ref, err);
	berth_store_unlock(s);
	return ret;
}
