/* SPDX-License-Identifier: Apache-2.0 */
/* Subordinate-id files (parsing, allocation, crash-safe append) and user namespace fds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/userns.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct tmp {
	char dir[64];
	char path[128];
};

static void tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/berth-userns-XXXXXX");
	CHECK(mkdtemp(t->dir) != NULL);
	snprintf(t->path, sizeof(t->path), "%s/subuid", t->dir);
}

static void tmp_remove(struct tmp *t)
{
	CHECK_INT(berth_rm_rf_at(AT_FDCWD, t->dir), ==, 0);
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	CHECK(fd >= 0);
	CHECK_INT(berth_write_all(fd, text, strlen(text)), ==, 0);
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
}

static char *get(const char *path)
{
	struct berth_error *err = NULL;
	char *buf = NULL;
	size_t len;

	CHECK_OK(berth_read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len, &err), &err);
	return buf;
}

/* Ensure on @text; returns the start or fails the test. */
static uint32_t ensure_ok(struct tmp *t, const char *text)
{
	struct berth_error *err = NULL;
	struct berth_idmap m;

	if (text != NULL)
		put(t->path, text, 0644);
	CHECK_OK(berth_subid_ensure(t->path, "berth", 65536, &m, &err), &err);
	CHECK_INT(m.container, ==, 0);
	return m.host;
}

BERTH_TEST(userns_subid_existing_entry_is_used_and_file_untouched)
{
	const char *text = "alice:100000:65536\nberth:200000:70000\n";
	struct berth_error *err = NULL;
	cleanup_free char *after = NULL;
	struct berth_idmap m;
	struct tmp t;

	tmp_make(&t);
	put(t.path, text, 0644);
	CHECK_OK(berth_subid_ensure(t.path, "berth", 65536, &m, &err), &err);
	CHECK_INT(m.host, ==, 200000);
	CHECK_INT(m.size, ==, 70000);
	after = get(t.path);
	CHECK_STR(after, text);
	tmp_remove(&t);
}

BERTH_TEST(userns_subid_missing_file_is_created_0644)
{
	cleanup_free char *after = NULL;
	struct stat st;
	struct tmp t;

	tmp_make(&t);
	umask(077);
	CHECK_INT(ensure_ok(&t, NULL), ==, 100000);
	after = get(t.path);
	CHECK_STR(after, "berth:100000:65536\n");
	CHECK(stat(t.path, &st) == 0);
	CHECK_INT(st.st_mode & 07777, ==, 0644);
	/* The second call finds the entry. */
	CHECK_INT(ensure_ok(&t, NULL), ==, 100000);
	tmp_remove(&t);
}

BERTH_TEST(userns_subid_allocation_skips_every_range_and_keeps_lines)
{
	/* Comments, blank lines and a last line without newline survive byte for byte. */
	const char *text = "a:100000:65536\n# a comment : with colons\n\nb:165536:1000\n"
			   "c:300000:10";
	cleanup_free char *after = NULL;
	char want[256];
	struct tmp t;

	tmp_make(&t);
	CHECK_INT(ensure_ok(&t, text), ==, 166536);
	after = get(t.path);
	snprintf(want, sizeof(want), "%s\nberth:166536:65536\n", text);
	CHECK_STR(after, want);
	/* Ranges below 100000 do not count unless they reach into it; gaps too small are skipped.
	 */
	CHECK_INT(ensure_ok(&t, "x:1:99999\n"), ==, 100000);
	CHECK_INT(ensure_ok(&t, "x:50000:60000\n"), ==, 110000);
	CHECK_INT(ensure_ok(&t, "y:200000:10\nx:100000:65536\n"), ==, 200010);
	CHECK_INT(ensure_ok(&t, "z:1000000:5\nx:100001:1\n"), ==, 100002);
	tmp_remove(&t);
}

BERTH_TEST(userns_subid_garbage_lines_refused_with_line_number)
{
	static const char *const bad[] = {
		"a:1:1\nberth:abc:65536\n",
		"a:1\n",
		"a:1:2:3\n",
		"a: 1:2\n",
		"a:1:0\n",
		"a:4294967295:1\n",
		"a:1:2\r\n",
		":1:2\n",
		"a:-1:2\n",
		"a:99999999999:1\n",
		"a:1:4294967295\n",
		"a b:1:2\n",
	};
	struct berth_error *err = NULL;
	cleanup_free char *after = NULL;
	struct berth_idmap m;
	struct tmp t;

	tmp_make(&t);
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		put(t.path, bad[i], 0644);
		CHECK_INT(berth_subid_ensure(t.path, "berth", 65536, &m, &err), ==, -EINVAL);
		CHECK(strstr(err->msg, "line ") != NULL);
		CHECK(strstr(err->msg, t.path) != NULL);
		if (i == 0)
			CHECK(strstr(err->msg, "line 2") != NULL);
		berth_error_clear(&err);
		free(after);
		after = get(t.path);
		CHECK_STR(after, bad[i]);
	}
	tmp_remove(&t);
}

BERTH_TEST(userns_subid_overlapping_or_zero_berth_range_refused)
{
	struct berth_error *err = NULL;
	struct berth_idmap m;
	struct tmp t;

	tmp_make(&t);
	put(t.path, "other:100000:100\nberth:100050:65536\n", 0644);
	CHECK_INT(berth_subid_ensure(t.path, "berth", 65536, &m, &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "overlaps other's 100000-100099 on line 1") != NULL);
	berth_error_clear(&err);
	put(t.path, "berth:0:65536\n", 0644);
	CHECK_INT(berth_subid_ensure(t.path, "berth", 65536, &m, &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "contains id 0") != NULL);
	berth_error_clear(&err);
	/* Ranges of other users may overlap each other: not berth's business. */
	CHECK_INT(ensure_ok(&t, "a:100000:10\nb:100005:10\n"), ==, 100015);
	tmp_remove(&t);
}

