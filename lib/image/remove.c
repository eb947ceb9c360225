/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/images.h"
#include "image/reference.h"
#include "image/store-internal.h"
#include "util/cleanup.h"
#include "util/json.h"

/* rmi: untag, or remove the record and its tags (blobs wait for GC). */

/* The full tag @name refers to, when @name is a reference with a tag. */
static char *named_tag(const char *name)
{
	struct berth_reference *r = NULL;
	struct berth_error *e = NULL;
	char *full = NULL;

	if (strncmp(name, "sha256:", 7) == 0 || berth_reference_parse(name, &r, &e) < 0) {
		berth_error_free(e);
		return NULL;
	}
	if (r->tag != NULL && r->digest == NULL)
		full = berth_reference_string(r);
	berth_reference_free(r);
	return full;
}

static bool strv_has(char **v, const char *s)
{
	for (size_t i = 0; v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static int drop_tags(struct berth_store *s, const struct berth_image *img, struct berth_error **err)
{
	json_object *tags = NULL;
	int ret;

	if (tags_load(s, &tags, err) < 0)
		return berth_error_ret(err);
	for (size_t i = 0; img->tags[i]; i++)
		json_object_object_del(tags, img->tags[i]);
	ret = tags_save(s, tags, err);
	json_object_put(tags);
	return ret;
}

static int check_removable(const struct berth_image *img, const char *name, bool by_tag,
			   const struct berth_image_remove_opts *o, struct berth_error **err)
{
	if (o->force)
		return 0;
	if (o->in_use != NULL && o->in_use(o->ctx, img))
		return berth_error_set(
		    err, EBUSY, "image %s is in use by a container (force to remove it)", name);
	if (!by_tag && berth_strv_len(img->tags) > 1)
		return berth_error_set(err, EBUSY,
				       "image %s is referenced by %zu tags (force to remove it)",
				       name, berth_strv_len(img->tags));
	return 0;
}

static int remove_locked(struct berth_store *s, const char *name,
			 const struct berth_image_remove_opts *o, struct berth_error **err)
{
	cleanup_free char *tag = named_tag(name);
	struct berth_image *img = NULL;
	int ret;

	if (berth_image_resolve(s, name, &img, err) < 0)
		return berth_error_ret(err);
	/* "abc123" may be a short ID that also parses as a reference */
	if (tag != NULL && !strv_has(img->tags, tag)) {
		free(tag);
		tag = NULL;
	}
	if (tag != NULL && berth_strv_len(img->tags) > 1) {
		berth_image_free(img);
		return berth_image_untag(s, tag, err);
	}
	ret = check_removable(img, name, tag != NULL, o, err);
	/* tags before the record, so no tag outlives its record */
	if (ret == 0)
		ret = drop_tags(s, img, err);
	if (ret == 0)
		ret = record_remove(s, img->manifest, err);
	berth_image_free(img);
	return ret < 0 ? ret : 1;
}

int berth_image_remove(struct berth_store *s, const char *name,
		       const struct berth_image_remove_opts *opts, struct berth_error **err)
{
	static const struct berth_image_remove_opts none = { 0 };
	int ret;

	if (berth_store_lock(s, err) < 0)
		return berth_error_ret(err);
	ret = remove_locked(s, name, opts ? opts : &none, err);
	berth_store_unlock(s);
	return ret;
}
