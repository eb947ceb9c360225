/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "runtime/rootfs.h"
#include "test-rootfs-helpers.h"
#include "unit.h"
#include "util/fs.h"
#include "util/cleanup.h"

/* Every mount type and option, checked through the kernel's own view. */

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

static void mount_spec(struct fixture *f, const char *json, bool new_netns)
{
	struct berth_spec spec = { 0 };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs, .new_netns = new_netns };
	struct berth_error *err = NULL;
	char *self = NULL;

	/* No cgroup namespace here: cgroup mounts bind our own cgroups. */
	CHECK_OK(berth_read_file_at(AT_FDCWD, "/proc/self/cgroup", 65536, &self, NULL, &err), &err);
	o.self_cgroup = self;
	spec_set_mounts(&spec, json);
	CHECK_OK(berth_rootfs_mount(&spec, &o, &err), &err);
	spec_release(&spec);
	free(self);
}

static void in_root(const struct fixture *f, const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s%s", f->rootfs, rel);
}

static long fs_type(const struct fixture *f, const char *rel)
{
	struct statfs sfs;
	char p[256];

	in_root(f, rel, p, sizeof(p));
	if (statfs(p, &sfs) < 0)
		FAIL("statfs '%s': %s", p, strerror(errno));
	return (long)sfs.f_type;
}

static unsigned long vfs_flags(const struct fixture *f, const char *rel)
{
	struct statvfs s;
	char p[256];

	in_root(f, rel, p, sizeof(p));
	if (statvfs(p, &s) < 0)
		FAIL("statvfs '%s': %s", p, strerror(errno));
	return s.f_flag;
}

static int try_create(const struct fixture *f, const char *rel)
{
	char p[256];
	int fd;

	in_root(f, rel, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void types(struct fixture *f, void *arg)
{
	char p[256];
	struct stat st;
	struct statvfs sv;

	mount_spec(f,
		   "[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		   "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
		   "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
		   "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		   "\"options\":[\"nosuid\",\"strictatime\",\"mode=700\",\"size=1m\"]},"
		   "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
		   "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\","
		   "\"mode=0620\",\"gid=5\"]},"
		   "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\"}]",
		   true);
	CHECK_INT(fs_type(f, "/proc"), ==, PROC_SUPER_MAGIC);
	CHECK_INT(fs_type(f, "/sys"), ==, SYSFS_MAGIC);
	CHECK(vfs_flags(f, "/sys") & ST_RDONLY);
	CHECK_INT(fs_type(f, "/dev"), ==, TMPFS_MAGIC);
	CHECK_INT(fs_type(f, "/dev/pts"), ==, DEVPTS_SUPER_MAGIC);
	CHECK_INT(fs_type(f, "/dev/mqueue"), ==, MQUEUE_MAGIC);
	/* tmpfs size and mode took effect. */
	in_root(f, "/dev", p, sizeof(p));
	CHECK(statvfs(p, &sv) == 0);
	CHECK_INT(sv.f_blocks * sv.f_frsize, ==, 1 << 20);
	CHECK(stat(p, &st) == 0);
	CHECK_INT(st.st_mode & 07777, ==, 0700);
	CHECK(strstr(mountinfo_line(p), "ptmxmode") == NULL); /* that was devpts, not /dev */
	in_root(f, "/dev/pts", p, sizeof(p));
	CHECK(strstr(mountinfo_line(p), "gid=5,mode=620,ptmxmode=666") != NULL);
	CHECK(vfs_flags(f, "/dev/pts") & ST_NOEXEC);
}

BERTH_TEST(mounts_fs_types)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, types, NULL);
}

static void bind_ro(struct fixture *f, void *arg)
{
	write_file("src/file", "data");
	write_file("src/dir/inner", "x");
	mount_spec(f,
		   "[{\"destination\":\"/ro\",\"source\":\"src/dir\",\"options\":[\"bind\","
		   "\"ro\"]},"
		   "{\"destination\":\"/etc/f\",\"source\":\"src/file\",\"options\":[\"rbind\","
		   "\"ro\",\"nosuid\",\"nodev\",\"noexec\"]},"
		   "{\"destination\":\"/rw\",\"source\":\"src/dir\",\"options\":[\"bind\","
		   "\"nosuid\"]}]",
		   false);
	CHECK_INT(try_create(f, "/ro/new"), ==, -EROFS);
	CHECK_INT(try_create(f, "/etc/f"), ==, -EROFS);
	CHECK_INT(try_create(f, "/rw/new"), ==, 0);
	CHECK(vfs_flags(f, "/etc/f") & ST_NOSUID);
	CHECK(vfs_flags(f, "/etc/f") & ST_NODEV);
	CHECK(vfs_flags(f, "/etc/f") & ST_NOEXEC);
	CHECK(vfs_flags(f, "/rw") & ST_NOSUID);
	CHECK(!(vfs_flags(f, "/rw") & ST_RDONLY));
	/* The bound file is the source file. */
	CHECK(access("src/dir/new", F_OK) == 0);
}

