/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_TESTS_ROOTFS_HELPERS_H
#define BERTH_TESTS_ROOTFS_HELPERS_H

/*
 * Fixtures for the mount tests: a temporary bundle with a busybox rootfs,
 * and a runner that does the work in a child with its own mount namespace
 * (with "/" made rprivate first) and then checks that the host's
 * /proc/self/mountinfo did not change.
 */

#include <stdbool.h>

#include "oci/spec.h"

struct fixture {
	char dir[64];	  /* the bundle, /tmp/berth-rootfs-XXXXXX (cwd of the work) */
	char rootfs[96];  /* dir/rootfs, with bin/busybox and bin/sh */
	char outside[96]; /* dir/outside: a host directory mounts must never reach */
};

void fixture_init(struct fixture *f);
/* Remove the fixture (after the namespace is gone, so nothing is mounted). */
void fixture_fini(struct fixture *f);

/*
 * Run @fn(@arg) in a forked child in a new mount namespace, cwd = f->dir;
 * fail (or skip) as the child did, then check nothing leaked to the host.
 */
void run_in_mount_ns(struct fixture *f, void (*fn)(struct fixture *f, void *arg), void *arg);

/* Fill @spec->mounts from a JSON array (fails the test on a parse error). */
void spec_set_mounts(struct berth_spec *spec, const char *json);
void spec_release(struct berth_spec *spec);

/* The /proc/self/mountinfo line whose mount point is @path (the last one), or NULL. */
char *mountinfo_line(const char *path);
/* Whether any mount point in /proc/self/mountinfo starts with @prefix. */
bool mountinfo_has_prefix(const char *prefix);

/* Write @content to @path (created 0644), making parents. */
void write_file(const char *path, const char *content);

#endif
