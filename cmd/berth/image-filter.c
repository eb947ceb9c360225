/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "image-filter.h"
#include "image/blobs.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"

/* `images --filter` and the `images [REPOSITORY[:TAG]]` argument, as Docker reads them. */

static int push(char ***v, const char *s)
{
	size_t n = berth_strv_len(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));

	if (nv == NULL)
		return -ENOMEM;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	*v = nv;
	return nv[n] ? 0 : -ENOMEM;
}

static int set_image_time(struct berth_store *s, const char *name, char **out,
			  struct berth_error **err)
{
	struct berth_image *img = NULL;
	int ret = berth_image_resolve(s, name, &img, err);

	if (ret < 0)
		return ret;
	free(*out);
	*out = strdup(img->created ? img->created : "");
	berth_image_free(img);
	return 0;
}

int image_filter_add(struct image_filter *f, struct berth_store *s, const char *spec,
		     struct berth_error **err)
{
	const char *eq = strchr(spec, '=');
	size_t klen = eq ? (size_t)(eq - spec) : 0;
	const char *v = eq ? eq + 1 : NULL;

	if (eq == NULL || *v == '\0')
		return berth_error_set(err, EINVAL, "--filter \"%s\": expected KEY=VALUE", spec);
	if (klen == 8 && strncmp(spec, "dangling", 8) == 0) {
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return berth_error_set(err, EINVAL, "--filter dangling: true or false");
		f->dangling = strcmp(v, "true") == 0;
		return 0;
	}
	if (klen == 9 && strncmp(spec, "reference", 9) == 0)
		return push(&f->refs, v) < 0 ? berth_error_set(err, ENOMEM, "out of memory") : 0;
	if (klen == 5 && strncmp(spec, "label", 5) == 0)
		return push(&f->labels, v) < 0 ? berth_error_set(err, ENOMEM, "out of memory") : 0;
	if (klen == 6 && strncmp(spec, "before", 6) == 0)
		return set_image_time(s, v, &f->before, err);
	if (klen == 5 && strncmp(spec, "since", 5) == 0)
		return set_image_time(s, v, &f->since, err);
	return berth_error_set(err, EINVAL,
			       "--filter \"%.*s\": unknown filter (dangling, reference, label, "
			       "before, since)",
			       (int)klen, spec);
}

/* Docker matches a reference pattern against the familiar name, with and without the tag. */
static bool ref_matches(const char *full, char *const *patterns)
{
	struct berth_reference *r = NULL;
	struct berth_error *err = NULL;
	cleanup_free char *fam = NULL;
	cleanup_free char *name = NULL;
	bool ok = false;

	if (patterns == NULL)
		return true;
	if (full == NULL || berth_reference_parse(full, &r, &err) < 0) {
		berth_error_free(err);
		return false;
	}
	fam = berth_reference_familiar(r);
	name = strdup(fam ? fam : "");
	if (name && strrchr(name, ':') && !strchr(strrchr(name, ':'), '/'))
		*strrchr(name, ':') = '\0';
	for (size_t i = 0; patterns[i] && !ok; i++)
		ok = (fam && fnmatch(patterns[i], fam, 0) == 0) ||
		     (name && fnmatch(patterns[i], name, 0) == 0);
	berth_reference_free(r);
	return ok;
}

/* Every label=K or label=K=V must hold in the image config's Labels. */
static bool labels_match(struct berth_store *s, const struct berth_image *img, char *const *want)
{
	cleanup_free char *buf = NULL;
	json_object *cfg = NULL, *c = NULL, *labels = NULL;
	struct berth_error *err = NULL;
	size_t len = 0;
	bool ok = true;

	if (want == NULL)
		return true;
	if (berth_blob_read(s, img->id, 1u << 24, &buf, &len, &err) < 0 ||
	    berth_json_parse(buf, len, &cfg, &err) < 0) {
		berth_error_free(err);
		return false;
	}
	if (json_object_object_get_ex(cfg, "config", &c))
		json_object_object_get_ex(c, "Labels", &labels);
	for (size_t i = 0; want[i] && ok; i++) {
		const char *eq = strchr(want[i], '=');
		cleanup_free char *k =
		    strndup(want[i], eq ? (size_t)(eq - want[i]) : strlen(want[i]));
		json_object *v = NULL;

		ok = labels && json_object_object_get_ex(labels, k, &v) &&
		     (eq == NULL || strcmp(json_object_get_string(v), eq + 1) == 0);
	}
	json_object_put(cfg);
	return ok;
}

bool image_filter_match(const struct image_filter *f, struct berth_store *s,
			const struct berth_image *img, const char *tag)
{
	const char *created = img->created ? img->created : "";

	if (f->dangling >= 0 && (img->tags[0] == NULL) != (f->dangling == 1))
		return false;
	if (!ref_matches(tag, f->refs))
		return false;
	if (f->before && strcmp(created, f->before) >= 0)
		return false;
	if (f->since && strcmp(created, f->since) <= 0)
		return false;
	return labels_match(s, img, f->labels);
}

void image_filter_release(struct image_filter *f)
{
	berth_strv_free(f->refs);
	berth_strv_free(f->labels);
	free(f->before);
	free(f->since);
}
