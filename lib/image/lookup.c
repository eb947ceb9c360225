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

/* Listing images and finding one by name, digest or short ID. */

static int newest_first(const void *a, const void *b)
{
	const struct berth_image *x = *(struct berth_image *const *)a;
	const struct berth_image *y = *(struct berth_image *const *)b;

	if (x->added != y->added)
		return x->added < y->added ? 1 : -1;
	return strcmp(x->manifest, y->manifest);
}

static int load_with_tags(struct berth_store *s, struct berth_image ***out, size_t *n,
			  struct berth_error **err)
{
	json_object *tags = NULL;
	struct berth_image **v = NULL;
	size_t count = 0;
	int ret;

	if (tags_load(s, &tags, err) < 0)
		return berth_error_ret(err);
	ret = record_load_all(s, &v, &count, err);
	for (size_t i = 0; ret == 0 && i < count; i++)
		ret = tags_attach(tags, v[i], err);
	json_object_put(tags);
	if (ret < 0) {
		berth_image_list_free(v, count);
		return ret;
	}
	if (count > 1)
		qsort(v, count, sizeof(*v), newest_first);
	*out = v;
	*n = count;
	return 0;
}

int berth_image_list(struct berth_store *s, struct berth_image ***out, size_t *n,
		     struct berth_error **err)
{
	return load_with_tags(s, out, n, err);
}

/* Which digest, if any, of @img equals @digest. */
static bool has_digest(const struct berth_image *img, const char *digest)
{
	return strcmp(img->id, digest) == 0 || strcmp(img->manifest, digest) == 0 ||
	       (img->index[0] && strcmp(img->index, digest) == 0);
}

static bool has_tag(const struct berth_image *img, const char *full)
{
	for (size_t i = 0; img->tags[i]; i++)
		if (strcmp(img->tags[i], full) == 0)
			return true;
	return false;
}

static bool short_id(const char *s)
{
	size_t n = strlen(s);

	if (strncmp(s, "sha256:", 7) == 0) {
		s += 7;
		n -= 7;
	}
	if (n < 4 || n > BERTH_SHA256_HEX_LEN)
		return false;
	return strspn(s, "0123456789abcdef") == n;
}

/* Match by reference: a digest in it decides, else its tag. */
static struct berth_image *match_reference(struct berth_image **v, size_t n, const char *name)
{
	struct berth_reference *r = NULL;
	struct berth_error *e = NULL;
	struct berth_image *found = NULL;
	char *full;

	if (berth_reference_parse(name, &r, &e) < 0) {
		berth_error_free(e);
		return NULL;
	}
	full = r->tag ? berth_reference_string(&(struct berth_reference){
			    .domain = r->domain, .path = r->path, .tag = r->tag })
		      : NULL;
	for (size_t i = 0; i < n && found == NULL; i++) {
		if (r->digest ? has_digest(v[i], r->digest) : (full && has_tag(v[i], full)))
			found = v[i];
	}
	free(full);
	berth_reference_free(r);
	return found;
}

static int match_id_prefix(struct berth_image **v, size_t n, const char *name,
			   struct berth_image **found, struct berth_error **err)
{
	const char *hex = strncmp(name, "sha256:", 7) == 0 ? name + 7 : name;
	size_t len = strlen(hex);

	for (size_t i = 0; i < n; i++) {
		if (strncmp(v[i]->id + 7, hex, len) != 0)
			continue;
		if (*found != NULL && strcmp((*found)->id, v[i]->id) != 0)
			return berth_error_set(err, EINVAL, "short ID \"%s\" is ambiguous", name);
		if (*found == NULL)
			*found = v[i];
	}
	return 0;
}

static int find(struct berth_image **v, size_t n, const char *name, struct berth_image **found,
		struct berth_error **err)
{
	*found = NULL;
	if (strncmp(name, "sha256:", 7) == 0 && strlen(name) == BERTH_DIGEST_LEN) {
		if (berth_digest_check(name, err) < 0)
			return -EINVAL;
		for (size_t i = 0; i < n && *found == NULL; i++)
			if (has_digest(v[i], name))
				*found = v[i];
		return 0;
	}
	*found = match_reference(v, n, name);
	if (*found == NULL && short_id(name))
		return match_id_prefix(v, n, name, found, err);
	return 0;
}

int berth_image_resolve(struct berth_store *s, const char *name, struct berth_image **out,
			struct berth_error **err)
{
	struct berth_image **v = NULL, *found = NULL;
	size_t n = 0;
	int ret;

	if (load_with_tags(s, &v, &n, err) < 0)
		return berth_error_ret(err);
	ret = find(v, n, name, &found, err);
	if (ret == 0 && found == NULL)
		ret = berth_error_set(err, ENOENT, "no such image: %s", name);
	if (ret == 0) {
		for (size_t i = 0; i < n; i++)
			if (v[i] == found)
				v[i] = NULL;
		*out = found;
	}
	berth_image_list_free(v, n);
	return ret;
}
