/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: berth_resources_parse on a parsed document, as `update -r` does. */
#include <stdint.h>
#include <stdlib.h>

#include "oci/spec-resources.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error *err = NULL;
	struct berth_resources *r = NULL;
	json_object *o = NULL;
	int ret;

	if (berth_json_parse((const char *)data, size, &o, &err) < 0) {
		berth_error_free(err);
		return 0;
	}
	ret = berth_resources_parse(o, "resources", &r, &err);
	if ((ret < 0) != (err != NULL) || (ret < 0) == (r != NULL) ||
	    (err != NULL && ret != -err->code))
		abort();
	berth_resources_free(r);
	berth_error_free(err);
	json_object_put(o);
	return 0;
}