BERTH_TEST(userns_subid_append_keeps_owner_and_mode)
{
	struct stat st;
	struct tmp t;

	tmp_make(&t);
	put(t.path, "a:100000:65536\n", 0640);
	CHECK(chown(t.path, 12, 34) == 0);
	CHECK_INT(ensure_ok(&t, NULL), ==, 165536);
	CHECK(stat(t.path, &st) == 0);
	CHECK_INT(st.st_mode & 07777, ==, 0640);
	CHECK_INT(st.st_uid, ==, 12);
	CHECK_INT(st.st_gid, ==, 34);
	tmp_remove(&t);
}

BERTH_TEST(userns_subid_concurrent_writers_agree)
{
	cleanup_free char *after = NULL;
	struct tmp t;
	pid_t pids[8];
	int status;
	char *p;
	int lines = 0;

	tmp_make(&t);
	put(t.path, "a:100000:65536\n", 0644);
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0) {
			struct berth_idmap m;

			if (berth_subid_ensure(t.path, "berth", 65536, &m, NULL) < 0)
				_exit(1);
			_exit(m.host == 165536 ? 0 : 2);
		}
	}
	for (int i = 0; i < 8; i++) {
		CHECK(waitpid(pids[i], &status, 0) == pids[i]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	after = get(t.path);
	for (p = after; (p = strstr(p, "berth:")) != NULL; p++)
		lines++;
	CHECK_INT(lines, ==, 1);
	CHECK_STR(after, "a:100000:65536\nberth:165536:65536\n");
	tmp_remove(&t);
}

BERTH_TEST(userns_default_reads_both_files_from_env)
{
	struct berth_error *err = NULL;
	struct berth_userns u;
	char gid[160];
	struct tmp t;

	tmp_make(&t);
	snprintf(gid, sizeof(gid), "%s/subgid", t.dir);
	put(t.path, "berth:300000:65536\n", 0644);
	put(gid, "x:100000:70000\n", 0644);
	setenv("BERTH_SUBUID_FILE", t.path, 1);
	setenv("BERTH_SUBGID_FILE", gid, 1);
	CHECK_OK(berth_userns_default(NULL, &u, &err), &err);
	CHECK(u.enabled);
	CHECK_INT(u.uid.host, ==, 300000);
	CHECK_INT(u.gid.host, ==, 170000);
	CHECK_INT(u.uid.size, ==, 65536);
	CHECK_INT(u.gid.size, ==, 65536);
	put(gid, "junk\n", 0644);
	CHECK_INT(berth_userns_default(NULL, &u, &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "user namespace: ") == err->msg);
	berth_error_free(err);
	berth_userns_host(&u);
	CHECK(!u.enabled);
	tmp_remove(&t);
}

BERTH_TEST(userns_idmap_to_host)
{
	struct berth_idmap m = { .container = 0, .host = 100000, .size = 65536 };

	CHECK_INT(berth_idmap_to_host(&m, 0), ==, 100000);
	CHECK_INT(berth_idmap_to_host(&m, 65535), ==, 165535);
	CHECK_INT(berth_idmap_to_host(&m, 65536), ==, -1);
	m.container = 10;
	CHECK_INT(berth_idmap_to_host(&m, 9), ==, -1);
	CHECK_INT(berth_idmap_to_host(&m, 10), ==, 100000);
}

/* The fd is a user namespace with our maps: an idmapped mount through it shows 0 as 100000. */
BERTH_TEST(userns_fd_maps_an_idmapped_mount)
{
	struct berth_userns u = { .enabled = true,
				  .uid = { 0, 100000, 65536 },
				  .gid = { 0, 200000, 65536 } };
	struct berth_error *err = NULL;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	struct stat st, self;
	cleanup_close int ns = -1;
	cleanup_close int mnt = -1;
	struct tmp t;

	if (geteuid() != 0)
		SKIP("needs root");
	tmp_make(&t);
	put(t.path, "x", 0644);
	CHECK(chown(t.path, 7, 8) == 0);
	ns = berth_userns_fd(&u, &err);
	CHECK_OK(ns, &err);
	CHECK(fstat(ns, &st) == 0 && stat("/proc/self/ns/user", &self) == 0);
	CHECK(st.st_ino != self.st_ino);
	mnt = open_tree(AT_FDCWD, t.dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	CHECK(mnt >= 0);
	attr.userns_fd = (uint64_t)ns;
	CHECK(mount_setattr(mnt, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0);
	CHECK(fstatat(mnt, "subuid", &st, 0) == 0);
	CHECK_INT(st.st_uid, ==, 100007);
	CHECK_INT(st.st_gid, ==, 200008);
	/* No child is left behind: killed, not waited for, it is reaped once gone. */
	for (int i = 0; i < 2000; i++) {
		berth_userns_reap();
		if (waitpid(-1, NULL, WNOHANG) == -1)
			break;
		usleep(1000);
	}
	CHECK_INT(waitpid(-1, NULL, WNOHANG), ==, -1);
	u.enabled = false;
	CHECK_INT(berth_userns_fd(&u, &err), ==, -EINVAL);
	berth_error_free(err);
	tmp_remove(&t);
}
