/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/spec-mounts.h"
#include "runtime/mount-util.h"
#include "runtime/rootfs-steps.h"
#include "test-rootfs-helpers.h"
#include "unit.h"
#include "util/cleanup.h"

/*
 * Hostile rootfs layouts: destinations that are symlinks out of the root,
 * absolute or by "..", and one swapped for such a symlink while we mount
 * (runc CVE-2021-30465).  Every mount must land inside the rootfs.
 */

static void mount_json(struct fixture *f, const char *json)
{
	struct berth_spec spec = { 0 };
	struct berth_rootfs_opts o = { .rootfs = f->rootfs };
	struct berth_error *err = NULL;

	spec_set_mounts(&spec, json);
	CHECK_OK(berth_rootfs_mount(&spec, &o, &err), &err);
	spec_release(&spec);
}

static void symlinks(struct fixture *f, void *arg)
{
	char link[256], p[256], json[1024];
	cleanup_free char *inside = NULL;
	struct stat st;

	/* /abs -> <outside> (absolute), /a/b/rel -> ../../../../../../../..<outside> */
	snprintf(link, sizeof(link), "%s/abs", f->rootfs);
	CHECK(symlink(f->outside, link) == 0);
	CHECK(mkdir("rootfs/a", 0755) == 0 && mkdir("rootfs/a/b", 0755) == 0);
	snprintf(p, sizeof(p), "../../../../../../../..%s", f->outside);
	CHECK(symlink(p, "rootfs/a/b/rel") == 0);
	/* /c/d/up -> ../../.. : from the rootfs, that is /tmp on the host */
	CHECK(mkdir("rootfs/c", 0755) == 0 && mkdir("rootfs/c/d", 0755) == 0);
	CHECK(symlink("../../..", "rootfs/c/d/up") == 0);
	write_file("outside/hostname", "host");
	snprintf(p, sizeof(p), "%s/hostname", f->outside);
	CHECK(symlink(p, "rootfs/hostname") == 0);
	write_file("src-file", "container");
	snprintf(json, sizeof(json),
		 "[{\"destination\":\"/abs\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
		 "{\"destination\":\"/a/b/rel/x\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
		 "{\"destination\":\"/c/d/up/berth-landed-%d\",\"type\":\"tmpfs\",\"source\":"
		 "\"tmpfs\"},"
		 "{\"destination\":\"/hostname\",\"source\":\"src-file\",\"options\":[\"bind\"]}]",
		 (int)getpid());
	mount_json(f, json);
	CHECK(!mountinfo_has_prefix(f->outside));
	snprintf(p, sizeof(p), "/tmp/berth-landed-%d", (int)getpid());
	CHECK(stat(p, &st) < 0 && errno == ENOENT);
	CHECK(mountinfo_line(p) == NULL);
	/* They all landed inside, where the links point when the rootfs is "/". */
	snprintf(p, sizeof(p), "%s%s", f->rootfs, f->outside);
	CHECK(mountinfo_line(p) != NULL);
	snprintf(p, sizeof(p), "%s%s/x", f->rootfs, f->outside);
	CHECK(mountinfo_line(p) != NULL);
	snprintf(p, sizeof(p), "%s/berth-landed-%d", f->rootfs, (int)getpid());
	CHECK(mountinfo_line(p) != NULL);
	snprintf(p, sizeof(p), "%s%s/hostname", f->rootfs, f->outside);
	inside = mountinfo_line(p);
	CHECK(inside != NULL);
	CHECK(stat("outside/hostname", &st) == 0 && st.st_size == 4);
}

BERTH_TEST(rootfs_symlink_destinations_stay_inside)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, symlinks, NULL);
}

/* Swap rootfs/race (a directory) and rootfs/race-link (a symlink out) forever. */
static pid_t start_racer(struct fixture *f)
{
	pid_t pid;

	CHECK(mkdir("rootfs/race", 0755) == 0);
	CHECK(symlink(f->outside, "rootfs/race-link") == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* Never outlive the test, even when it fails half-way. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			renameat2(AT_FDCWD, "rootfs/race", AT_FDCWD, "rootfs/race-link",
				  RENAME_EXCHANGE);
	}
	return pid;
}

