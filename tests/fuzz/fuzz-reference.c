/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: image references as `berth pull NAME` reads them, and their printed forms. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_reference *r = NULL, *again = NULL;
	struct berth_error *err = NULL;
	char *s, *full, *fam;
	int ret;

	s = strndup((const char *)data, size);
	if (s == NULL)
		return 0;
	ret = berth_reference_parse(s, &r, &err);
	if ((ret < 0) != (err != NULL) || (ret < 0 && r != NULL))
		abort();
	if (ret == 0) {
		/* The normalised form parses back to itself. */
		char *back;

		full = berth_reference_string(r);
		fam = berth_reference_familiar(r);
		if (full == NULL || fam == NULL || berth_reference_parse(full, &again, &err) < 0)
			abort();
		back = berth_reference_string(again);
		if (back == NULL || strcmp(full, back) != 0)
			abort();
		free(back);
		free(full);
		free(fam);
		berth_reference_free(again);
	}
	berth_reference_free(r);
	berth_error_free(err);
	free(s);
	return 0;
}
