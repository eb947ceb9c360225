/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "containers.h"
#include "engine/top.h"

/* `berth top CONTAINER`: Docker's table (tabwriter: 20 wide at least, 3 spaces apart). */

int cmd_top(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_top t = { 0 };
	struct berth_engine *e;
	size_t w[BERTH_TOP_COLUMNS];

	if (argc < 2)
		return berth_error_set(err, EINVAL, "\"berth top\" requires at least 1 argument"),
		       1;
	if (argc > 2)
		return berth_error_set(err, EINVAL, "top: ps options are not supported"), 1;
	if (cli_engine(g, &e, err) < 0 || berth_ctr_top(e, argv[1], &t, err) < 0)
		return 1;
	for (int c = 0; c < BERTH_TOP_COLUMNS; c++) {
		w[c] = strlen(berth_top_titles[c]);
		for (size_t r = 0; r < t.n_rows; r++)
			if (strlen(t.rows[r * BERTH_TOP_COLUMNS + c]) > w[c])
				w[c] = strlen(t.rows[r * BERTH_TOP_COLUMNS + c]);
		w[c] = w[c] + 3 > 20 ? w[c] + 3 : 20;
	}
	for (size_t r = 0; r <= t.n_rows; r++)
		for (int c = 0; c < BERTH_TOP_COLUMNS; c++) {
			const char *s =
			    r == 0 ? berth_top_titles[c] : t.rows[(r - 1) * BERTH_TOP_COLUMNS + c];

			if (c + 1 < BERTH_TOP_COLUMNS)
				printf("%-*s", (int)w[c], s);
			else
				printf("%s\n", s);
		}
	berth_top_release(&t);
	return 0;
}
