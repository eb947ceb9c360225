/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec-res-internal.h"

/* cpuset lists as the kernel writes them: "0-3,8,10-11". */

#define CPUSET_MAX 8192

/* Parse @s into @bits (CPUSET_MAX entries); -EINVAL on bad syntax, -ERANGE past the end. */
static int parse_list(const char *s, bool *bits)
{
	const char *p = s;

	if (*p == '\0')
		return -EINVAL;
	while (*p != '\0' && *p != '\n') {
		char *end = NULL;
		unsigned long lo, hi;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		lo = hi = strtoul(p, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EINVAL;
			hi = strtoul(end + 1, &end, 10);
		}
		if (hi < lo)
			return -EINVAL;
		if (hi >= CPUSET_MAX)
			return -ERANGE;
		for (unsigned long i = lo; i <= hi; i++)
			bits[i] = true;
		if (*end == ',' && end[1] != '\0' && end[1] != '\n')
			end++;
		else if (*end != '\0' && *end != '\n')
			return -EINVAL;
		p = end;
	}
	return 0;
}

int berth_cpuset_check(const char *list, const char *available, const char *field, const char *what,
		       struct berth_error **err)
{
	bool *want = calloc(CPUSET_MAX, sizeof(bool)), *have = calloc(CPUSET_MAX, sizeof(bool));
	size_t alen = strcspn(available, "\n");
	int ret = 0;

	if (want == NULL || have == NULL) {
		ret = berth_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = parse_list(list, want);
	if (ret == -EINVAL) {
		ret =
		    berth_error_set(err, EINVAL, "%s: invalid value %s for %s (a list like 0-3,5)",
				    field, list, what);
		goto out;
	}
	if (ret == 0 && parse_list(available, have) < 0) {
		ret = berth_error_set(err, EIO, "cannot read the host's %s: '%.*s'", what,
				      (int)alen, available);
		goto out;
	}
	for (size_t i = 0; ret == 0 && i < CPUSET_MAX; i++)
		if (want[i] && !have[i])
			ret = -ERANGE;
	if (ret == -ERANGE)
		ret = berth_error_set(err, EINVAL,
				      "Requested %s are not available - requested %s, "
				      "available: %.*s",
				      what, list, (int)alen, available);
out:
	free(want);
	free(have);
	return ret;
}
