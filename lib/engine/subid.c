/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text of /etc/subuid and /etc/subgid: parsed strictly, searched, checked
 * for overlaps and for a free range (userns.c does the file I/O).
 */
#include "engine/subid.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/userns.h"

void berth_subid_file_release(struct berth_subid_file *f)
{
	free(f->buf);
	free(f->v);
	*f = (struct berth_subid_file){ 0 };
}

static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool berth_subid_name_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

/* One "name:start:count" line (without its newline) into @e; false when malformed. */
static bool parse_line(const char *s, size_t len, struct berth_subid_entry *e)
{
	const char *c1 = memchr(s, ':', len);
	const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s)) : NULL;
	const char *end = s + len;

	if (c2 == NULL || memchr(c2 + 1, ':', (size_t)(end - c2 - 1)) != NULL)
		return false;
	e->name = s;
	e->nlen = (size_t)(c1 - s);
	if (!berth_subid_name_ok(s, e->nlen) ||
	    !parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &e->start) ||
	    !parse_u32(c2 + 1, (size_t)(end - c2 - 1), &e->count))
		return false;
	/* The last id must be a valid one: (uid_t)-1 is not. */
	return e->count > 0 && (uint64_t)e->start + e->count <= UINT32_MAX;
}

static int push(struct berth_subid_file *f, size_t *cap, const struct berth_subid_entry *e,
		struct berth_error **err)
{
	if (f->n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;
		struct berth_subid_entry *grown = realloc(f->v, ncap * sizeof(*grown));

		if (grown == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		f->v = grown;
		*cap = ncap;
	}
	f->v[f->n++] = *e;
	return 0;
}

int berth_subid_parse(struct berth_subid_file *f, const char *path, struct berth_error **err)
{
	const char *p = f->buf, *end = f->buf + f->len;
	unsigned line = 0;
	size_t cap = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct berth_subid_entry e;

		line++;
		if (len > 0 && p[0] != '#') {
			if (memchr(p, '\0', len) != NULL || !parse_line(p, len, &e))
				return berth_error_set(
				    err, EINVAL, "'%s' line %u: not \"name:start:count\": '%.*s'",
				    path, line, (int)(len > 80 ? 80 : len), p);
			e.line = line;
			if (push(f, &cap, &e, err) < 0)
				return -ENOMEM;
		}
		p += len + (nl != NULL);
	}
	return 0;
}

static bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

const struct berth_subid_entry *berth_subid_find(const struct berth_subid_file *f, const char *user)
{
	size_t ulen = strlen(user);

	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].nlen == ulen && memcmp(f->v[i].name, user, ulen) == 0)
			return &f->v[i];
	return NULL;
}

int berth_subid_check(const struct berth_subid_file *f, const struct berth_subid_entry *e,
		      const char *path, struct berth_error **err)
{
	if (e->start == 0)
		return berth_error_set(err, EINVAL, "'%s' line %u: the %.*s range contains id 0",
				       path, e->line, (int)e->nlen, e->name);
	for (size_t i = 0; i < f->n; i++) {
		const struct berth_subid_entry *o = &f->v[i];

		if (o->nlen == e->nlen && memcmp(o->name, e->name, e->nlen) == 0)
			continue;
		if (overlaps(e->start, e->count, o->start, o->count))
			return berth_error_set(err, EINVAL,
					       "'%s' line %u: the %.*s range %u-%u overlaps %.*s's "
					       "%u-%u on line %u",
					       path, e->line, (int)e->nlen, e->name, e->start,
					       e->start + e->count - 1, (int)o->nlen, o->name,
					       o->start, o->start + o->count - 1, o->line);
	}
	return 0;
}

static int by_start(const void *a, const void *b)
{
	uint32_t x = ((const struct berth_subid_entry *)a)->start;
	uint32_t y = ((const struct berth_subid_entry *)b)->start;

	return x < y ? -1 : x > y;
}

int berth_subid_alloc(const struct berth_subid_file *f, uint32_t size, uint32_t *start,
		      const char *path, struct berth_error **err)
{
	struct berth_subid_entry *sorted = NULL;
	uint64_t cand = BERTH_USERNS_FIRST;

	/*
	 * In order of start one pass suffices: a range that ends before the
	 * candidate is never met again, however the candidate moves.
	 */
	if (f->n > 0) {
		sorted = malloc(f->n * sizeof(*sorted));
		if (sorted == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		memcpy(sorted, f->v, f->n * sizeof(*sorted));
		qsort(sorted, f->n, sizeof(*sorted), by_start);
	}
	for (size_t i = 0; i < f->n && sorted[i].start < cand + size; i++)
		if (overlaps(cand, size, sorted[i].start, sorted[i].count))
			cand = (uint64_t)sorted[i].start + sorted[i].count;
	free(sorted);
	if (cand + size > UINT32_MAX)
		return berth_error_set(err, ENOSPC, "'%s': no free range of %u ids", path, size);
	*start = (uint32_t)cand;
	return 0;
}
