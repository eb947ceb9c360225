/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/rootfs-steps.h"
#include "runtime/rootfs.h"
#include "test-rootfs-helpers.h"
#include "unit.h"
#include "util/cleanup.h"

/* The whole sequence: mounts, /dev, pivot, masks, read-only paths. */

static const char *base_mounts =
    "[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":"
    "[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":"
    "[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]}]";

static void check_dev(const char *path, mode_t type, unsigned maj, unsigned min, mode_t mode,
		      uid_t uid, gid_t gid)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		FAIL("lstat '%s': %s", path, strerror(errno));
	CHECK_INT(st.st_mode & S_IFMT, ==, type);
	CHECK_INT(st.st_mode & 07777, ==, mode);
	if (type != S_IFIFO) {
		CHECK_INT(major(st.st_rdev), ==, maj);
		CHECK_INT(minor(st.st_rdev), ==, min);
	}
	CHECK_INT(st.st_uid, ==, uid);
	CHECK_INT(st.st_gid, ==, gid);
}

static void check_link(const char *path, const char *target)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		FAIL("readlink '%s': %s", path, strerror(errno));
	buf[n] = '\0';
	CHECK_STR(buf, target);
}

static struct berth_device extra_devices[] = {
	{ .path = "/dev/fuse",
	  .type = 'c',
	  .major = 10,
	  .minor = 229,
	  .file_mode = 0600,
	  .has_file_mode = true,
	  .uid = 1,
	  .gid = 2 },
	{ .path = "/dev/sub/loop9",
	  .type = 'b',
	  .major = 7,
	  .minor = 9,
	  .file_mode = 0640,
	  .has_file_mode = true,
	  .uid = 0,
	  .gid = 6 },
	{ .path = "/dev/fifo", .type = 'p', .file_mode = 0622, .has_file_mode = true },
	{ .path = "/dev/null",
	  .type = 'c',
	  .major = 1,
	  .minor = 3,
	  .file_mode = 0600,
	  .has_file_mode = true },
};

static void devices(struct fixture *f, void *arg)
{
	struct berth_spec spec = { .devices = extra_devices,
				   .n_devices = BERTH_ARRAY_SIZE(extra_devices) };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs };
	struct berth_error *err = NULL;
	struct stat st;

	umask(022);
	spec_set_mounts(&spec, base_mounts);
	CHECK_OK(berth_rootfs_mount(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_pivot(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_finalize(&spec, &err), &err);
	spec_release(&spec);
	check_dev("/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0);
	check_dev("/dev/full", S_IFCHR, 1, 7, 0666, 0, 0);
	check_dev("/dev/random", S_IFCHR, 1, 8, 0666, 0, 0);
	check_dev("/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0);
	check_dev("/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0);
	check_dev("/dev/null", S_IFCHR, 1, 3, 0600, 0, 0); /* the spec's entry wins */
	check_dev("/dev/fuse", S_IFCHR, 10, 229, 0600, 1, 2);
	check_dev("/dev/sub/loop9", S_IFBLK, 7, 9, 0640, 0, 6);
	check_dev("/dev/fifo", S_IFIFO, 0, 0, 0622, 0, 0);
	check_link("/dev/ptmx", "pts/ptmx");
	check_link("/dev/fd", "/proc/self/fd");
	check_link("/dev/stdin", "/proc/self/fd/0");
	check_link("/dev/stdout", "/proc/self/fd/1");
	check_link("/dev/stderr", "/proc/self/fd/2");
	CHECK(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode));
	/* The devpts instance behind /dev/ptmx is the container's own. */
	CHECK(stat("/dev/ptmx", &st) == 0 && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2);
}

BERTH_TEST(rootfs_devices)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, devices, NULL);
}

/* In a user namespace devices are host nodes bound onto empty files. */
static void userns_devices(struct fixture *f, void *arg)
{
	struct berth_spec spec = { 0 };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs, .userns = true };
	struct berth_error *err = NULL;
	char p[256];
	struct stat st;

	spec_set_mounts(&spec, base_mounts);
	CHECK_OK(berth_rootfs_mount(&spec, &o, &err), &err);
	spec_release(&spec);
	snprintf(p, sizeof(p), "%s/dev/null", f->rootfs);
	CHECK(mountinfo_line(p) != NULL);
	CHECK(stat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
}

BERTH_TEST(rootfs_userns_devices_are_binds)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, userns_devices, NULL);
}

/* Every mount point the container sees must be one of ours. */
static void check_only_mounts(const char *const *allowed, size_t n)
{
	cleanup_fclose FILE *mi = fopen("/proc/self/mountinfo", "re");
	char line[4096], mp[4096];

	CHECK(mi != NULL);
	while (fgets(line, sizeof(line), mi)) {
		bool ok = false;

		CHECK(sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1);
		for (size_t i = 0; i < n; i++)
			ok |= strcmp(mp, allowed[i]) == 0;
		if (!ok)
			FAIL("unexpected mount in the container: %s", line);
	}
}

