/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: berth_json_parse, the one door for untrusted JSON, and
 * berth_json_dump on what it accepts.  Whatever it accepts has no raw NUL
 * byte (JSON has none, inside strings or out) and serialises.  Build and run
 * with `make fuzz` and scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;
	char *dump;
	int ret;

	ret = berth_json_parse((const char *)data, size, &o, &err);
	/* The error contract: a negative return sets *err, and only then. */
	if ((ret < 0) != (err != NULL) || (err != NULL && ret != -err->code))
		abort();
	if (ret < 0) {
		berth_error_free(err);
		return 0;
	}
	if (memchr(data, '\0', size) != NULL)
		abort();
	dump = berth_json_dump(o);
	if (dump == NULL)
		abort();
	free(dump);
	json_object_put(o);
	return 0;
}
