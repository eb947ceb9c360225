/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_REGISTRY_CONFIG_H
#define BERTH_REGISTRY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/*
 * The registries config: /etc/berth/registries.json, or $BERTH_REGISTRIES_CONF.
 *
 *   {
 *     "default-registry": "docker.io",
 *     "registry-mirrors": { "docker.io": ["mirror.example:5000"] },
 *     "insecure-registries": ["build.lan:5000", "10.1.2.3:5000"]
 *   }
 *
 * Every key is optional; unknown keys are refused so a typo is not silently
 * ignored.  Hosts are "name[:port]" without a scheme or path.
 */
struct berth_registry_config {
	char *default_registry; /* never NULL after load: "docker.io" by default */
	char **insecure;	/* NULL-terminated */
	struct berth_registry_mirrors {
		char *host;
		char **mirrors; /* NULL-terminated, tried in order */
	} * mirrors;
	size_t n_mirrors;
};

#define BERTH_REGISTRIES_CONF "/etc/berth/registries.json"

/*
 * Load @path (NULL: $BERTH_REGISTRIES_CONF or /etc/berth/registries.json).  A
 * missing file gives the defaults; a malformed one is an error naming the file
 * and the JSON path.  The caller frees *out with berth_registry_config_free().
 */
int berth_registry_config_load(const char *path, struct berth_registry_config **out,
			       struct berth_error **err);

/* Parse a config from memory; @what names it in errors. */
int berth_registry_config_parse(const char *buf, size_t len, const char *what,
				struct berth_registry_config **out, struct berth_error **err);

void berth_registry_config_free(struct berth_registry_config *c);

/* Whether @host may be spoken to over plain HTTP (listed insecure or loopback). */
bool berth_registry_config_insecure(const struct berth_registry_config *c, const char *host);

/* Whether @host is localhost, 127.0.0.0/8 or ::1 (with or without a port). */
bool berth_registry_host_is_loopback(const char *host);

/* The mirrors of @host (NULL-terminated, possibly empty), never NULL. */
char *const *berth_registry_config_mirrors(const struct berth_registry_config *c, const char *host);

/* Check a "name[:port]" host (EINVAL with @what quoted otherwise). */
int berth_registry_check_host(const char *host, const char *what, struct berth_error **err);

#endif
