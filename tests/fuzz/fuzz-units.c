/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: berth_parse_size and berth_parse_int, the parsers of flag
 * values such as --memory, --cpu-shares and --pids-limit.  The input is the
 * flag's text (cut at its first NUL, as argv would).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The error contract: a negative return sets *err, and only then. */
static void check(int ret, struct berth_error *err)
{
	if ((ret < 0) != (err != NULL) || (err != NULL && ret != -err->code))
		abort();
	berth_error_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error *err = NULL;
	char *s = strndup((const char *)data, size);
	int64_t v = 0;
	int ret;

	if (s == NULL)
		return 0;
	for (int minus_one = 0; minus_one <= 1; minus_one++) {
		err = NULL;
		ret = berth_parse_size(s, "--memory", minus_one, &v, &err);
		if (ret == 0 && (v < -1 || (v == -1 && !minus_one)))
			abort();
		check(ret, err);
	}
	err = NULL;
	ret = berth_parse_int(s, "--cpu-shares", 2, 262144, &v, &err);
	if (ret == 0 && (v < 2 || v > 262144))
		abort();
	check(ret, err);
	err = NULL;
	ret = berth_parse_int(s, "--pids-limit", INT64_MIN, INT64_MAX, &v, &err);
	check(ret, err);
	free(s);
	return 0;
}
