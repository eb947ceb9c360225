/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "oci/spec.h"
#include "runtime/launch.h"
#include "unit.h"
#include "util/cleanup.h"

/* Which specs take the direct path (one clone3 into every new namespace) and with what flags. */

static int direct_flags(const char *namespaces, const char *more)
{
	cleanup_free char *doc = NULL;
	struct berth_spec *s = NULL;
	struct berth_error *err = NULL;
	int flags;

	CHECK(asprintf(&doc,
		       "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"},"
		       "\"linux\":{\"namespaces\":[%s]%s}}",
		       namespaces, more) > 0);
	CHECK_OK(berth_spec_parse(doc, strlen(doc), &s, &err), &err);
	flags = berth_launch_direct_flags(s);
	berth_spec_free(s);
	return flags;
}

BERTH_TEST(runtime_launch_direct_flags_new_namespaces)
{
	CHECK_INT(direct_flags("{\"type\":\"mount\"},{\"type\":\"pid\"},{\"type\":\"network\"},"
			       "{\"type\":\"ipc\"},{\"type\":\"uts\"}",
			       ""),
		  ==, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS);
	/* The cgroup namespace is never cloned: the init unshares it once in its cgroup. */
	CHECK_INT(direct_flags("{\"type\":\"mount\"},{\"type\":\"cgroup\"},{\"type\":\"user\"}",
			       ",\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
			       "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"),
		  ==, CLONE_NEWNS | CLONE_NEWUSER);
	CHECK_INT(direct_flags("{\"type\":\"mount\"}", ""), ==, CLONE_NEWNS);
}

BERTH_TEST(runtime_launch_direct_refused_for_joins_and_time)
{
	CHECK_INT(direct_flags(
		      "{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/run/netns/x\"}", ""),
		  ==, -1);
	CHECK_INT(direct_flags("{\"type\":\"mount\"},{\"type\":\"time\"}", ""), ==, -1);
	CHECK_INT(direct_flags("{\"type\":\"mount\"},{\"type\":\"time\"}",
			       ",\"timeOffsets\":{\"boottime\":{\"secs\":5,\"nanosecs\":0}}"),
		  ==, -1);
}