BERTH_TEST(mounts_bind_ro_and_flags)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, bind_ro, NULL);
}

/* "ro" on an rbind makes the top read-only; "rro" the whole tree. */
static void recursive_ro(struct fixture *f, void *arg)
{
	CHECK(mkdir("src", 0755) == 0 && mkdir("src/sub", 0755) == 0);
	CHECK(mount("tmpfs", "src/sub", "tmpfs", 0, "size=64k") == 0);
	mount_spec(f,
		   "[{\"destination\":\"/top\",\"source\":\"src\",\"options\":[\"rbind\","
		   "\"ro\"]},"
		   "{\"destination\":\"/all\",\"source\":\"src\",\"options\":[\"rbind\","
		   "\"rro\",\"rnoexec\"]}]",
		   false);
	CHECK(vfs_flags(f, "/top") & ST_RDONLY);
	CHECK(!(vfs_flags(f, "/top/sub") & ST_RDONLY));
	CHECK(vfs_flags(f, "/all") & ST_RDONLY);
	CHECK(vfs_flags(f, "/all/sub") & ST_RDONLY);
	CHECK(vfs_flags(f, "/all/sub") & ST_NOEXEC);
	CHECK_INT(try_create(f, "/all/sub/x"), ==, -EROFS);
	CHECK_INT(try_create(f, "/top/sub/x"), ==, 0);
}

BERTH_TEST(mounts_recursive_rro)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, recursive_ro, NULL);
}

static void propagation(struct fixture *f, void *arg)
{
	char p[256];
	cleanup_free char *shared = NULL, *slave = NULL, *priv = NULL;
	cleanup_close int outer = -1;

	CHECK(mkdir("src", 0755) == 0);
	CHECK(mount("tmpfs", "src", "tmpfs", 0, "size=64k") == 0);
	CHECK(mount(NULL, "src", NULL, MS_SHARED, NULL) == 0);
	/*
	 * As on a host: our namespace's copy is a peer of the shared source,
	 * whose namespace the fd keeps alive (else it dies with its mounts).
	 */
	outer = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	CHECK(outer >= 0);
	CHECK(unshare(CLONE_NEWNS) == 0);
	mount_spec(f,
		   "[{\"destination\":\"/shared\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		   "\"options\":[\"rshared\"]},"
		   "{\"destination\":\"/slave\",\"source\":\"src\",\"options\":[\"rbind\","
		   "\"rslave\"]},"
		   "{\"destination\":\"/private\",\"source\":\"src\",\"options\":[\"bind\","
		   "\"private\"]}]",
		   false);
	in_root(f, "/shared", p, sizeof(p));
	shared = mountinfo_line(p);
	in_root(f, "/slave", p, sizeof(p));
	slave = mountinfo_line(p);
	in_root(f, "/private", p, sizeof(p));
	priv = mountinfo_line(p);
	CHECK(shared && slave && priv);
	CHECK(strstr(shared, " shared:") != NULL);
	if (strstr(slave, " master:") == NULL || strstr(slave, " shared:") != NULL)
		FAIL("not a slave: %s", slave);
	CHECK(strstr(priv, " master:") == NULL && strstr(priv, " shared:") == NULL);
}

BERTH_TEST(mounts_propagation)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, propagation, NULL);
}

