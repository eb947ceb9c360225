/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_DRIVER_H
#define BERTH_IMAGE_DRIVER_H

#include "image/store.h"
#include "util/error.h"

/*
 * The storage driver (enum berth_storage_driver) of the store's data root:
 * chosen on first use by probing (overlay where the file system takes it,
 * else vfs) or from $BERTH_STORAGE_DRIVER, then recorded in <root>/driver,
 * since snapshots of one driver are no use to the other.
 */
int berth_store_driver(struct berth_store *s, int *driver, struct berth_error **err);

/*
 * The same with the driver asked for by the caller (berth.conf's
 * storage_driver) instead of $BERTH_STORAGE_DRIVER; NULL: probe.
 */
int berth_store_driver_want(struct berth_store *s, const char *want, int *driver,
			    struct berth_error **err);

#endif
