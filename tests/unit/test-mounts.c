/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "oci/spec-mounts.h"
#include "runtime/mount-util.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json.h"

/* Parse a "mounts" array; returns the parser's result, error in *err. */
static int parse(const char *s, struct berth_mount **out, size_t *n, struct berth_error **err)
{
	json_object *arr = NULL;
	int ret;

	CHECK_OK(berth_json_parse(s, strlen(s), &arr, err), err);
	ret = berth_spec_parse_mounts(arr, "mounts", out, n, err);
	json_object_put(arr);
	return ret;
}

static void release(struct berth_mount *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		berth_mount_release(&v[i]);
	free(v);
}

BERTH_TEST(mounts_parse_flags_and_data)
{
	struct berth_error *err = NULL;
	struct berth_mount *v = NULL;
	size_t n = 0;

	CHECK_OK(parse("[{\"destination\":\"/a\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		       "\"options\":[\"nosuid\",\"ro\",\"rw\",\"nodev\",\"noexec\",\"size=1m\","
		       "\"strictatime\",\"mode=755\",\"sync\",\"dirsync\",\"mand\",\"nomand\","
		       "\"nodiratime\",\"exec\",\"nosymfollow\",\"rshared\"]}]",
		       &v, &n, &err),
		 &err);
	CHECK_INT(n, ==, 1);
	CHECK(v[0].kind == BERTH_MOUNT_FS);
	CHECK_STR(v[0].type, "tmpfs");
	CHECK_STR(v[0].data, "size=1m,mode=755");
	CHECK_INT(v[0].flags, ==,
		  MS_NOSUID | MS_NODEV | MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC |
		      MS_NODIRATIME | MS_NOSYMFOLLOW);
	CHECK_INT(v[0].clear, ==, MS_RDONLY | MS_MANDLOCK | MS_NOEXEC);
	CHECK_INT(v[0].propagation, ==, MS_SHARED | MS_REC);
	release(v, n);
}

BERTH_TEST(mounts_parse_recursive_attrs)
{
	struct berth_error *err = NULL;
	struct berth_mount *v = NULL;
	size_t n = 0;

	CHECK_OK(parse("[{\"destination\":\"/a\",\"source\":\"/x\",\"options\":[\"rbind\",\"rro\","
		       "\"rnosuid\",\"rdev\",\"rnoexec\",\"rnodiratime\",\"rnoatime\"]},"
		       "{\"destination\":\"/b\",\"source\":\"/x\",\"type\":\"bind\",\"options\":"
		       "[\"rrw\",\"rsuid\",\"rexec\",\"rdiratime\",\"rstrictatime\",\"ratime\","
		       "\"runbindable\"]}]",
		       &v, &n, &err),
		 &err);
	CHECK(v[0].kind == BERTH_MOUNT_BIND && v[0].recursive);
	CHECK_INT(v[0].attr_set, ==,
		  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC |
		      MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOATIME);
	CHECK_INT(v[0].attr_clr, ==, MOUNT_ATTR_NODEV | MOUNT_ATTR__ATIME);
	/* type "bind" without the option is a non-recursive bind, as runc. */
	CHECK(v[1].kind == BERTH_MOUNT_BIND && !v[1].recursive);
	CHECK_INT(v[1].attr_set, ==, MOUNT_ATTR_RELATIME);
	CHECK_INT(v[1].attr_clr, ==,
		  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC |
		      MOUNT_ATTR_NODIRATIME | MOUNT_ATTR__ATIME);
	CHECK_INT(v[1].propagation, ==, MS_UNBINDABLE | MS_REC);
	CHECK(v[1].data == NULL);
	release(v, n);
}

