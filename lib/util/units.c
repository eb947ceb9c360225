/* SPDX-License-Identifier: Apache-2.0 */
#include "util/units.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int berth_parse_int(const char *s, const char *what, int64_t min, int64_t max, int64_t *out,
		    struct berth_error **err)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0' || errno != 0 || v < min ||
	    v > max)
		return berth_error_set(err, EINVAL,
				       "%s: invalid value \"%s\" (an integer from "
				       "%lld to %lld)",
				       what, s, (long long)min, (long long)max);
	*out = v;
	return 0;
}

int berth_parse_size(const char *s, const char *what, int allow_minus_one, int64_t *out,
		     struct berth_error **err)
{
	static const char units[] = "bkmgtp";
	char *end = NULL;
	unsigned long long v;
	int shift = 0;

	if (allow_minus_one && strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	errno = 0;
	if (!isdigit((unsigned char)*s))
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		goto bad;
	if (*end != '\0') {
		const char *u = strchr(units, tolower((unsigned char)*end));

		if (u == NULL || *end == '\0')
			goto bad;
		shift = (int)(u - units) * 10;
		end++;
		if (shift > 0 && (*end == 'b' || *end == 'B'))
			end++;
		if (*end != '\0')
			goto bad;
	}
	if (shift > 0 && v > (unsigned long long)INT64_MAX >> shift)
		goto bad;
	v <<= shift;
	if (v > (unsigned long long)INT64_MAX)
		goto bad;
	*out = (int64_t)v;
	return 0;
bad:
	return berth_error_set(err, EINVAL,
			       "%s: invalid size \"%s\" (e.g. 1048576, 512k, 100m, 1g)", what, s);
}
