/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CLI_IMAGE_FILTER_H
#define BERTH_CLI_IMAGE_FILTER_H

#include <stdbool.h>

#include "image/images.h"
#include "image/store.h"
#include "util/error.h"

/* `images --filter KEY=VALUE`: dangling, reference (glob), label (K or K=V), before, since. */
struct image_filter {
	int dangling; /* -1: either */
	char **refs;
	char **labels;
	char *before, *since; /* created times of the named images */
};

int image_filter_add(struct image_filter *f, struct berth_store *s, const char *spec,
		     struct berth_error **err);
/* Does @img (shown under @tag, NULL when untagged) pass every filter? */
bool image_filter_match(const struct image_filter *f, struct berth_store *s,
			const struct berth_image *img, const char *tag);
void image_filter_release(struct image_filter *f);

#endif
