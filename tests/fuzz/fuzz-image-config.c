/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: image configs (untrusted: from registries and archives) and chain IDs. */
#include <stdint.h>
#include <stdlib.h>

#include "image/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_image_config *c = NULL;
	struct berth_error *err = NULL;
	int ret;

	ret = berth_image_config_parse((const char *)data, size, &c, &err);
	if ((ret < 0) != (err != NULL) || (ret < 0 && c != NULL))
		abort();
	if (ret == 0 && c->n_diff_ids > 0) {
		char(*chain)[BERTH_DIGEST_BUF] = calloc(c->n_diff_ids, BERTH_DIGEST_BUF);

		/* Diff IDs the parser accepted are valid digests: chaining them cannot fail. */
		if (chain == NULL || berth_chain_ids(c->diff_ids, c->n_diff_ids, chain, &err) < 0)
			abort();
		free(chain);
	}
	berth_image_config_free(c);
	berth_error_free(err);
	return 0;
}
