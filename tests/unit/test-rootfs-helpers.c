/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "test-rootfs-helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/spec-mounts.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

static void copy_busybox(const char *dst)
{
	cleanup_close int in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	cleanup_close int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		SKIP("no /bin/busybox");
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	CHECK(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CHECK(berth_write_all(out, buf, (size_t)n) == 0);
	CHECK(n == 0);
}

void fixture_init(struct fixture *f)
{
	char path[160];

	snprintf(f->dir, sizeof(f->dir), "/tmp/berth-rootfs-XXXXXX");
	CHECK(mkdtemp(f->dir) != NULL);
	snprintf(f->rootfs, sizeof(f->rootfs), "%s/rootfs", f->dir);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->dir);
	CHECK(mkdir(f->rootfs, 0755) == 0);
	CHECK(mkdir(f->outside, 0755) == 0);
	snprintf(path, sizeof(path), "%s/bin", f->rootfs);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/bin/busybox", f->rootfs);
	copy_busybox(path);
	snprintf(path, sizeof(path), "%s/bin/sh", f->rootfs);
	CHECK(symlink("busybox", path) == 0);
}

void fixture_fini(struct fixture *f)
{
	CHECK(berth_rm_rf_at(AT_FDCWD, f->dir) == 0);
}

static bool mount_point(const char *line, char *out, size_t size);

static char *read_mountinfo(void)
{
	struct berth_error *err = NULL;
	char *buf = NULL;

	CHECK_OK(berth_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &buf, NULL, &err),
		 &err);
	return buf;
}

/* The line of @all whose mount id (first field) is @id, or NULL; a copy. */
static char *line_by_id(const char *all, const char *id)
{
	size_t n = strlen(id);

	for (const char *l = all; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
		if (strncmp(l, id, n) == 0 && l[n] == ' ')
			return strndup(l, strcspn(l, "\n"));
	}
	return NULL;
}

/*
 * Other work on this machine mounts and unmounts on the host while we run,
 * so the check is: every host mount that survived is unchanged (options,
 * propagation), and no new one sits under the fixture or where an escaped
 * mount would land.
 */
static void check_no_leak(const struct fixture *f, const char *before, const char *after)
{
	char id[32], mp[4096];

	for (const char *l = before; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
		cleanup_free char *now = NULL;
		cleanup_free char *was = strndup(l, strcspn(l, "\n"));

		CHECK(was != NULL && sscanf(was, "%31s", id) == 1);
		now = line_by_id(after, id);
		if (now != NULL && strcmp(now, was) != 0)
			FAIL("host mount changed:\n%s\n%s", was, now);
	}
	for (const char *l = after; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
		if (!mount_point(l, mp, sizeof(mp)))
			continue;
		if (strncmp(mp, f->dir, strlen(f->dir)) == 0 ||
		    strncmp(mp, "/tmp/berth-landed", 17) == 0)
			FAIL("mount leaked to the host: %.*s", (int)strcspn(l, "\n"), l);
	}
}

void run_in_mount_ns(struct fixture *f, void (*fn)(struct fixture *f, void *arg), void *arg)
{
	cleanup_free char *before = read_mountinfo();
	cleanup_free char *after = NULL;
	int status;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			FAIL("private mount namespace: %s", strerror(errno));
		if (chdir(f->dir) < 0)
			FAIL("chdir: %s", strerror(errno));
		fn(f, arg);
		fflush(NULL);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	after = read_mountinfo();
	check_no_leak(f, before, after);
	fixture_fini(f);
	if (WIFEXITED(status) && WEXITSTATUS(status) == TEST_SKIP_CODE)
		SKIP("skipped in the namespace");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		FAIL("the namespace child failed (status 0x%x)", status);
}

void spec_set_mounts(struct berth_spec *spec, const char *json)
{
	struct berth_error *err = NULL;
	json_object *arr = NULL;

	CHECK_OK(berth_json_parse(json, strlen(json), &arr, &err), &err);
	CHECK_OK(berth_spec_parse_mounts(arr, "mounts", &spec->mounts, &spec->n_mounts, &err),
		 &err);
	json_object_put(arr);
}

void spec_release(struct berth_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		berth_mount_release(&spec->mounts[i]);
	free(spec->mounts);
	spec->mounts = NULL;
	spec->n_mounts = 0;
}

/* The mount point (5th field) of a mountinfo line, into @out. */
static bool mount_point(const char *line, char *out, size_t size)
{
	const char *p = line;
	size_t n;

	for (int field = 0; field < 4; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return false;
		p++;
	}
	n = strcspn(p, " ");
	if (n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

char *mountinfo_line(const char *path)
{
	cleanup_free char *all = read_mountinfo();
	char *found = NULL, *save = NULL, mp[4096];

	for (char *l = strtok_r(all, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (mount_point(l, mp, sizeof(mp)) && strcmp(mp, path) == 0) {
			free(found);
			found = strdup(l);
		}
	}
	return found;
}

bool mountinfo_has_prefix(const char *prefix)
{
	cleanup_free char *all = read_mountinfo();
	char *save = NULL, mp[4096];

	for (char *l = strtok_r(all, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (mount_point(l, mp, sizeof(mp)) && strncmp(mp, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

void write_file(const char *path, const char *content)
{
	cleanup_free char *dir = strdup(path);
	cleanup_close int fd = -1;
	char *slash = strrchr(dir, '/');

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1; *p; p++) {
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0755);
				*p = '/';
			}
		}
		mkdir(dir, 0755);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK(berth_write_all(fd, content, strlen(content)) == 0);
}
