/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* A root with a hostile layout: links that point out by "..", absolutely, and in loops. */
static int make_root(char *tmpl)
{
	int fd;

	CHECK(mkdtemp(tmpl) != NULL);
	fd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(mkdirat(fd, "root", 0755) == 0);
	CHECK(mkdirat(fd, "root/etc", 0755) == 0);
	CHECK(berth_write_file_atomic(fd, "secret", "host", 4, 0600, NULL) == 0);
	CHECK(berth_write_file_atomic(fd, "root/etc/passwd", "ctr", 3, 0644, NULL) == 0);
	CHECK(symlinkat("../../secret", fd, "root/up") == 0);
	CHECK(symlinkat("/etc", fd, "root/abs") == 0);
	CHECK(symlinkat("/", fd, "root/slash") == 0);
	CHECK(symlinkat("loop", fd, "root/loop") == 0);
	return fd;
}

static void check_resolution(void)
{
	char tmpl[] = "/tmp/berth-fs-XXXXXX";
	cleanup_close int top = make_root(tmpl);
	cleanup_close int root = openat(top, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char buf[16] = { 0 };
	int fd;

	/* "/etc/passwd" through an absolute symlink stays in the root. */
	fd = berth_openat_in_root(root, "abs/passwd", O_RDONLY, 0);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof(buf) - 1) == 3);
	CHECK_STR(buf, "ctr");
	close(fd);
	/* "../../secret" resolves to /secret inside the root: absent. */
	CHECK_INT(berth_openat_in_root(root, "up", O_RDONLY, 0), ==, -ENOENT);
	CHECK_INT(berth_openat_in_root(root, "../../../secret", O_RDONLY, 0), ==, -ENOENT);
	CHECK_INT(berth_openat_in_root(root, "slash/../secret", O_RDONLY, 0), ==, -ENOENT);
	CHECK_INT(berth_openat_in_root(root, "loop", O_RDONLY, 0), ==, -ELOOP);
	/* Dots, trailing slashes and chains of links resolve as the kernel would, inside. */
	fd = berth_openat_in_root(root, "./etc/../etc/./passwd", O_RDONLY, 0);
	CHECK(fd >= 0);
	close(fd);
	fd = berth_openat_in_root(root, "etc/", O_RDONLY | O_DIRECTORY, 0);
	CHECK(fd >= 0);
	close(fd);
	CHECK(symlinkat("l2", root, "l1") == 0);
	CHECK(symlinkat("abs", root, "l2") == 0);
	fd = berth_openat_in_root(root, "l1/passwd", O_RDONLY, 0);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(berth_openat_in_root(root, "etc/passwd/x", O_RDONLY, 0), ==, -ENOTDIR);
	/* O_NOFOLLOW on the last component refuses the link itself. */
	CHECK_INT(berth_openat_in_root(root, "abs", O_RDONLY | O_NOFOLLOW, 0), ==, -ELOOP);
	/* Creation through a link lands inside. */
	fd = berth_openat_in_root(root, "slash/new", O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(faccessat(root, "new", F_OK, 0) == 0);
	/* mkdir -p through an escaping link creates inside the root. */
	fd = berth_mkdir_p_in_root(root, "/slash/../../a/b/c/", 0755);
	CHECK(fd >= 0);
	close(fd);
	CHECK(faccessat(root, "a/b/c", F_OK, 0) == 0);
	CHECK(faccessat(top, "a", F_OK, 0) != 0);
	CHECK(berth_rm_rf_at(AT_FDCWD, tmpl) == 0);
}

BERTH_TEST(fs_open_in_root_openat2)
{
	check_resolution();
}

BERTH_TEST(fs_open_in_root_fallback_walk)
{
	berth_fs_force_fallback(1);
	check_resolution();
}

BERTH_TEST(fs_read_file_is_capped)
{
	char tmpl[] = "/tmp/berth-fs-XXXXXX";
	cleanup_close int top = make_root(tmpl);
	struct berth_error *err = NULL;
	char *buf = NULL;
	size_t len;

	CHECK_INT(berth_read_file_at(top, "secret", 2, &buf, &len, &err), ==, -EFBIG);
	berth_error_clear(&err);
	CHECK_OK(berth_read_file_at(top, "secret", 4, &buf, &len, &err), &err);
	CHECK_STR(buf, "host");
	free(buf);
	CHECK(berth_rm_rf_at(AT_FDCWD, tmpl) == 0);
}

BERTH_TEST(fs_replace_keep_holds_the_old_file)
{
	char tmpl[] = "/tmp/berth-fs-XXXXXX";
	cleanup_close int top = make_root(tmpl);
	struct berth_error *err = NULL;
	char old[8] = { 0 }, *buf = NULL;
	struct stat st;
	size_t len;
	int fd = 7;

	/* Nothing to replace: -1. */
	CHECK_OK(berth_write_file_replace_keep(top, "new", "a", 1, 0600, &fd, &err), &err);
	CHECK_INT(fd, ==, -1);
	/* The path has the new bytes; the fd the old, unlinked file. */
	CHECK_OK(berth_write_file_replace_keep(top, "secret", "guest", 5, 0600, &fd, &err), &err);
	CHECK(fd >= 0);
	CHECK(read(fd, old, sizeof(old) - 1) == 4);
	CHECK_STR(old, "host");
	CHECK(fstat(fd, &st) == 0);
	CHECK_INT((int)st.st_nlink, ==, 0);
	close(fd);
	CHECK_OK(berth_read_file_at(top, "secret", 64, &buf, &len, &err), &err);
	CHECK_STR(buf, "guest");
	free(buf);
	CHECK(berth_rm_rf_at(AT_FDCWD, tmpl) == 0);
}

/* berth_fd_path: the kernel's name of an open directory; none once it is deleted. */
BERTH_TEST(fs_fd_path)
{
	char tmpl[] = "/tmp/berth-fs-XXXXXX", sub[64];
	cleanup_free char *p = NULL;
	int fd;

	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(sub, sizeof(sub), "%s/a b", tmpl);
	CHECK(mkdir(sub, 0700) == 0);
	fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	p = berth_fd_path(fd);
	CHECK(p != NULL);
	CHECK_STR(p, sub);
	CHECK(rmdir(sub) == 0 && rmdir(tmpl) == 0);
	errno = 0;
	CHECK(berth_fd_path(fd) == NULL && errno == ENOENT);
	close(fd);
}
