/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_USERNS_H
#define BERTH_ENGINE_USERNS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

/*
 * User namespaces by default: container root is an unprivileged host uid
 * from the "berth" user's subordinate range (/etc/subuid, /etc/subgid,
 * created if absent).  `--userns=host` turns it off.
 */

struct berth_idmap {
	uint32_t container;
	uint32_t host;
	uint32_t size;
};

struct berth_userns {
	bool enabled;
	struct berth_idmap uid;
	struct berth_idmap gid;
};

#endif
