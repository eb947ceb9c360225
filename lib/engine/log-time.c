/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Times of log messages: the RFC 3339 form json-file stores and `logs -t`
 * prints, and the --since/--until values Docker takes (RFC 3339 and its
 * shorter local forms, unix seconds, Go durations before now).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/log-internal.h"

#define NSEC 1000000000LL

void berth_log_format_time(const struct timespec *t, char *buf)
{
	struct tm tm;
	time_t s = t->tv_sec;

	/* 19 characters up to year 9999; the fraction and "Z" are the other 11. */
	if (gmtime_r(&s, &tm) == NULL || strftime(buf, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
		memcpy(buf, "0000-00-00T00:00:00", 20);
	snprintf(buf + 19, BERTH_LOG_TIME_LEN - 19, ".%09uZ", (unsigned)t->tv_nsec % 1000000000u);
}

/* @n digits exactly at *p into *v (no sign). */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return false;
		*v = *v * 10 + (**p - '0');
	}
	return true;
}

/* ".123" -> nanoseconds; 1 to 9 digits. */
static bool fraction(const char **p, long *ns)
{
	int n = 0;

	*ns = 0;
	if (**p != '.')
		return true;
	for ((*p)++; isdigit((unsigned char)**p); (*p)++, n++) {
		if (n >= 9)
			return false;
		*ns = *ns * 10 + (**p - '0');
	}
	for (int i = n; i < 9; i++)
		*ns *= 10;
	return n > 0;
}

/* "Z", "+01:00", "-0530" -> seconds east of UTC; *local when there is none. */
static bool zone(const char **p, long *off, bool *local)
{
	int h, m = 0, sign;

	*off = 0;
	*local = **p == '\0';
	if (*local)
		return true;
	if (**p == 'Z' || **p == 'z')
		return (*p)++, true;
	if (**p != '+' && **p != '-')
		return false;
	sign = *(*p)++ == '-' ? -1 : 1;
	if (!digits(p, 2, &h))
		return false;
	if (**p == ':')
		(*p)++;
	if (**p != '\0' && !digits(p, 2, &m))
		return false;
	*off = sign * (h * 3600L + m * 60L);
	return h < 24 && m < 60;
}

/* As Go's time.Parse: "2023-02-29" is out of range, not March 1st. */
static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);

	return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD[THH[:MM[:SS[.frac]]]][zone] */
static bool parse_date(const char *s, struct timespec *out)
{
	struct tm tm = { .tm_isdst = -1 };
	const char *p = s;
	bool local;
	long off, ns = 0;
	time_t t;

	if (!digits(&p, 4, &tm.tm_year) || *p++ != '-' || !digits(&p, 2, &tm.tm_mon) ||
	    *p++ != '-' || !digits(&p, 2, &tm.tm_mday))
		return false;
	if (*p == 'T' || *p == 't') {
		p++;
		if (!digits(&p, 2, &tm.tm_hour))
			return false;
		if (*p == ':' && (p++, !digits(&p, 2, &tm.tm_min)))
			return false;
		if (*p == ':' && (p++, !digits(&p, 2, &tm.tm_sec) || !fraction(&p, &ns)))
			return false;
	}
	if (!zone(&p, &off, &local) || *p != '\0')
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > days_in_month(tm.tm_year, tm.tm_mon) || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = local ? mktime(&tm) : timegm(&tm) - off;
	out->tv_sec = t;
	out->tv_nsec = ns;
	return true;
}

bool berth_log_parse_rfc3339(const char *s, struct timespec *out)
{
	return parse_date(s, out);
}

/* seconds[.nanos] */
static bool parse_unix(const char *s, struct timespec *out)
{
	long long sec = 0;
	const char *p = s;
	long ns;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (sec > (INT64_MAX - 9) / 10)
			return false;
		sec = sec * 10 + (*p - '0');
	}
	if (!fraction(&p, &ns) || *p != '\0')
		return false;
	out->tv_sec = (time_t)sec;
	out->tv_nsec = ns;
	return true;
}

static long long unit_ns(const char **p)
{
	static const struct {
		const char *name;
		long long ns;
	} units[] = { { "ns", 1 },   { "us", 1000 },	 { "\xc2\xb5s", 1000 }, { "ms", 1000000 },
		      { "s", NSEC }, { "m", 60 * NSEC }, { "h", 3600 * NSEC } };

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].name);

		if (strncmp(*p, units[i].name, n) == 0) {
			*p += n;
			return units[i].ns;
		}
	}
	return 0;
}

/* A Go duration: [sign] (number [.frac] unit)+, e.g. "1h30m", "1.5s". */
static bool parse_duration(const char *s, long long *out)
{
	const char *p = s;
	long double total = 0;
	int sign = 1;

	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	if (*p == '\0')
		return false;
	while (*p != '\0') {
		long double v = 0, scale = 1;
		bool any = false;
		long long u;

		for (; isdigit((unsigned char)*p); p++, any = true)
			v = v * 10 + (*p - '0');
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++, any = true)
				v += (*p - '0') * (scale /= 10);
		u = any ? unit_ns(&p) : 0;
		if (u == 0)
			return false;
		total += v * u;
		if (total > 9.2e18L)
			return false;
	}
	*out = sign * (long long)total;
	return true;
}

int berth_log_parse_time_at(const char *s, const struct timespec *now, struct timespec *out,
			    struct berth_error **err)
{
	long long d;

	if (strcmp(s, "0") != 0 && parse_duration(s, &d)) {
		long long t;

		/* A negative duration is after now: "-2500000h" would overflow. */
		if (__builtin_mul_overflow((long long)now->tv_sec, NSEC, &t) ||
		    __builtin_add_overflow(t, (long long)now->tv_nsec, &t) ||
		    __builtin_sub_overflow(t, d, &t))
			return berth_error_set(err, ERANGE, "\"%s\": time out of range", s);
		out->tv_sec = (time_t)(t / NSEC);
		out->tv_nsec = (long)(t % NSEC);
		if (out->tv_nsec < 0) {
			out->tv_nsec += NSEC;
			out->tv_sec--;
		}
		return 0;
	}
	if (strchr(s, '-') != NULL ? parse_date(s, out) : parse_unix(s, out))
		return 0;
	return berth_error_set(err, EINVAL,
			       "\"%s\" is not a time (RFC 3339, unix seconds or a duration "
			       "like 10m)",
			       s);
}

int berth_log_parse_time(const char *s, struct timespec *out, struct berth_error **err)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return berth_log_parse_time_at(s, &now, out, err);
}
