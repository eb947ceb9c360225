/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>

#include "oci/spec.h"
#include "unit.h"

BERTH_TEST(names_capabilities_round_trip)
{
	CHECK_INT(berth_cap_from_name("CAP_CHOWN"), ==, CAP_CHOWN);
	CHECK_INT(berth_cap_from_name("CAP_SYS_ADMIN"), ==, CAP_SYS_ADMIN);
	CHECK_INT(berth_cap_from_name("CAP_CHECKPOINT_RESTORE"), ==, 40);
	CHECK_INT(berth_cap_from_name("CAP_BPF"), ==, 39);
	CHECK_INT(berth_cap_from_name("CAP_NOPE"), ==, -1);
	CHECK_INT(berth_cap_from_name("cap_chown"), ==, -1);
	CHECK_INT(berth_cap_from_name(NULL), ==, -1);
	for (int c = 0; c <= 40; c++)
		CHECK_INT(berth_cap_from_name(berth_cap_name(c)), ==, c);
	CHECK(berth_cap_name(41) == NULL);
	CHECK(berth_cap_name(-1) == NULL);
}

BERTH_TEST(names_cap_last_is_the_lower_of_list_and_kernel)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int k = -1;

	CHECK(f != NULL);
	CHECK_INT(fscanf(f, "%d", &k), ==, 1);
	fclose(f);
	CHECK_INT(berth_cap_last(), ==, k < 40 ? k : 40);
}

BERTH_TEST(names_rlimits)
{
	CHECK_INT(berth_rlimit_from_name("RLIMIT_NOFILE"), ==, RLIMIT_NOFILE);
	CHECK_INT(berth_rlimit_from_name("RLIMIT_AS"), ==, RLIMIT_AS);
	CHECK_INT(berth_rlimit_from_name("RLIMIT_RTTIME"), ==, RLIMIT_RTTIME);
	CHECK_INT(berth_rlimit_from_name("RLIMIT_NOPE"), ==, -1);
	for (int r = 0; r < RLIMIT_NLIMITS; r++)
		CHECK_INT(berth_rlimit_from_name(berth_rlimit_name(r)), ==, r);
	CHECK(berth_rlimit_name(RLIMIT_NLIMITS) == NULL);
	CHECK_STR(berth_rlimit_name(RLIMIT_MEMLOCK), "RLIMIT_MEMLOCK");
}

BERTH_TEST(names_namespaces_and_hooks)
{
	CHECK_STR(berth_ns_name(BERTH_NS_NET), "network");
	CHECK_STR(berth_ns_name(BERTH_NS_MOUNT), "mount");
	CHECK_STR(berth_ns_name(BERTH_NS_TIME), "time");
	CHECK(berth_ns_name(BERTH_NS_COUNT) == NULL);
	CHECK_INT(berth_ns_clone_flag(BERTH_NS_PID), ==, CLONE_NEWPID);
	CHECK_INT(berth_ns_clone_flag(BERTH_NS_MOUNT), ==, CLONE_NEWNS);
	CHECK_INT(berth_ns_clone_flag(BERTH_NS_CGROUP), ==, CLONE_NEWCGROUP);
	CHECK_INT(berth_ns_clone_flag(BERTH_NS_TIME), ==, 0x80);
	CHECK_INT(berth_ns_clone_flag(BERTH_NS_USER), ==, CLONE_NEWUSER);
	CHECK_STR(berth_hook_name(BERTH_HOOK_PRESTART), "prestart");
	CHECK_STR(berth_hook_name(BERTH_HOOK_CREATE_RUNTIME), "createRuntime");
	CHECK_STR(berth_hook_name(BERTH_HOOK_START_CONTAINER), "startContainer");
	CHECK_STR(berth_hook_name(BERTH_HOOK_POSTSTOP), "poststop");
	CHECK(berth_hook_name(BERTH_HOOK_COUNT) == NULL);
}
