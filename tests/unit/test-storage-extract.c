/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "storage/extract.h"
#include "test-storage.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Table rows list only the fields they need. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int extract(int dir, const struct tar_spec *spec, size_t n, struct berth_extract_opts *o,
		   struct berth_error **err)
{
	cleanup_free char *raw = NULL;
	size_t len;
	cleanup_close int fd = storage_tar(spec, n, &raw, &len);
	char diffid[72], want[72];
	int ret;

	ret = berth_layer_extract(dir, fd, NULL, "L", o, diffid, err);
	storage_sha256(raw, len, want);
	if (ret == 0)
		CHECK_STR(diffid, want);
	return ret;
}

static void expect_refused(const struct tar_spec *spec, size_t n, int code, const char *msg)
{
	char tmpl[] = "/tmp/berth-extract-XXXXXX";
	cleanup_close int dir = storage_tmpdir(tmpl);
	struct berth_extract_opts o = {.whiteouts = BERTH_WHITEOUT_OVERLAY};
	struct berth_error *err = NULL;

	CHECK_INT(extract(dir, spec, n, &o, &err), ==, -code);
	if (strstr(err->msg, msg) == NULL || strncmp(err->msg, "layer L: ", 9) != 0)
		FAIL("unexpected message: %s", err->msg);
	berth_error_free(err);
	berth_rm_rf_at(AT_FDCWD, tmpl);
}

BERTH_TEST(storage_extract_refusals)
{
	const struct tar_spec dotdot[] = {{'f', "a/../../x", "x"}};
	const struct tar_spec abs[] = {{'f', "/x", "x"}};
	const struct tar_spec through[] = {{'l', "s", "/tmp"}, {'f', "s/x", "x"}};
	const struct tar_spec notdir[] = {{'f', "s", "x"}, {'f', "s/x", "x"}};
	const struct tar_spec hl_out[] = {{'h', "x", "/etc/passwd"}};
	const struct tar_spec hl_dir[] = {{'d', "d"}, {'h', "x", "d"}};
	const struct tar_spec hl_missing[] = {{'h', "x", "etc/passwd"}};
	const struct tar_spec dev[] = {{'c', "null"}};

	expect_refused(dotdot, 1, EPERM, "entry 'a/../../x': '..' component refused");
	expect_refused(abs, 1, EPERM, "entry '/x': absolute path refused");
	expect_refused(through, 2, ELOOP, "entry 's/x': component 's' is a symlink");
	expect_refused(notdir, 2, ENOTDIR, "component 's' is not a directory");
	expect_refused(hl_out, 1, EPERM, "hardlink 'x' to '/etc/passwd': absolute path refused");
	expect_refused(hl_dir, 2, EPERM, "target is not a file inside the layer");
	expect_refused(hl_missing, 1, ENOENT,
		       "hardlink 'x' to 'etc/passwd': target is not a file inside the layer");
	expect_refused(dev, 1, EPERM, "device node 'null' refused");
}

BERTH_TEST(storage_extract_overlay_whiteouts)
{
	const struct tar_spec spec[] = {
	    {'d', "./d", NULL, 0750},	 {'f', "d/.wh.gone", ""},
	    {'f', "o/.wh..wh..opq", ""}, {'f', "o/kept", "k", 04755, "user.k=v"},
	    {'f', ".wh..wh.plnk", ""},	 {'f', "x", "1", 0644, "trusted.overlay.opaque=y"},
	};
	char tmpl[] = "/tmp/berth-extract-XXXXXX";
	cleanup_close int dir = storage_tmpdir(tmpl);
	struct berth_extract_opts o = {.whiteouts = BERTH_WHITEOUT_OVERLAY};
	struct berth_error *err = NULL;
	char val[8] = {0}, path[64];
	struct stat st;

	CHECK_OK(extract(dir, spec, N(spec), &o, &err), &err);
	CHECK(fstatat(dir, "d/gone", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode));
	CHECK_INT(st.st_rdev, ==, makedev(0, 0));
	CHECK(fstatat(dir, "d", &st, 0) == 0 && (st.st_mode & 07777) == 0750);
	CHECK_INT(st.st_mtime, ==, 1600000000);
	snprintf(path, sizeof(path), "%s/o", tmpl);
	CHECK(getxattr(path, "trusted.overlay.opaque", val, 8) == 1);
	CHECK(fstatat(dir, "o/kept", &st, 0) == 0 && (st.st_mode & 07777) == 04755);
	CHECK(fstatat(dir, ".wh..wh.plnk", &st, 0) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/x", tmpl);
	CHECK(getxattr(path, "trusted.overlay.opaque", val, 8) < 0);
	snprintf(path, sizeof(path), "%s/o/kept", tmpl);
	CHECK(getxattr(path, "user.k", val, 8) == 1);
	berth_rm_rf_at(AT_FDCWD, tmpl);
}

BERTH_TEST(storage_extract_delete_whiteouts)
{
	const struct tar_spec lower[] = {
	    {'f', "o/old", "o"},  {'f', "o/sub/old", "o"},
	    {'f', "gone/x", "x"}, {'l', "link", "/etc"},
	    {'d', "dir"},	  {'f', "dir/f", "f"},
	};
	const struct tar_spec upper[] = {
	    {'f', "o/new", "n"},   {'f', "o/sub/new", "n"},	{'f', "o/.wh..wh..opq", ""},
	    {'f', ".wh.gone", ""}, {'f', "link", "now a file"}, {'f', "dir", "file"},
	};
	char tmpl[] = "/tmp/berth-extract-XXXXXX";
	cleanup_close int dir = storage_tmpdir(tmpl);
	struct berth_extract_opts o = {.whiteouts = BERTH_WHITEOUT_DELETE};
	struct berth_error *err = NULL;
	struct stat st;

	CHECK_OK(extract(dir, lower, N(lower), &o, &err), &err);
	CHECK_OK(extract(dir, upper, N(upper), &o, &err), &err);
	CHECK(fstatat(dir, "o/old", &st, 0) < 0 && fstatat(dir, "o/sub/old", &st, 0) < 0);
	CHECK(fstatat(dir, "o/new", &st, 0) == 0 && fstatat(dir, "o/sub/new", &st, 0) == 0);
	CHECK(fstatat(dir, "gone", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
	CHECK(fstatat(dir, "link", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode));
	CHECK(fstatat(dir, "dir", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode));
	berth_rm_rf_at(AT_FDCWD, tmpl);
}

BERTH_TEST(storage_extract_entry_cap)
{
	const struct tar_spec spec[] = {{'f', "big", "0123456789"}};
	char tmpl[] = "/tmp/berth-extract-XXXXXX";
	cleanup_close int dir = storage_tmpdir(tmpl);
	struct berth_extract_opts o = {.max_entry = 9};
	struct berth_error *err = NULL;

	CHECK_INT(extract(dir, spec, 1, &o, &err), ==, -EFBIG);
	CHECK(strstr(err->msg, "entry 'big': declared size 10 exceeds the limit of 9") != NULL);
	berth_error_free(err);
	berth_rm_rf_at(AT_FDCWD, tmpl);
}
