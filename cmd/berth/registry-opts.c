/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <string.h>

#include "cli.h"

/* The registry options every command that talks to a registry uses. */

int cli_registry_opts(struct cli_registry *r, struct berth_error **err)
{
	*r = (struct cli_registry){ 0 };
	/* $BERTH_REGISTRIES_CONF or /etc/berth/registries.json; missing: the defaults */
	if (berth_registry_config_load(NULL, &r->config, err) < 0)
		return -1;
	r->opts.config = r->config;
	return 0;
}

void cli_registry_release(struct cli_registry *r)
{
	berth_registry_config_free(r->config);
	r->config = NULL;
}