#define RACE_ROUNDS 400

static void race(struct fixture *f, void *arg)
{
	struct berth_rootfs_opts o = { .rootfs = f->rootfs };
	struct berth_spec spec = { 0 };
	cleanup_close int rootfd = -1;
	int ok = 0, status;
	pid_t racer;

	CHECK(mkdir("src", 0755) == 0);
	spec_set_mounts(&spec, "[{\"destination\":\"/race/m\",\"type\":\"tmpfs\",\"source\":"
			       "\"tmpfs\"},{\"destination\":\"/race/b\",\"source\":\"src\","
			       "\"options\":[\"bind\",\"ro\"]}]");
	rootfd = open(f->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(rootfd >= 0);
	racer = start_racer(f);
	for (int i = 0; i < RACE_ROUNDS; i++) {
		struct berth_error *err = NULL;

		/* Failing is fine (the path changed under us); escaping is not. */
		if (berth_rootfs_do_mount(rootfd, &spec.mounts[i % 2], &o, &err) == 0)
			ok++;
		berth_error_free(err);
		if (mountinfo_has_prefix(f->outside))
			FAIL("round %d: a mount landed outside the rootfs", i);
	}
	CHECK(kill(racer, SIGKILL) == 0);
	CHECK(waitpid(racer, &status, 0) == racer);
	spec_release(&spec);
	CHECK_INT(ok, >, 0);
	fprintf(stderr, "# %d of %d mounts succeeded under the race\n", ok, RACE_ROUNDS);
}

BERTH_TEST(rootfs_symlink_race_never_escapes)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, race, NULL);
}

/* berth_mnt_create_at makes a new entry or fails: it never follows what is there. */
static void create_at(struct fixture *f, void *arg)
{
	cleanup_close int dir = -1;
	cleanup_close int d = -1;
	cleanup_close int file = -1;
	cleanup_close int tmpfs = -1;
	struct stat st;
	char p[256];

	dir = open("rootfs", O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(dir >= 0);
	snprintf(p, sizeof(p), "%s/made-dir", f->outside);
	CHECK(symlink(p, "rootfs/dir-link") == 0);
	snprintf(p, sizeof(p), "%s/made-file", f->outside);
	CHECK(symlink(p, "rootfs/file-link") == 0);
	CHECK_INT(berth_mnt_create_at(dir, "dir-link", false), ==, -EEXIST);
	CHECK_INT(berth_mnt_create_at(dir, "file-link", true), ==, -EEXIST);
	CHECK(stat("outside/made-dir", &st) < 0 && errno == ENOENT);
	CHECK(stat("outside/made-file", &st) < 0 && errno == ENOENT);
	d = berth_mnt_create_at(dir, "new-dir", false);
	CHECK(d >= 0 && fstat(d, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(stat("rootfs/new-dir", &st) == 0 && S_ISDIR(st.st_mode));
	file = berth_mnt_create_at(dir, "new-file", true);
	CHECK(file >= 0 && fstat(file, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
	CHECK_INT(berth_mnt_create_at(dir, "new-file", true), ==, -EEXIST);
	CHECK_INT(berth_mnt_create_at(dir, "new-dir", false), ==, -EEXIST);
	/* What it returns is the mount point: a tmpfs attached there shows in the root. */
	tmpfs = berth_mnt_fsmount("tmpfs", "tmpfs", NULL, 0, NULL);
	CHECK(tmpfs >= 0 && berth_mnt_attach(tmpfs, d, "new-dir", NULL) == 0);
	snprintf(p, sizeof(p), "%s/new-dir", f->rootfs);
	CHECK(mountinfo_line(p) != NULL);
}

BERTH_TEST(rootfs_create_at_never_follows)
{
	struct fixture f;

	fixture_init(&f);
	run_in_mount_ns(&f, create_at, NULL);
}