static void idmapped(struct fixture *f, void *arg)
{
	struct berth_spec spec = { 0 };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs };
	struct berth_error *err = NULL;
	struct stat st;
	char p[256];

	write_file("src/owned-by-root", "x");
	CHECK(chown("src/owned-by-root", 0, 0) == 0);
	spec_set_mounts(&spec, "[{\"destination\":\"/id\",\"source\":\"src\",\"options\":"
			       "[\"bind\",\"idmap\"],\"uidMappings\":[{\"containerID\":0,"
			       "\"hostID\":1000,\"size\":10}],\"gidMappings\":[{\"containerID\":"
			       "0,\"hostID\":2000,\"size\":10}]}]");
	if (berth_rootfs_mount(&spec, &o, &err) < 0) {
		if (err->code == EINVAL || err->code == ENOTSUP || err->code == EPERM)
			SKIP("idmapped mounts unsupported here: %s", err->msg);
		FAIL("%s", err->msg);
	}
	spec_release(&spec);
	in_root(f, "/id/owned-by-root", p, sizeof(p));
	CHECK(stat(p, &st) == 0);
	CHECK_INT(st.st_uid, ==, 1000);
	CHECK_INT(st.st_gid, ==, 2000);
	CHECK(stat("src/owned-by-root", &st) == 0 && st.st_uid == 0);
}

BERTH_TEST(mounts_idmapped_bind)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, idmapped, NULL);
}

static void remount(struct fixture *f, void *arg)
{
	struct statvfs sv;
	char p[256];

	mount_spec(f,
		   "[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
		   "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"remount\",\"ro\","
		   "\"noatime\",\"size=2m\"]}]",
		   false);
	in_root(f, "/t", p, sizeof(p));
	CHECK(statvfs(p, &sv) == 0);
	CHECK_INT(sv.f_blocks * sv.f_frsize, ==, 2 << 20);
	CHECK(vfs_flags(f, "/t") & ST_RDONLY);
	CHECK(vfs_flags(f, "/t") & ST_NOATIME);
}

/* Without a new network namespace /sys is the host's, bound rslave, flags applied. */
static void sysfs_bind(struct fixture *f, void *arg)
{
	char p[256];
	cleanup_free char *line = NULL;

	mount_spec(f,
		   "[{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
		   "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}]",
		   false);
	CHECK_INT(fs_type(f, "/sys"), ==, SYSFS_MAGIC);
	CHECK(vfs_flags(f, "/sys") & ST_RDONLY);
	CHECK(vfs_flags(f, "/sys") & ST_NOEXEC);
	/* The host's submounts came along (rbind). */
	CHECK_INT(fs_type(f, "/sys/fs/cgroup"), !=, SYSFS_MAGIC);
	in_root(f, "/sys", p, sizeof(p));
	line = mountinfo_line(p);
	CHECK(line != NULL);
}

BERTH_TEST(mounts_sysfs_without_netns_is_a_bind)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, sysfs_bind, NULL);
}

BERTH_TEST(mounts_remount)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, remount, NULL);
}

/* v1 hybrid: a tmpfs with each host hierarchy, all read-only unless "rw". */
static void cgroup_v1(struct fixture *f, void *arg)
{
	static const char *ctl[] = { "memory", "cpu", "cpuacct", "pids", "systemd" };
	char p[256];

	mount_spec(f,
		   "[{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":"
		   "\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
		   "{\"destination\":\"/cgrw\",\"type\":\"cgroup\",\"source\":\"cgroup\","
		   "\"options\":[\"rw\"]}]",
		   false);
	CHECK_INT(fs_type(f, "/sys/fs/cgroup"), ==, TMPFS_MAGIC);
	CHECK(vfs_flags(f, "/sys/fs/cgroup") & ST_RDONLY);
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(ctl); i++) {
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", ctl[i]);
		CHECK_INT(fs_type(f, p), ==, CGROUP_SUPER_MAGIC);
		CHECK(vfs_flags(f, p) & ST_RDONLY);
		snprintf(p, sizeof(p), "/cgrw/%s", ctl[i]);
		CHECK_INT(fs_type(f, p), ==, CGROUP_SUPER_MAGIC);
		CHECK(!(vfs_flags(f, p) & ST_RDONLY));
	}
	CHECK_INT(fs_type(f, "/sys/fs/cgroup/unified"), ==, CGROUP2_SUPER_MAGIC);
	in_root(f, "/sys/fs/cgroup/memory/memory.limit_in_bytes", p, sizeof(p));
	CHECK(access(p, F_OK) == 0);
}

BERTH_TEST(mounts_cgroup_v1_hybrid)
{
	struct statfs sfs;
	struct fixture f;

	if (statfs("/sys/fs/cgroup", &sfs) < 0 || sfs.f_type != TMPFS_MAGIC)
		SKIP("not a cgroup v1 host");
	fixture_init(&f);
	run_in_mount_ns(&f, cgroup_v1, NULL);
}
