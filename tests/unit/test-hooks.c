/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "unit.h"
#include "util/fs.h"

#define STATE "{\"ociVersion\":\"1.1.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":1}"

BERTH_TEST(hooks_get_state_args_and_env)
{
	char dir[] = "/tmp/berth-hooks-XXXXXX", script[512], out[128], *buf = NULL;
	char *args[] = { "sh", "-c", script, "arg0", "arg1", NULL };
	char *env[] = { "FOO=bar baz", NULL };
	struct berth_hook h = { .path = "/bin/busybox", .args = args, .env = env, .timeout = 10 };
	struct berth_error *err = NULL;

	/* The hook's env is exactly its "env": nothing leaks from ours. */
	CHECK(setenv("BERTH_LEAK", "leaked", 1) == 0);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(script, sizeof(script), "{ cat; echo; echo \"$FOO|$0|$1|$BERTH_LEAK\"; } > %s",
		 out);
	CHECK_OK(berth_hooks_run(&h, 1, STATE, &err), &err);
	CHECK_OK(berth_read_file_at(AT_FDCWD, out, 4096, &buf, NULL, &err), &err);
	unlink(out);
	rmdir(dir);
	CHECK_STR(buf, STATE "\nbar baz|arg0|arg1|\n");
	free(buf);
}

BERTH_TEST(hooks_failure_names_hook_status_and_stderr)
{
	char *args[] = { "sh", "-c", "echo doing; echo 'it broke' >&2; exit 3", NULL };
	struct berth_hook hooks[] = {
		{ .path = "/bin/busybox", .args = (char *[]){ "true", NULL } },
		{ .path = "/bin/busybox", .args = args },
	};
	struct berth_error *err = NULL;

	CHECK_INT(berth_hooks_run(hooks, 2, STATE, &err), ==, -ECHILD);
	CHECK_STR(err->msg, "hook \"/bin/busybox\": exited with status 3: doing\nit broke");
	berth_error_free(err);
}

BERTH_TEST(hooks_output_is_capped)
{
	char *args[] = { "sh", "-c", "yes x | head -c 100000 >&2; exit 1", NULL };
	struct berth_hook h = { .path = "/bin/busybox", .args = args };
	struct berth_error *err = NULL;

	CHECK_INT(berth_hooks_run(&h, 1, STATE, &err), ==, -ECHILD);
	CHECK(strncmp(err->msg, "hook \"/bin/busybox\": exited with status 1: x\nx\n", 47) == 0);
	CHECK(strlen(err->msg) <= BERTH_HOOK_OUTPUT_MAX + 64);
	berth_error_free(err);
}

BERTH_TEST(hooks_timeout_kills)
{
	char *args[] = { "sleep", "30", NULL };
	struct berth_hook h = { .path = "/bin/busybox", .args = args, .timeout = 1 };
	struct berth_error *err = NULL;
	time_t start = time(NULL);

	CHECK_INT(berth_hooks_run(&h, 1, STATE, &err), ==, -ETIMEDOUT);
	CHECK_STR(err->msg, "hook \"/bin/busybox\": timed out after 1 s");
	CHECK(time(NULL) - start < 5);
	/* The hook was reaped: no child is left. */
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	berth_error_free(err);
}

BERTH_TEST(hooks_that_ignore_stdin_and_bad_paths)
{
	struct berth_hook ok = { .path = "/bin/busybox", .args = (char *[]){ "true", NULL } };
	struct berth_hook missing = { .path = "/nonexistent/hook" };
	struct berth_hooks all = { 0 };
	struct berth_error *err = NULL;
	size_t big = 4 << 20;
	char *state = malloc(big + 1);

	/* 4 MiB of state to a hook that never reads it: no SIGPIPE, no hang. */
	CHECK(state != NULL);
	memset(state, 'x', big);
	state[big] = '\0';
	CHECK_OK(berth_hooks_run(&ok, 1, state, &err), &err);
	free(state);
	all.list[BERTH_HOOK_POSTSTART] = &missing;
	all.n[BERTH_HOOK_POSTSTART] = 1;
	CHECK_INT(berth_hooks_run_kind(&all, BERTH_HOOK_POSTSTART, STATE, &err), ==, -ECHILD);
	CHECK_STR(err->msg, "hooks.poststart[0]: hook \"/nonexistent/hook\": exited with status "
			    "127: exec: No such file or directory");
	berth_error_free(err);
}

BERTH_TEST(hooks_without_env_inherit_ours)
{
	char *args[] = { "sh", "-c", "[ \"$BERTH_INHERITED\" = yes ]", NULL };
	struct berth_hook h = { .path = "/bin/busybox", .args = args };
	struct berth_error *err = NULL;

	CHECK(setenv("BERTH_INHERITED", "yes", 1) == 0);
	CHECK_OK(berth_hooks_run(&h, 1, STATE, &err), &err);
	CHECK(setenv("BERTH_INHERITED", "no", 1) == 0);
	CHECK_INT(berth_hooks_run(&h, 1, STATE, &err), ==, -ECHILD);
	berth_error_free(err);
}
