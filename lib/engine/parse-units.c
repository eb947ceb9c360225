/* SPDX-License-Identifier: Apache-2.0 */
/* Numbers of run/create flags: sizes, CPUs, integers and booleans as Docker reads them. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/parse-flags.h"

/* Up to 19 decimal digits as an unsigned number; -1 when there are none or too many. */
static int digits(const char **p, unsigned __int128 *val, int *count)
{
	*val = 0;
	*count = 0;
	while (isdigit((unsigned char)**p)) {
		if (*count >= 38)
			return -1;
		*val = *val * 10 + (unsigned)(**p - '0');
		(*count)++;
		(*p)++;
	}
	return *count > 0 ? 0 : -1;
}

static unsigned __int128 pow10u(int n)
{
	unsigned __int128 v = 1;

	while (n-- > 0)
		v *= 10;
	return v;
}

/* "k" → 1 << 10 ... "p" → 1 << 50; the unit is optional. */
static int unit_shift(const char **p)
{
	static const char units[] = "kmgtp";
	const char *u = **p ? strchr(units, tolower((unsigned char)**p)) : NULL;

	if (u == NULL)
		return 0;
	(*p)++;
	return (int)(u - units + 1) * 10;
}

int berth_flag_ram_bytes(const char *s, int64_t *out, struct berth_error **err)
{
	unsigned __int128 ip = 0, fp = 0, v;
	const char *p = s;
	int n = 0, fn = 0, shift;

	if (digits(&p, &ip, &n) < 0 || n > 19)
		goto bad;
	if (*p == '.') {
		p++;
		if (digits(&p, &fp, &fn) < 0)
			goto bad;
		while (fn > 18) {
			fp /= 10;
			fn--;
		}
	}
	if (*p == ' ')
		p++;
	shift = unit_shift(&p);
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p != '\0')
		goto bad;
	/* Go multiplies a float and truncates; whole bytes of the fraction are kept the same way.
	 */
	v = (ip << shift) + ((fp << shift) / pow10u(fn));
	if (v > (unsigned __int128)INT64_MAX)
		goto bad;
	*out = (int64_t)v;
	return 0;
bad:
	return berth_error_set(err, EINVAL, "invalid size: '%s'", s);
}

int berth_flag_nano_cpus(const char *s, int64_t *out, struct berth_error **err)
{
	unsigned __int128 ip = 0, fp = 0, v;
	const char *p = s;
	int n = 0, fn = 0, neg = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (*p != '.' && (digits(&p, &ip, &n) < 0 || n > 19))
		goto bad;
	if (*p == '.') {
		p++;
		if (digits(&p, &fp, &fn) < 0)
			goto bad;
	}
	if (*p != '\0')
		goto bad;
	/* Trailing zeros are not precision. */
	while (fn > 9 && fp % 10 == 0) {
		fp /= 10;
		fn--;
	}
	if (fn > 9)
		return berth_error_set(err, EINVAL, "value is too precise");
	v = ip * 1000000000u + fp * pow10u(9 - fn);
	if (v > (unsigned __int128)INT64_MAX)
		goto bad;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
bad:
	return berth_error_set(err, EINVAL, "failed to parse %s as a rational number", s);
}

int berth_flag_check_nano_cpus(int64_t nano, long ncpu, struct berth_error **err)
{
	if (nano < 0 || nano > (int64_t)ncpu * 1000000000)
		return berth_error_set(
		    err, EINVAL,
		    "Range of CPUs is from 0.01 to %ld.00, as there are only %ld "
		    "CPUs available",
		    ncpu, ncpu);
	return 0;
}

int berth_flag_int(const char *s, int64_t min, int64_t max, int64_t *out, struct berth_error **err)
{
	const char *p = s;
	char *end = NULL;
	long long v;

	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return berth_error_set(err, EINVAL,
				       "strconv.ParseInt: parsing \"%s\": invalid syntax", s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return berth_error_set(err, EINVAL,
				       "strconv.ParseInt: parsing \"%s\": invalid syntax", s);
	if (errno == ERANGE || v < min || v > max)
		return berth_error_set(err, ERANGE,
				       "strconv.ParseInt: parsing \"%s\": value out of range", s);
	*out = v;
	return 0;
}

int berth_flag_bool(const char *s, int *out, struct berth_error **err)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return berth_error_set(err, EINVAL, "strconv.ParseBool: parsing \"%s\": invalid syntax", s);
}
