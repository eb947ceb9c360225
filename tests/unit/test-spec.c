/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "oci/spec-default.h"
#include "oci/spec.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

#define MINIMAL "\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"}"

static int parse(const char *body, struct berth_spec **s, struct berth_error **err)
{
	cleanup_free char *doc = NULL;

	CHECK(asprintf(&doc, "{" MINIMAL "%s%s}", *body ? "," : "", body) > 0);
	return berth_spec_parse(doc, strlen(doc), s, err);
}

/* Parse @body and require the error message @msg. */
static void expect_error(const char *body, const char *msg)
{
	struct berth_spec *s = NULL;
	struct berth_error *err = NULL;

	if (parse(body, &s, &err) == 0)
		FAIL("accepted: %s", body);
	if (strcmp(err->msg, msg) != 0)
		FAIL("for %s\n#   got      \"%s\"\n#   expected \"%s\"", body, err->msg, msg);
	berth_error_free(err);
}

BERTH_TEST(spec_full_process)
{
	struct berth_spec *s = NULL;
	struct berth_error *err = NULL;

	CHECK_OK(parse("\"hostname\":\"h\",\"process\":{\"args\":[\"sh\"],\"env\":[\"A=1\"],"
		       "\"cwd\":\"/tmp\",\"user\":{\"uid\":5,\"gid\":6,\"umask\":18,"
		       "\"additionalGids\":[7,8]},\"capabilities\":{\"bounding\":[\"CAP_KILL\"],"
		       "\"ambient\":[\"CAP_CHOWN\"]},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		       "\"soft\":10,\"hard\":20}],\"noNewPrivileges\":true,\"oomScoreAdj\":-5,"
		       "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\"},\"scheduler\":{\"policy\":"
		       "\"SCHED_BATCH\",\"nice\":3}},\"linux\":{\"namespaces\":[{\"type\":\"uts\"},"
		       "{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}],\"sysctl\":{\"a.b\":"
		       "\"1\"},\"rootfsPropagation\":\"rslave\"},"
		       "\"annotations\":{\"k\":\"v\"}",
		       &s, &err),
		 &err);
	CHECK_STR(s->process.args[0], "sh");
	CHECK_STR(s->process.cwd, "/tmp");
	CHECK_INT(s->process.user.uid, ==, 5);
	CHECK_INT(s->process.user.umask, ==, 18);
	CHECK_INT(s->process.user.n_additional_gids, ==, 2);
	CHECK(s->process.caps.bounding == 1ULL << 5);
	CHECK(s->process.caps.ambient == 1ULL << 0);
	CHECK_INT(s->process.rlimits[0].resource, ==, RLIMIT_NOFILE);
	CHECK_INT(s->process.rlimits[0].hard, ==, 20);
	CHECK(s->process.no_new_privileges);
	CHECK_INT(s->process.oom_score_adj, ==, -5);
	CHECK(s->process.io_priority.present);
	CHECK_INT(s->process.scheduler.nice, ==, 3);
	CHECK(s->ns[BERTH_NS_UTS].present && s->ns[BERTH_NS_UTS].path == NULL);
	CHECK_STR(s->ns[BERTH_NS_NET].path, "/proc/1/ns/net");
	CHECK(!s->ns[BERTH_NS_PID].present);
	CHECK_STR(s->sysctl[0].key, "a.b");
	CHECK(s->rootfs_propagation == (MS_SLAVE | MS_REC));
	berth_spec_free(s);
}

