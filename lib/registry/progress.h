/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_REGISTRY_PROGRESS_H
#define BERTH_REGISTRY_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "registry/client.h"
#include "util/error.h"

/*
 * Pull/push progress, one line per blob, shaped like Docker's:
 *
 *   a1b2c3d4e5f6: Downloading [=====>                      ]  12.3MB/45.6MB  8.1MB/s
 *
 * On a terminal the lines are redrawn in place (ANSI cursor-up and erase);
 * otherwise one plain line per state change ("a1b2c3d4e5f6: Download complete");
 * quiet mode prints nothing.  The renderer writes only to the FILE the
 * command hands it; the line formatting below is pure and unit tested.
 */

enum berth_progress_mode {
	BERTH_PROGRESS_TTY,
	BERTH_PROGRESS_PLAIN,
	BERTH_PROGRESS_QUIET,
};

struct berth_progress_line {
	const char *id; /* a digest; its first 12 hex digits are shown */
	enum berth_blob_state state;
	uint64_t done, total;
	double rate; /* bytes per second; <= 0: not shown */
};

#define BERTH_PROGRESS_BAR 50

/* Docker's human sizes (decimal units): "512B", "1.2kB", "12.3MB", "4.1GB". */
void berth_progress_format_bytes(char *buf, size_t n, uint64_t bytes);

/* The bar "[=====>     ]" of @width cells between the brackets. */
void berth_progress_format_bar(char *buf, size_t n, uint64_t done, uint64_t total, int width);

/* One whole line (no newline), as shown on a terminal. */
void berth_progress_format_line(char *buf, size_t n, const struct berth_progress_line *l);

/* The 12-hex short id of a digest ("sha256:a1b2..." -> "a1b2c3d4e5f6"). */
void berth_progress_short_id(char *buf, size_t n, const char *digest);

struct berth_progress;

/* A renderer for @n blobs writing to @out (borrowed).  The caller frees it. */
int berth_progress_new(FILE *out, enum berth_progress_mode mode, size_t n,
		       struct berth_progress **res, struct berth_error **err);
void berth_progress_free(struct berth_progress *p);

/* Name blob @index (borrowed string, must outlive @p). */
void berth_progress_set(struct berth_progress *p, size_t index, const char *digest, uint64_t total);

/* A berth_blob_progress_fn: pass the renderer as its ctx. */
void berth_progress_update(void *p, size_t index, enum berth_blob_state state, uint64_t done,
			   uint64_t total);

/* Draw the final state (terminal mode); call once after the transfers. */
void berth_progress_finish(struct berth_progress *p);

#endif