BERTH_TEST(mounts_parse_idmap)
{
	struct berth_error *err = NULL;
	struct berth_mount *v = NULL;
	size_t n = 0;

	CHECK_OK(parse("[{\"destination\":\"/a\",\"source\":\"/x\",\"options\":[\"bind\","
		       "\"ridmap\"],\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,"
		       "\"size\":10}],\"gidMappings\":[{\"containerID\":0,\"hostID\":2000,"
		       "\"size\":1},{\"containerID\":5,\"hostID\":3000,\"size\":2}]}]",
		       &v, &n, &err),
		 &err);
	CHECK(v[0].idmap && v[0].ridmap);
	CHECK_INT(v[0].n_uid_maps, ==, 1);
	CHECK_INT(v[0].uid_maps[0].host_id, ==, 1000);
	CHECK_INT(v[0].uid_maps[0].size, ==, 10);
	CHECK_INT(v[0].n_gid_maps, ==, 2);
	CHECK_INT(v[0].gid_maps[1].container_id, ==, 5);
	release(v, n);
}

static void expect_error(const char *json, int code, const char *msg)
{
	struct berth_error *err = NULL;
	struct berth_mount *v = NULL;
	size_t n = 0;

	CHECK_INT(parse(json, &v, &n, &err), ==, -code);
	CHECK(err != NULL);
	if (strcmp(err->msg, msg) != 0)
		FAIL("message \"%s\", wanted \"%s\"", err->msg, msg);
	CHECK(v == NULL);
	berth_error_free(err);
}

BERTH_TEST(mounts_parse_errors_name_the_path)
{
	expect_error("[{\"destination\":\"/a\",\"type\":\"proc\"},{\"destination\":\"/b\"},"
		     "{\"destination\":\"\",\"type\":\"tmpfs\"}]",
		     EINVAL, "mounts[2].destination: must not be empty");
	expect_error("[{\"type\":\"tmpfs\"}]", EINVAL, "mounts[0].destination: required");
	expect_error("[{\"destination\":\"/a\",\"type\":\"proc\",\"options\":[\"ro\","
		     "\"tmpcopyup\"]}]",
		     EINVAL, "mounts[0].options: tmpcopyup is supported on tmpfs mounts only");
	expect_error("[{\"destination\":\"/a\",\"type\":\"tmpfs\",\"options\":[\"idmap\"]}]",
		     EINVAL, "mounts[0].options: idmap is supported on bind mounts only");
	expect_error("[{\"destination\":\"/a\",\"source\":\"/x\",\"options\":[\"bind\","
		     "\"idmap\"],\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}]",
		     EINVAL, "mounts[0]: idmap needs both uidMappings and gidMappings");
	expect_error("[{\"destination\":\"/a\",\"source\":\"/x\",\"options\":[\"bind\"],"
		     "\"uidMappings\":[{\"containerID\":0,\"hostID\":-1,\"size\":1}]}]",
		     ERANGE, "mounts[0].uidMappings[0].hostID: -1 out of range [0, 4294967295]");
	expect_error("[{\"destination\":\"/a\",\"options\":[\"bind\"]}]", EINVAL,
		     "mounts[0].source: required for a bind mount");
	expect_error("[{\"destination\":\"/a\",\"options\":[1]}]", EINVAL,
		     "mounts[0].options[0]: expected a string, got an integer");
	expect_error("{}", EINVAL, "mounts: expected an array");
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* The batched closes close exactly what they are given, runs or not. */
BERTH_TEST(mounts_close_fds_exactly)
{
	int fds[6], keep, a, b;

	for (size_t i = 0; i < 6; i++)
		CHECK((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	keep = fds[3];
	fds[3] = -1;
	CHECK(fds[1] == fds[0] + 1 && fds[2] == fds[1] + 1); /* a run, a gap, a run */
	berth_close_fds(fds, 6);
	for (size_t i = 0; i < 6; i++)
		CHECK(fds[i] < 0 || !fd_open(fds[i]));
	CHECK(fd_open(keep));
	a = open("/dev/null", O_RDONLY | O_CLOEXEC);
	b = keep;
	berth_close2(&a, &b);
	CHECK(a == -1 && b == -1 && !fd_open(keep));
	a = open("/dev/null", O_RDONLY | O_CLOEXEC);
	b = -1;
	keep = a;
	berth_close2(&a, &b);
	CHECK(a == -1 && !fd_open(keep));
}
