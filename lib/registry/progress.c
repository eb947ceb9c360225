/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "registry/progress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/cleanup.h"

void berth_progress_format_bytes(char *buf, size_t n, uint64_t bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000.0 && u + 1 < BERTH_ARRAY_SIZE(units)) {
		v /= 1000.0;
		u++;
	}
	/* Four significant digits, as Docker's units.HumanSize. */
	if (u == 0)
		snprintf(buf, n, "%lluB", (unsigned long long)bytes);
	else
		snprintf(buf, n, "%.4g%s", v, units[u]);
}

void berth_progress_format_bar(char *buf, size_t n, uint64_t done, uint64_t total, int width)
{
	int bars = 0, i = 0;
	size_t o = 0;

	if (n < (size_t)width + 3) {
		if (n > 0)
			buf[0] = '\0';
		return;
	}
	if (total > 0)
		bars = done >= total ? width : (int)((double)done / (double)total * width);
	buf[o++] = '[';
	for (; i < bars; i++)
		buf[o++] = '=';
	if (i < width) {
		buf[o++] = '>';
		i++;
	}
	for (; i < width; i++)
		buf[o++] = ' ';
	buf[o++] = ']';
	buf[o] = '\0';
}

void berth_progress_short_id(char *buf, size_t n, const char *digest)
{
	const char *colon = digest ? strchr(digest, ':') : NULL;

	snprintf(buf, n, "%.12s", colon ? colon + 1 : digest ? digest : "");
}

static const char *action(enum berth_blob_state st)
{
	switch (st) {
	case BERTH_BLOB_WAITING:
		return "Waiting";
	case BERTH_BLOB_DOWNLOADING:
		return "Downloading";
	case BERTH_BLOB_VERIFIED:
		return "Download complete";
	case BERTH_BLOB_FAILED:
		return "Failed";
	}
	return "";
}

void berth_progress_format_line(char *buf, size_t n, const struct berth_progress_line *l)
{
	char id[16], bar[BERTH_PROGRESS_BAR + 4], done[16], total[16], rate[24] = "";

	berth_progress_short_id(id, sizeof(id), l->id);
	if (l->state != BERTH_BLOB_DOWNLOADING) {
		snprintf(buf, n, "%s: %s", id, action(l->state));
		return;
	}
	berth_progress_format_bar(bar, sizeof(bar), l->done, l->total, BERTH_PROGRESS_BAR);
	berth_progress_format_bytes(done, sizeof(done), l->done);
	berth_progress_format_bytes(total, sizeof(total), l->total);
	if (l->rate > 0) {
		char r[16];

		berth_progress_format_bytes(r, sizeof(r), (uint64_t)l->rate);
		snprintf(rate, sizeof(rate), "  %s/s", r);
	}
	snprintf(buf, n, "%s: %s %s %8s/%s%s", id, action(l->state), bar, done, total, rate);
}

struct progress_item {
	const char *digest;
	enum berth_blob_state state;
	uint64_t done, total;
	double started;
	bool announced; /* plain mode: "Downloading" printed */
};

struct berth_progress {
	FILE *out;
	enum berth_progress_mode mode;
	size_t n;
	bool drawn;	  /* terminal mode: the block of lines is on the screen */
	double last_draw; /* seconds */
	struct progress_item items[];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int berth_progress_new(FILE *out, enum berth_progress_mode mode, size_t n,
		       struct berth_progress **res, struct berth_error **err)
{
	struct berth_progress *p = calloc(1, sizeof(*p) + n * sizeof(p->items[0]));

	if (p == NULL)
		return berth_error_set(err, ENOMEM, "progress: out of memory");
	p->out = out;
	p->mode = mode;
	p->n = n;
	*res = p;
	return 0;
}

void berth_progress_free(struct berth_progress *p)
{
	free(p);
}

void berth_progress_set(struct berth_progress *p, size_t index, const char *digest, uint64_t total)
{
	if (index < p->n) {
		p->items[index].digest = digest;
		p->items[index].total = total;
	}
}

static void line_of(const struct progress_item *it, double t, char *buf, size_t n)
{
	struct berth_progress_line l = {
		.id = it->digest, .state = it->state, .done = it->done, .total = it->total
	};

	if (it->started > 0 && t - it->started > 0.2)
		l.rate = it->done / (t - it->started);
	berth_progress_format_line(buf, n, &l);
}

static void redraw(struct berth_progress *p, double t)
{
	char line[256];

	/* Up to the first line of our block, then rewrite every line, erasing its rest. */
	if (p->drawn && p->n > 0)
		fprintf(p->out, "\033[%zuA", p->n);
	for (size_t i = 0; i < p->n; i++) {
		line_of(&p->items[i], t, line, sizeof(line));
		fprintf(p->out, "\r\033[2K%s\n", line);
	}
	fflush(p->out);
	p->drawn = true;
	p->last_draw = t;
}

/* Plain logs get one line per state change, never a bar. */
static void plain(struct berth_progress *p, struct progress_item *it, enum berth_blob_state old)
{
	char id[16];

	if (it->state == old && (it->state != BERTH_BLOB_DOWNLOADING || it->announced))
		return;
	if (it->state == BERTH_BLOB_DOWNLOADING)
		it->announced = true;
	berth_progress_short_id(id, sizeof(id), it->digest);
	fprintf(p->out, "%s: %s\n", id, action(it->state));
	fflush(p->out);
}

void berth_progress_update(void *ctx, size_t index, enum berth_blob_state state, uint64_t done,
			   uint64_t total)
{
	struct berth_progress *p = ctx;
	struct progress_item *it;
	enum berth_blob_state old;
	double t;

	if (p == NULL || index >= p->n || p->mode == BERTH_PROGRESS_QUIET)
		return;
	it = &p->items[index];
	old = it->state;
	t = now();
	if (it->started == 0 && state == BERTH_BLOB_DOWNLOADING)
		it->started = t;
	it->state = state;
	it->done = done;
	it->total = total;
	if (p->mode == BERTH_PROGRESS_PLAIN)
		plain(p, it, old);
	else if (state != old || t - p->last_draw >= 0.1) /* at most ten redraws a second */
		redraw(p, t);
}

void berth_progress_finish(struct berth_progress *p)
{
	if (p != NULL && p->mode == BERTH_PROGRESS_TTY)
		redraw(p, now());
}
