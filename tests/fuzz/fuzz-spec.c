/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: berth_spec_parse on a whole config.json. */
#include <stdint.h>
#include <stdlib.h>

#include "oci/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error *err = NULL;
	struct berth_spec *s = NULL;
	int ret;

	ret = berth_spec_parse((const char *)data, size, &s, &err);
	/* *err set exactly on failure, *out written only on success. */
	if ((ret < 0) != (err != NULL) || (ret < 0) == (s != NULL) ||
	    (err != NULL && ret != -err->code))
		abort();
	berth_error_free(err);
	berth_spec_free(s);
	return 0;
}
