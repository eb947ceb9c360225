/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_TESTS_TEST_CGROUP_H
#define BERTH_TESTS_TEST_CGROUP_H

/*
 * Helpers for the cgroup tests.  Each test (a forked process) works under its
 * own parent "/berth-test-<pid>" in every hierarchy; an atexit handler kills
 * what is left in it and removes it, so a failing CHECK (which exits) cleans
 * up too.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "oci/spec-resources.h"

/* Parse a linux.resources document or fail the test. The caller frees. */
struct berth_resources *tcg_res(const char *json);

/* "/berth-test-<pid>/<leaf>", and registers the cleanup of that parent (once). */
const char *tcg_path(const char *leaf);

/* Remove this test's parent everywhere (call at the end: the runner _exit()s on success). */
void tcg_cleanup(void);

/* The text of @dir/@file with the trailing newline removed (static buffer). */
const char *tcg_read(const char *dir, const char *file);

/* Fork a child that waits on a pipe; tcg_go() releases it to run @fn and exit with its value. */
struct tcg_child {
	pid_t pid;
	int go;
};
struct tcg_child tcg_spawn(int (*fn)(void *), void *arg);
void tcg_go(struct tcg_child *c);
/* Wait for the child: its exit status as wait(2) reports it. */
int tcg_wait(pid_t pid);

/* Skip unless the machine has the hybrid layout the v1 tests were written for. */
void tcg_need_hybrid(void);

#endif
