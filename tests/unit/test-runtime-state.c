/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/state.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* state.json's "poststop" (how many poststop hooks; -1 when unknown) and delete's use of it. */

/* A temp state root in @root (a "/tmp/berth-state-XXXXXX" template) with c1's directory; its fd. */
static int state_dir_c1(char *root)
{
	struct berth_error *err = NULL;
	int dfd;

	CHECK(mkdtemp(root) != NULL);
	dfd = berth_state_dir_create(root, "c1", &err);
	CHECK_OK(dfd, &err);
	return dfd;
}

static void save_load(int poststop, int want)
{
	char root[] = "/tmp/berth-state-XXXXXX";
	struct berth_state st = { .id = "c1", .bundle = "/b", .poststop = poststop };
	struct berth_state *back = NULL;
	struct berth_error *err = NULL;
	int dfd;

	dfd = state_dir_c1(root);
	CHECK_OK(berth_state_save(dfd, &st, &err), &err);
	close(dfd);
	CHECK_OK(berth_state_load(root, "c1", &back, &err), &err);
	CHECK_INT(back->poststop, ==, want);
	CHECK_STR(back->bundle, "/b");
	berth_state_free(back);
	CHECK_OK(berth_state_remove(root, "c1", &err), &err);
	rmdir(root);
}

BERTH_TEST(runtime_state_poststop_round_trip)
{
	save_load(0, 0);
	save_load(2, 2);
	/* Not known when saved: not written, read back as unknown. */
	save_load(-1, -1);
}

BERTH_TEST(runtime_state_poststop_bad_value_refused)
{
	char root[] = "/tmp/berth-state-XXXXXX";
	const char *bad =
	    "{\"id\":\"c1\",\"pid\":0,\"owner\":0,\"startTime\":0,\"poststop\":\"x\"}";
	struct berth_state *st = NULL;
	struct berth_error *err = NULL;
	int dfd;

	dfd = state_dir_c1(root);
	CHECK_OK(berth_write_file_replace(dfd, "state.json", bad, strlen(bad), 0600, &err), &err);
	close(dfd);
	CHECK(berth_state_load(root, "c1", &st, &err) == -EINVAL);
	CHECK(err != NULL && strstr(err->msg, "poststop") != NULL);
	berth_error_free(err);
	err = NULL;
	CHECK_OK(berth_state_remove(root, "c1", &err), &err);
	rmdir(root);
}

/*
 * A stopped container (its init exited and was reaped, no cgroup) whose kept config.json has a
 * poststop hook touching @marker; @field is the state's "poststop" member
 * (or "" for a state written before it existed).  Returns whether delete ran
 * the hook.
 */
static bool delete_runs_hook(const char *field)
{
	char root[] = "/tmp/berth-state-XXXXXX", marker[128], config[512], state[256];
	struct berth_error *err = NULL, *warn = NULL;
	bool ran;
	pid_t gone = fork();
	int dfd;

	CHECK(gone >= 0);
	if (gone == 0)
		_exit(0);
	CHECK(waitpid(gone, NULL, 0) == gone);
	dfd = state_dir_c1(root);
	snprintf(marker, sizeof(marker), "%s/ran", root);
	snprintf(config, sizeof(config),
		 "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		 "\"hooks\":{\"poststop\":[{\"path\":\"/bin/sh\","
		 "\"args\":[\"sh\",\"-c\",\"cat >/dev/null; touch %s\"]}]}}",
		 marker);
	snprintf(state, sizeof(state),
		 "{\"id\":\"c1\",\"bundle\":\"/b\",\"pid\":%d,\"owner\":0,\"startTime\":1%s}",
		 (int)gone, field);
	CHECK_OK(berth_write_file_replace(dfd, "config.json", config, strlen(config), 0600, &err),
		 &err);
	CHECK_OK(berth_write_file_replace(dfd, "state.json", state, strlen(state), 0600, &err),
		 &err);
	close(dfd);
	CHECK_OK(berth_container_delete(root, "c1", false, &warn, &err), &err);
	CHECK(warn == NULL);
	ran = access(marker, F_OK) == 0;
	unlink(marker);
	/* The state directory is gone either way. */
	CHECK(rmdir(root) == 0);
	return ran;
}

BERTH_TEST(runtime_delete_reads_config_only_for_poststop_hooks)
{
	CHECK(delete_runs_hook(",\"poststop\":1"));
	/* The state says none: the config is not read (its hook here would run). */
	CHECK(!delete_runs_hook(",\"poststop\":0"));
	/* An older state.json without the field: the config is read as before. */
	CHECK(delete_runs_hook(""));
}

/* A start time of 0 (the init was gone when it was read) never makes a dead pid "running". */
BERTH_TEST(runtime_state_zero_start_time_is_stopped)
{
	struct berth_state st = { .id = "c1", .start_time = 0 };
	pid_t gone = fork();

	CHECK(gone >= 0);
	if (gone == 0)
		_exit(0);
	CHECK(waitpid(gone, NULL, 0) == gone);
	st.pid = gone;
	CHECK_INT(berth_state_status("/nonexistent", &st), ==, BERTH_STATUS_STOPPED);
}

/* The hand-made RFC 3339 against gmtime_r + strftime: leap days, centuries, the epoch, 2038+. */
BERTH_TEST(runtime_rfc3339_matches_gmtime)
{
	static const int64_t fixed[] = { 0,	     59,	 86399,	     86400,
					 951782400,  951868800,	 4107542400, 4107628800,
					 2147483647, 2147483648, 1795392000, 253402300799 };
	uint32_t x = 99;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(fixed) + 5000; i++) {
		struct timespec ts = { .tv_nsec = 123456789 };
		char want[64], day[40], got[64];
		struct tm tm;
		time_t t;

		if (i < BERTH_ARRAY_SIZE(fixed)) {
			ts.tv_sec = (time_t)fixed[i];
		} else {
			x = x * 1103515245 + 12345;
			ts.tv_sec = (time_t)((uint64_t)x * 1237 % 8000000000ULL);
		}
		t = ts.tv_sec;
		CHECK(gmtime_r(&t, &tm) != NULL);
		strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want, sizeof(want), "%s.123456789Z", day);
		berth_rfc3339_format(&ts, got, sizeof(got));
		if (strcmp(want, got) != 0)
			FAIL("%lld: %s != %s", (long long)ts.tv_sec, got, want);
	}
}
