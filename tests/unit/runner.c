/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

#define MAX_TESTS 1024
#define TIMEOUT_SECONDS 60

static struct {
	const char *name;
	berth_test_fn fn;
} tests[MAX_TESTS];
static int ntests;

void berth_test_register(const char *name, berth_test_fn fn)
{
	if (ntests == MAX_TESTS)
		abort();
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

static int run_one(int i)
{
	pid_t pid = fork();
	int status;
	time_t start = time(NULL);

	if (pid < 0)
		return -1;
	if (pid == 0) {
		alarm(TIMEOUT_SECONDS);
		tests[i].fn();
		fflush(NULL);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	(void)start;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "# killed by signal %d%s\n", WTERMSIG(status),
		WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	return 1;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0, n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < ntests; i++)
		if (argc < 2 || fnmatch(argv[1], tests[i].name, 0) == 0)
			n++;
	printf("1..%d\n", n);
	n = 0;
	for (int i = 0; i < ntests; i++) {
		int rc;

		if (argc >= 2 && fnmatch(argv[1], tests[i].name, 0) != 0)
			continue;
		rc = run_one(i);
		n++;
		if (rc == 0) {
			passed++;
			printf("ok %d - %s\n", n, tests[i].name);
		} else if (rc == TEST_SKIP_CODE) {
			skipped++;
			printf("ok %d - %s # SKIP\n", n, tests[i].name);
		} else {
			failed++;
			printf("not ok %d - %s\n", n, tests[i].name);
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
