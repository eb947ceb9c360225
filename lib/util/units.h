/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_UNITS_H
#define BERTH_UTIL_UNITS_H

#include <stdint.h>

#include "util/error.h"

/*
 * Sizes as Docker and runc write them: "1048576", "512k", "100m", "1g"
 * (binary multiples, suffix case-insensitive, optional trailing "b").
 * Fractions, signs, spaces and overflow are refused with the input quoted.
 * "-1" is accepted only when @allow_minus_one (unlimited).
 */
int berth_parse_size(const char *s, const char *what, int allow_minus_one, int64_t *out,
		     struct berth_error **err);

/* A decimal integer in [min, max]; refuses anything else with @what named. */
int berth_parse_int(const char *s, const char *what, int64_t min, int64_t max, int64_t *out,
		    struct berth_error **err);

#endif
