/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "image/config.h"

int berth_chain_ids(char *const *diff_ids, size_t n, char (*out)[BERTH_DIGEST_BUF],
		    struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		/* "sha256:<a> sha256:<b>": the parent's chain ID, a space, this diff ID */
		char joined[2 * BERTH_DIGEST_BUF];

		if (berth_digest_check(diff_ids[i], err) < 0)
			return berth_error_prefix(err, "diff ID %zu", i);
		if (i == 0) {
			snprintf(out[0], BERTH_DIGEST_BUF, "%s", diff_ids[0]);
			continue;
		}
		snprintf(joined, sizeof(joined), "%s %s", out[i - 1], diff_ids[i]);
		if (berth_sha256_buf(joined, strlen(joined), out[i], err) < 0)
			return -(*err)->code;
	}
	return 0;
}
