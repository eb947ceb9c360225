/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/create.h"
#include "engine/rootfs.h"
#include "storage/snapshot.h"
#include "util/json.h"

/* The container's root as its record says; kept free of lib/image so the monitor stays small. */

static int userns_of(json_object *rec, struct berth_userns *u, struct berth_error **err)
{
	json_object *o, *m;
	const char *kinds[] = { "UidMap", "GidMap" };
	struct berth_idmap *maps[] = { &u->uid, &u->gid };
	int64_t v[3];
	int r;

	memset(u, 0, sizeof(*u));
	r = berth_json_object(rec, "", "BerthUserns", &o, err);
	if (r <= 0)
		return r;
	if (berth_json_bool(o, "BerthUserns", "Enabled", &u->enabled, err) < 0)
		return berth_error_ret(err);
	if (!u->enabled)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (berth_json_object(o, "BerthUserns", kinds[i], &m, err) != 1 ||
		    berth_json_int(m, kinds[i], "ContainerID", 0, UINT32_MAX, &v[0], err) != 1 ||
		    berth_json_int(m, kinds[i], "HostID", 0, UINT32_MAX, &v[1], err) != 1 ||
		    berth_json_int(m, kinds[i], "Size", 1, UINT32_MAX, &v[2], err) != 1)
			return *err ? berth_error_ret(err)
				    : berth_error_set(err, EINVAL, "BerthUserns.%s: incomplete",
						      kinds[i]);
		maps[i]->container = (uint32_t)v[0];
		maps[i]->host = (uint32_t)v[1];
		maps[i]->size = (uint32_t)v[2];
	}
	return 0;
}

int berth_ctr_mount(struct berth_engine *e, const struct berth_ctr *c, struct berth_error **err)
{
	json_object *gd;
	const char *drv = NULL, *chain = "";
	struct berth_userns u;
	char *rootfs = NULL;
	int driver, ret;

	if (berth_json_object(c->record, "", "GraphDriver", &gd, err) != 1 ||
	    berth_json_string(gd, "GraphDriver", "Name", &drv, err) != 1)
		return *err ? berth_error_ret(err)
			    : berth_error_set(err, EINVAL, "container %s: no GraphDriver", c->id);
	if (berth_json_string(c->record, "", "BerthChainID", &chain, err) < 0 ||
	    berth_storage_driver_parse(drv, &driver, err) < 0 || userns_of(c->record, &u, err) < 0)
		return berth_error_prefix(err, "container %s", c->id);
	ret = berth_ctr_rootfs_mount(e, c->id, driver, chain, &u, &rootfs, err);
	free(rootfs);
	return ret;
}
