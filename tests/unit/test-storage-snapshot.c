/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/snapshot.h"
#include "test-storage.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static void layer(const struct tar_spec *spec, size_t n, int *fd, char *diffid)
{
	cleanup_free char *raw = NULL;
	size_t len;

	*fd = storage_tar(spec, n, &raw, &len);
	storage_sha256(raw, len, diffid);
}

static void chain(const char *parent, const char *diffid, char *out)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "%s %s", parent, diffid);
	storage_sha256(buf, strlen(buf), out);
}

static void stack_and_check(int driver)
{
	const struct tar_spec l1[] = {{'f', "a", "1"}, {'f', "gone", "g"}};
	const struct tar_spec l2[] = {{'f', ".wh.gone", ""}, {'f', "b", "2"}};
	char tmpl[] = "/tmp/berth-snap-XXXXXX", d1[72], d2[72], c2[72], got[72], ctr[64];
	char path[256];
	cleanup_close int root = storage_tmpdir(tmpl);
	cleanup_close int f1 = -1;
	cleanup_close int f2 = -1;
	cleanup_strv char **list = NULL;
	cleanup_free char *rootfs = NULL;
	struct berth_extract_opts o = {.chown = true};
	struct berth_error *err = NULL;
	struct stat st;

	layer(l1, 2, &f1, d1);
	layer(l2, 2, &f2, d2);
	chain(d1, d2, c2);
	CHECK_INT(berth_snapshot_prepare(root, driver, d1, c2, f2, NULL, &o, got, &err), ==,
		  -ENOENT);
	berth_error_clear(&err);
	CHECK_OK(berth_snapshot_prepare(root, driver, NULL, d1, f1, NULL, &o, got, &err), &err);
	CHECK_STR(got, d1);
	CHECK_OK(berth_snapshot_prepare(root, driver, d1, c2, f2, NULL, &o, got, &err), &err);
	CHECK_STR(got, d2);
	CHECK(berth_snapshot_exists(root, driver, c2));
	CHECK(!berth_snapshot_exists(root, !driver, c2));
	CHECK_OK(berth_snapshot_list(root, &list, &err), &err);
	CHECK(list[0] && list[1] && !list[2]);
	snprintf(ctr, sizeof(ctr), "%s/ctr", tmpl);
	CHECK(mkdir(ctr, 0700) == 0);
	CHECK_OK(berth_snapshot_mount_rw(root, driver, c2, ctr, &rootfs, &err), &err);
	CHECK(stat(rootfs, &st) == 0);
	snprintf(path, sizeof(path), "%s/a", rootfs);
	CHECK(access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/b", rootfs);
	CHECK(access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/gone", rootfs);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	CHECK_OK(berth_snapshot_umount(driver, ctr, &err), &err);
	CHECK_OK(berth_snapshot_remove(root, c2, &err), &err);
	CHECK(!berth_snapshot_exists(root, driver, c2));
	CHECK_OK(berth_snapshot_collect_garbage(root, &err), &err);
	berth_rm_rf_at(AT_FDCWD, tmpl);
}

BERTH_TEST(storage_snapshot_overlay)
{
	if (geteuid() != 0)
		SKIP("needs root for overlay mounts");
	stack_and_check(BERTH_DRIVER_OVERLAY);
}

BERTH_TEST(storage_snapshot_vfs)
{
	if (geteuid() != 0)
		SKIP("needs root for chown");
	stack_and_check(BERTH_DRIVER_VFS);
}

BERTH_TEST(storage_snapshot_bad_chain_id)
{
	struct berth_extract_opts o = {0};
	struct berth_error *err = NULL;
	char got[72];

	CHECK_INT(berth_snapshot_prepare(AT_FDCWD, BERTH_DRIVER_VFS, NULL, "sha256:../../etc", 0,
					 NULL, &o, got, &err),
		  ==, -EINVAL);
	CHECK(strstr(err->msg, "invalid chain ID 'sha256:../../etc'") != NULL);
	berth_error_free(err);
}
