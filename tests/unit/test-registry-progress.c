/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/progress.h"
#include "unit.h"
#include "util/cleanup.h"

/* Progress lines, shaped like Docker's. */

#define D "sha256:a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2"

BERTH_TEST(registry_progress_bytes)
{
	char b[32];

	berth_progress_format_bytes(b, sizeof(b), 0);
	CHECK_STR(b, "0B");
	berth_progress_format_bytes(b, sizeof(b), 999);
	CHECK_STR(b, "999B");
	berth_progress_format_bytes(b, sizeof(b), 1234);
	CHECK_STR(b, "1.234kB");
	berth_progress_format_bytes(b, sizeof(b), 45600000);
	CHECK_STR(b, "45.6MB");
	berth_progress_format_bytes(b, sizeof(b), 12345678);
	CHECK_STR(b, "12.35MB");
	berth_progress_format_bytes(b, sizeof(b), 3000000000ull);
	CHECK_STR(b, "3GB");
}

BERTH_TEST(registry_progress_bar)
{
	char b[64];

	berth_progress_format_bar(b, sizeof(b), 0, 100, 10);
	CHECK_STR(b, "[>         ]");
	berth_progress_format_bar(b, sizeof(b), 50, 100, 10);
	CHECK_STR(b, "[=====>    ]");
	berth_progress_format_bar(b, sizeof(b), 100, 100, 10);
	CHECK_STR(b, "[==========]");
	berth_progress_format_bar(b, sizeof(b), 7, 0, 4); /* unknown total */
	CHECK_STR(b, "[>   ]");
	berth_progress_format_bar(b, 5, 1, 2, 10); /* too small a buffer: empty, not overrun */
	CHECK_STR(b, "");
}

BERTH_TEST(registry_progress_line)
{
	char b[256];
	struct berth_progress_line l = { .id = D,
					 .state = BERTH_BLOB_DOWNLOADING,
					 .done = 12300000,
					 .total = 45600000,
					 .rate = 8100000 };

	berth_progress_format_line(b, sizeof(b), &l);
	CHECK_STR(b,
		  "a1b2c3d4e5f6: Downloading [=============>                                    ]"
		  "   12.3MB/45.6MB  8.1MB/s");
	l.rate = 0;
	berth_progress_format_line(b, sizeof(b), &l);
	CHECK(strstr(b, "12.3MB/45.6MB") != NULL && strstr(b, "/s") == NULL);
	l.state = BERTH_BLOB_VERIFIED;
	berth_progress_format_line(b, sizeof(b), &l);
	CHECK_STR(b, "a1b2c3d4e5f6: Download complete");
	l.state = BERTH_BLOB_WAITING;
	berth_progress_format_line(b, sizeof(b), &l);
	CHECK_STR(b, "a1b2c3d4e5f6: Waiting");
}

static char *render(enum berth_progress_mode mode)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct berth_progress *p = NULL;
	struct berth_error *err = NULL;

	CHECK(f != NULL);
	CHECK_OK(berth_progress_new(f, mode, 2, &p, &err), &err);
	berth_progress_set(p, 0, D, 100);
	berth_progress_set(p, 1, "sha256:ffffffffffff0000", 10);
	berth_progress_update(p, 0, BERTH_BLOB_DOWNLOADING, 10, 100);
	berth_progress_update(p, 0, BERTH_BLOB_DOWNLOADING, 20, 100);
	berth_progress_update(p, 1, BERTH_BLOB_DOWNLOADING, 10, 10);
	berth_progress_update(p, 1, BERTH_BLOB_VERIFIED, 10, 10);
	berth_progress_update(p, 0, BERTH_BLOB_VERIFIED, 100, 100);
	berth_progress_finish(p);
	berth_progress_free(p);
	fclose(f);
	return buf;
}

BERTH_TEST(registry_progress_modes)
{
	cleanup_free char *plain = render(BERTH_PROGRESS_PLAIN);
	cleanup_free char *tty = render(BERTH_PROGRESS_TTY);
	cleanup_free char *quiet = render(BERTH_PROGRESS_QUIET);

	CHECK_STR(plain, "a1b2c3d4e5f6: Downloading\n"
			 "ffffffffffff: Downloading\n"
			 "ffffffffffff: Download complete\n"
			 "a1b2c3d4e5f6: Download complete\n");
	CHECK(strstr(plain, "\033") == NULL);
	CHECK_STR(quiet, "");
	/* The terminal form moves up over its two lines and erases them before redrawing. */
	CHECK(strstr(tty, "\033[2A") != NULL && strstr(tty, "\r\033[2K") != NULL);
	CHECK(strstr(tty, "a1b2c3d4e5f6: Downloading [=====") != NULL);
	CHECK(strstr(tty, "ffffffffffff: Download complete\n") != NULL);
}
