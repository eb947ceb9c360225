/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/default-devices.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec-resources.h"
#include "util/cleanup.h"

static const struct berth_res_device_rule defaults[] = {
	{ true, 'c', -1, -1, "m" },    { true, 'b', -1, -1, "m" }, { true, 'c', 1, 3, "rwm" },
	{ true, 'c', 1, 5, "rwm" },    { true, 'c', 1, 7, "rwm" }, { true, 'c', 1, 8, "rwm" },
	{ true, 'c', 1, 9, "rwm" },    { true, 'c', 5, 0, "rwm" }, { true, 'c', 5, 2, "rwm" },
	{ true, 'c', 136, -1, "rwm" },
};

int berth_resources_allow_default_devices(struct berth_spec *spec, struct berth_error **err)
{
	struct berth_resources *r = spec->resources;
	size_t n, extra = BERTH_ARRAY_SIZE(defaults);
	struct berth_res_device_rule *rules;

	if (r == NULL || !r->has_devices)
		return 0;
	n = r->n_devices;
	rules = realloc(r->devices, (n + extra) * sizeof(*rules));
	if (rules == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	memcpy(rules + n, defaults, sizeof(defaults));
	n += BERTH_ARRAY_SIZE(defaults);
	r->devices = rules;
	r->n_devices = n;
	return 0;
}
