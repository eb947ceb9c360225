/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: berth_spec_parse_mounts on a parsed "mounts" array. */
#include <stdint.h>
#include <stdlib.h>

#include "oci/spec-mounts.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error *err = NULL;
	struct berth_mount *m = NULL;
	json_object *o = NULL;
	size_t n = 0;
	int ret;

	if (berth_json_parse((const char *)data, size, &o, &err) < 0) {
		berth_error_free(err);
		return 0;
	}
	ret = berth_spec_parse_mounts(o, "mounts", &m, &n, &err);
	if ((ret < 0) != (err != NULL) || (ret < 0) == (m != NULL) ||
	    (err != NULL && ret != -err->code))
		abort();
	for (size_t i = 0; i < n; i++)
		berth_mount_release(&m[i]);
	free(m);
	berth_error_free(err);
	json_object_put(o);
	return 0;
}
