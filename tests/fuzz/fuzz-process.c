/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: berth_process_parse on a parsed document, as `exec -p process.json` does. */
#include <stdint.h>
#include <stdlib.h>

#include "oci/spec.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error *err = NULL;
	struct berth_process p;
	json_object *o = NULL;
	int ret;

	if (berth_json_parse((const char *)data, size, &o, &err) < 0) {
		berth_error_free(err);
		return 0;
	}
	ret = berth_process_parse(o, "process", &p, &err);
	if ((ret < 0) != (err != NULL) || (err != NULL && ret != -err->code))
		abort();
	/* exec releases the process whether parsing succeeded or not. */
	berth_process_release(&p);
	berth_error_free(err);
	json_object_put(o);
	return 0;
}
