/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot names and lookups, apart from snapshot.c so that mounting (the
 * container monitor) links without the layer unpacker and libarchive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/snapshot-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

int snapshot_hex(const char *chainid, char *hex, struct berth_error **err)
{
	if (chainid == NULL || strncmp(chainid, "sha256:", 7) != 0 || strlen(chainid) != 71 ||
	    strspn(chainid + 7, "0123456789abcdef") != 64)
		return berth_error_set(err, EINVAL, "invalid chain ID '%s': want sha256:<64 hex>",
				       chainid ? chainid : "");
	memcpy(hex, chainid + 7, 65);
	return 0;
}

int snapshot_dir(int root_fd, bool create, struct berth_error **err)
{
	int fd;

	if (create && mkdirat(root_fd, SNAPSHOTS, 0700) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir '%s'", SNAPSHOTS);
	fd = openat(root_fd, SNAPSHOTS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open '%s'", SNAPSHOTS);
	return fd;
}

int snapshot_tmp_name(const char *prefix, char *buf, struct berth_error **err)
{
	unsigned char rnd[8];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return berth_error_errno(err, "getrandom");
	snprintf(buf, 64, "%s%02x%02x%02x%02x%02x%02x%02x%02x", prefix, rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	return 0;
}

int snapshot_read_small(int dirfd, const char *hex, const char *file, char *out, size_t size,
			struct berth_error **err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (asprintf(&path, "%s/%s", hex, file) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (berth_read_file_at(dirfd, path, size - 1, &buf, &len, err) < 0)
		return berth_error_prefix(err, "snapshot sha256:%s", hex);
	memcpy(out, buf, len + 1);
	return 0;
}

int snapshot_parent(int snaps, const char *hex, char *parent, struct berth_error **err)
{
	return snapshot_read_small(snaps, hex, "parent", parent, 65, err);
}

bool berth_snapshot_exists(int root_fd, int driver, const char *chainid)
{
	struct berth_error *err = NULL;
	cleanup_close int snaps = -1;
	char hex[65], marker[32];
	int ret;

	if (snapshot_hex(chainid, hex, &err) < 0 ||
	    (snaps = snapshot_dir(root_fd, false, &err)) < 0)
		goto out;
	ret = snapshot_read_small(snaps, hex, "complete", marker, sizeof(marker), &err);
	if (ret == 0 && strcmp(marker, berth_storage_driver_name(driver)) == 0)
		return true;
out:
	berth_error_free(err);
	return false;
}
