/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: manifests and indexes as registries and archives hand them over, and the
 * platform choice in an index. */
#include <stdint.h>
#include <stdlib.h>

#include "image/manifest.h"
#include "image/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hints[] = {
	NULL,
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *hint = hints[size ? data[0] % 5 : 0];
	struct berth_manifest *m = NULL;
	struct berth_error *err = NULL;
	int ret;

	ret = berth_manifest_parse((const char *)data + (size ? 1 : 0), size ? size - 1 : 0, hint,
				   &m, &err);
	if ((ret < 0) != (err != NULL) || (ret < 0 && m != NULL))
		abort();
	if (ret == 0 && m->kind == BERTH_MANIFEST_INDEX) {
		struct berth_platform want;
		const struct berth_descriptor *d = NULL;

		if (berth_platform_parse("linux/arm/v7", &want, &err) < 0)
			abort();
		if (berth_manifest_select(m, &want, &d, &err) == 0 && d == NULL)
			abort();
	}
	berth_manifest_free(m);
	berth_error_free(err);
	return 0;
}