BERTH_TEST(spec_errors_name_the_path)
{
	expect_error("\"process\":{\"args\":[\"sh\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\"},"
		     "{\"type\":\"RLIMIT_FOO\"}]}",
		     "process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"");
	expect_error("\"process\":{\"args\":[]}", "process.args: at least one argument required");
	expect_error("\"process\":{\"args\":[\"sh\"],\"capabilities\":{\"effective\":[\"CAP_X\"]}}",
		     "process.capabilities.effective[0]: unknown capability \"CAP_X\"");
	expect_error("\"process\":{\"args\":[\"sh\"],\"user\":{\"uid\":\"0\"}}",
		     "process.user.uid: expected an integer, got a string");
	expect_error("\"process\":{\"args\":[\"sh\"],\"cwd\":\"tmp\"}",
		     "process.cwd: must be an absolute path");
	expect_error("\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}",
		     "linux.namespaces[1].type: duplicate namespace \"pid\"");
	expect_error("\"linux\":{\"namespaces\":[{\"type\":\"foo\"}]}",
		     "linux.namespaces[0].type: unknown namespace \"foo\"");
	expect_error("\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}",
		     "linux.uidMappings: given without a user namespace");
	expect_error("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"q\"}]}",
		     "linux.devices[0].type: must be one of c, b, u, p");
	expect_error("\"linux\":{\"timeOffsets\":{\"boottime\":{\"secs\":1}}}",
		     "linux.timeOffsets: needs a new time namespace");
	expect_error("\"hostname\":\"x\"", "hostname: needs a uts namespace");
	expect_error("\"hooks\":{\"prestart\":[{\"path\":\"rel\"}]}",
		     "hooks.prestart[0].path: an absolute path is required");
	expect_error("\"linux\":{\"rootfsPropagation\":\"weird\"}",
		     "linux.rootfsPropagation: unknown propagation \"weird\"");
	expect_error("\"annotations\":{\"a\":1}",
		     "annotations.a: expected a string, got an integer");
}

BERTH_TEST(spec_top_level_errors)
{
	struct berth_spec *s = NULL;
	struct berth_error *err = NULL;
	const char *no_root = "{\"ociVersion\":\"1.0.2\"}";
	const char *v2 = "{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}}";

	CHECK_INT(berth_spec_parse(no_root, strlen(no_root), &s, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "root: required");
	berth_error_clear(&err);
	CHECK_INT(berth_spec_parse(v2, strlen(v2), &s, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "ociVersion: unsupported version \"2.0.0\"");
	berth_error_clear(&err);
	CHECK_INT(berth_spec_parse("[]", 2, &s, &err), ==, -EINVAL);
	berth_error_free(err);
}

BERTH_TEST(spec_unknown_fields_are_ignored)
{
	struct berth_spec *s = NULL;
	struct berth_error *err = NULL;

	CHECK_OK(parse("\"future\":{\"x\":1},\"process\":{\"args\":[\"a\"],\"newThing\":true}", &s,
		       &err),
		 &err);
	berth_spec_free(s);
}

BERTH_TEST(spec_default_is_valid_and_secure)
{
	json_object *o = berth_spec_default(false, 0, 0);
	cleanup_free char *doc = berth_json_dump(o);
	struct berth_spec *s = NULL;
	struct berth_error *err = NULL;

	json_object_put(o);
	CHECK_OK(berth_spec_parse(doc, strlen(doc), &s, &err), &err);
	CHECK(s->process.no_new_privileges);
	CHECK(s->process.caps.inheritable == 0);
	CHECK(s->seccomp != NULL);
	CHECK(s->root_readonly);
	CHECK(s->masked_paths != NULL && s->readonly_paths != NULL);
	berth_spec_free(s);
}

BERTH_TEST(state_ids)
{
	struct berth_error *err = NULL;

	CHECK_INT(berth_state_check_id("web-1.a_b+c", &err), ==, 0);
	CHECK_INT(berth_state_check_id("../x", &err), ==, -EINVAL);
	berth_error_clear(&err);
	CHECK_INT(berth_state_check_id("", &err), ==, -EINVAL);
	berth_error_clear(&err);
	CHECK_INT(berth_state_check_id("-x", &err), ==, -EINVAL);
	berth_error_clear(&err);
	CHECK_INT(berth_state_check_id("a/b", &err), ==, -EINVAL);
	berth_error_free(err);
}

BERTH_TEST(signal_names_and_numbers)
{
	struct berth_error *err = NULL;

	CHECK_INT(berth_signal_parse("KILL", &err), ==, SIGKILL);
	CHECK_INT(berth_signal_parse("SIGTERM", &err), ==, SIGTERM);
	CHECK_INT(berth_signal_parse("sigusr1", &err), ==, SIGUSR1);
	CHECK_INT(berth_signal_parse("9", &err), ==, 9);
	CHECK_INT(berth_signal_parse("SIGNOPE", &err), ==, -EINVAL);
	CHECK_STR(err->msg, "invalid signal \"SIGNOPE\"");
	berth_error_clear(&err);
	CHECK_INT(berth_signal_parse("0", &err), ==, -EINVAL);
	berth_error_free(err);
}

BERTH_TEST(units_sizes)
{
	struct berth_error *err = NULL;
	int64_t v;

	CHECK_OK(berth_parse_size("100m", "--memory", 0, &v, &err), &err);
	CHECK_INT(v, ==, 100LL << 20);
	CHECK_OK(berth_parse_size("1G", "--memory", 0, &v, &err), &err);
	CHECK_INT(v, ==, 1LL << 30);
	CHECK_OK(berth_parse_size("512kb", "--memory", 0, &v, &err), &err);
	CHECK_INT(v, ==, 512LL << 10);
	CHECK_OK(berth_parse_size("-1", "--memory-swap", 1, &v, &err), &err);
	CHECK_INT(v, ==, -1);
	CHECK_INT(berth_parse_size("1.5g", "--memory", 0, &v, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "--memory: invalid size \"1.5g\" (e.g. 1048576, 512k, 100m, 1g)");
	berth_error_clear(&err);
	CHECK_INT(berth_parse_size("99999999999p", "--memory", 0, &v, &err), ==, -EINVAL);
	berth_error_clear(&err);
	CHECK_INT(berth_parse_size("-1", "--memory", 0, &v, &err), ==, -EINVAL);
	berth_error_clear(&err);
	CHECK_INT(berth_parse_int("12x", "--cpu-shares", 0, 10, &v, &err), ==, -EINVAL);
	berth_error_free(err);
}