static void run_busybox(void)
{
	int status;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "test -f /marker && test ! -e /rootfs", (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void pivot(struct fixture *f, void *arg)
{
	static const char *const allowed[] = { "/", "/proc", "/dev", "/dev/pts" };
	bool no_pivot = arg != NULL;
	struct berth_spec spec = { 0 };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs, .no_pivot = no_pivot };
	struct berth_error *err = NULL;
	char cwd[64];

	write_file("rootfs/marker", "m");
	spec_set_mounts(&spec, base_mounts);
	CHECK_OK(berth_rootfs_mount(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_pivot(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_finalize(&spec, &err), &err);
	spec_release(&spec);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_STR(cwd, "/");
	run_busybox();
	if (!no_pivot)
		check_only_mounts(allowed, BERTH_ARRAY_SIZE(allowed));
	else
		CHECK(access("/tmp", F_OK) < 0); /* the host's / is out of reach */
}

BERTH_TEST(rootfs_pivot_leaves_no_trace)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, pivot, NULL);
}

BERTH_TEST(rootfs_no_pivot_moves_and_chroots)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, pivot, "no-pivot");
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	CHECK(d != NULL);
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static int create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void masked_readonly(struct fixture *f, void *arg)
{
	char *masked[] = { "/secret", "/secretdir", "/missing", "/proc/kcore", NULL };
	char *readonly[] = { "/rodir", "/proc/sys", "/also-missing", NULL };
	struct berth_spec spec = { .masked_paths = masked,
				   .readonly_paths = readonly,
				   .root_readonly = arg != NULL };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs };
	struct berth_error *err = NULL;
	struct statvfs sv;
	char buf[16];
	int fd;

	write_file("rootfs/secret", "password");
	write_file("rootfs/secretdir/key", "k");
	write_file("rootfs/rodir/file", "r");
	CHECK(mkdir("rootfs/rwdir", 0755) == 0);
	spec_set_mounts(&spec, base_mounts);
	CHECK_OK(berth_rootfs_mount(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_pivot(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_finalize(&spec, &err), &err);
	spec_release(&spec);
	fd = open("/secret", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_INT(read(fd, buf, sizeof(buf)), ==, 0);
	close(fd);
	CHECK_INT(count_entries("/secretdir"), ==, 0);
	CHECK_INT(create("/secretdir/x"), ==, -EROFS);
	CHECK_INT(create("/rodir/file"), ==, -EROFS);
	CHECK(statvfs("/rodir", &sv) == 0);
	CHECK((sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
	      (ST_NOSUID | ST_NODEV | ST_NOEXEC));
	CHECK_INT(create("/proc/sys/kernel/hostname"), ==, -EROFS);
	CHECK_INT(create("/rwdir/x"), ==, arg != NULL ? -EROFS : 0);
	CHECK_INT(create("/dev/x"), ==, 0); /* /dev is its own mount, still writable */
}

BERTH_TEST(rootfs_masked_and_readonly_paths)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, masked_readonly, NULL);
}

BERTH_TEST(rootfs_root_readonly)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, masked_readonly, "ro");
}

static void console(struct fixture *f, void *arg)
{
	struct berth_spec spec = { 0 };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs };
	struct berth_error *err = NULL;
	struct stat want, got;
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	o.console = ptsname(master);
	CHECK(o.console != NULL && stat(o.console, &want) == 0);
	spec_set_mounts(&spec, base_mounts);
	CHECK_OK(berth_rootfs_mount(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_pivot(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_finalize(&spec, &err), &err);
	spec_release(&spec);
	CHECK(stat("/dev/console", &got) == 0);
	CHECK(S_ISCHR(got.st_mode) && got.st_rdev == want.st_rdev);
	close(master);
}

BERTH_TEST(rootfs_console_bind)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, console, NULL);
}

static void mount_label(struct fixture *f, void *arg)
{
	struct berth_spec spec = { .mount_label = "system_u:object_r:container_file_t:s0" };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs };
	struct berth_error *err = NULL;

	/* SELinux is off here: ignored, as runc does. */
	CHECK_OK(berth_rootfs_mount(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_pivot(&spec, &o, &err), &err);
	CHECK_OK(berth_rootfs_finalize(&spec, &err), &err);
}

BERTH_TEST(rootfs_mount_label_ignored_without_selinux)
{
	struct fixture f;

	if (access("/sys/fs/selinux/enforce", F_OK) == 0)
		SKIP("SELinux is enabled");
	fixture_init(&f);
	run_in_mount_ns(&f, mount_label, NULL);
}

BERTH_TEST(rootfs_mount_label_becomes_context_option)
{
	char *a =
	    berth_mount_label_data("size=64k,mode=755", "system_u:object_r:container_file_t:s0");
	char *b = berth_mount_label_data(NULL, "x_t");

	CHECK_STR(a, "size=64k,mode=755,context=\"system_u:object_r:container_file_t:s0\"");
	CHECK_STR(b, "context=\"x_t\"");
	free(a);
	free(b);
}

/* An image's own /dev entries are replaced, never followed (a link out stays untouched). */
static void image_dev_entries(struct fixture *f, void *arg)
{
	bool userns = arg != NULL;
	struct berth_spec spec = { 0 };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs, .userns = userns };
	struct berth_error *err = NULL;
	char p[256];
	struct stat st;

	CHECK(mkdir("rootfs/dev", 0755) == 0);
	write_file("rootfs/dev/null", "image");
	write_file("rootfs/dev/ptmx", "image");
	write_file("outside/zero", "host");
	snprintf(p, sizeof(p), "%s/zero", f->outside);
	CHECK(symlink(p, "rootfs/dev/zero") == 0);
	CHECK_OK(berth_rootfs_mount(&spec, &o, &err), &err);
	CHECK(stat("rootfs/dev/null", &st) == 0 && S_ISCHR(st.st_mode) &&
	      st.st_rdev == makedev(1, 3));
	CHECK(lstat("rootfs/dev/zero", &st) == 0 && !S_ISLNK(st.st_mode));
	CHECK(stat("rootfs/dev/zero", &st) == 0 && S_ISCHR(st.st_mode) &&
	      st.st_rdev == makedev(1, 5));
	CHECK(lstat("outside/zero", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4);
	CHECK(lstat("rootfs/dev/ptmx", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(lstat("rootfs/dev/full", &st) == 0);
}

BERTH_TEST(rootfs_image_dev_entries_replaced)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, image_dev_entries, NULL);
	fixture_init(&f);
	run_in_mount_ns(&f, image_dev_entries, &f);
}
