/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "image/driver.h"
#include "image/store.h"
#include "storage/snapshot.h"
#include "util/cleanup.h"
#include "util/fs.h"

/*
 * The storage driver of a data root is chosen once, by probing (overlay where
 * the file system takes it, else vfs), and recorded in <root>/driver: snapshots
 * made by one driver are not usable by the other.  $BERTH_STORAGE_DRIVER may
 * force a choice for a new data root; a different choice for an existing one is
 * refused.
 */
int berth_store_driver(struct berth_store *s, int *driver, struct berth_error **err)
{
	return berth_store_driver_want(s, getenv("BERTH_STORAGE_DRIVER"), driver, err);
}

int berth_store_driver_want(struct berth_store *s, const char *forced, int *driver,
			    struct berth_error **err)
{
	int rootfd = berth_store_rootfd(s);
	cleanup_free char *saved = NULL;
	size_t len = 0;
	int ret;

	ret = berth_read_file_at(rootfd, "driver", 64, &saved, &len, err);
	if (ret == 0) {
		saved[strcspn(saved, "\n")] = '\0';
		if ((ret = berth_storage_driver_parse(saved, driver, err)) < 0)
			return berth_error_prefix(err, "%s/driver", berth_store_root(s));
		if (forced && *forced && strcmp(forced, saved) != 0)
			return berth_error_set(err, EINVAL,
					       "storage driver %s asked, but %s uses the %s driver",
					       forced, berth_store_root(s), saved);
		return 0;
	}
	if (ret != -ENOENT)
		return ret;
	berth_error_clear(err);
	ret = forced && *forced ? berth_storage_driver_parse(forced, driver, err)
				: berth_storage_driver_probe(rootfd, driver, err);
	if (ret < 0)
		return ret;
	{
		const char *name = berth_storage_driver_name(*driver);

		return berth_write_file_atomic(rootfd, "driver", name, strlen(name), 0644, err);
	}
}
