/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/parse-flags.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json.h"

/* The error message of a failing call, or FAIL when it succeeds. */
#define CHECK_ERR(call, errp, text)                                                                \
	do {                                                                                       \
		if ((call) >= 0)                                                                   \
			FAIL("%s succeeded", #call);                                               \
		CHECK_STR((*(errp))->msg, text);                                                   \
		berth_error_clear(errp);                                                           \
	} while (0)

static void check_json(json_object *o, const char *want)
{
	const char *got = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);

	CHECK_STR(got, want);
}

BERTH_TEST(parse_flags_ram_bytes_as_docker)
{
	static const struct {
		const char *in;
		int64_t want;
	} ok[] = {
		{ "0", 0 },
		{ "1048576", 1048576 },
		{ "512k", 512 << 10 },
		{ "512kb", 512 << 10 },
		{ "100m", 100 << 20 },
		{ "100M", 100 << 20 },
		{ "1g", 1 << 30 },
		{ "2GiB", 2LL << 30 },
		{ "1.5g", 3LL << 29 },
		{ "64 mb", 64 << 20 },
		{ "10b", 10 },
		{ "1t", 1LL << 40 },
		{ "8p", 8LL << 50 },
	};
	static const char *const bad[] = { "",	    "abc",    "-1",
					   "1x",    "1.5.5g", "1  ",
					   "1gg",   "m",      "9999999999999999999",
					   "8192p", " 1" };
	struct berth_error *err = NULL;
	int64_t v;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(ok); i++) {
		CHECK_OK(berth_flag_ram_bytes(ok[i].in, &v, &err), &err);
		if (v != ok[i].want)
			FAIL("%s: %lld, want %lld", ok[i].in, (long long)v, (long long)ok[i].want);
	}
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		char want[64];

		snprintf(want, sizeof(want), "invalid size: '%s'", bad[i]);
		CHECK_ERR(berth_flag_ram_bytes(bad[i], &v, &err), &err, want);
	}
}

BERTH_TEST(parse_flags_cpus)
{
	struct berth_error *err = NULL;
	int64_t v;

	CHECK_OK(berth_flag_nano_cpus("1.5", &v, &err), &err);
	CHECK_INT(v, ==, 1500000000LL);
	CHECK_OK(berth_flag_nano_cpus("0.01", &v, &err), &err);
	CHECK_INT(v, ==, 10000000);
	CHECK_OK(berth_flag_nano_cpus("2", &v, &err), &err);
	CHECK_INT(v, ==, 2000000000LL);
	CHECK_OK(berth_flag_nano_cpus(".5", &v, &err), &err);
	CHECK_INT(v, ==, 500000000);
	CHECK_OK(berth_flag_nano_cpus("-1", &v, &err), &err);
	CHECK_INT(v, ==, -1000000000LL);
	CHECK_OK(berth_flag_nano_cpus("0.1234567890000", &v, &err), &err);
	CHECK_INT(v, ==, 123456789);
	CHECK_ERR(berth_flag_nano_cpus("abc", &v, &err), &err,
		  "failed to parse abc as a rational number");
	CHECK_ERR(berth_flag_nano_cpus("1.", &v, &err), &err,
		  "failed to parse 1. as a rational number");
	CHECK_ERR(berth_flag_nano_cpus("0.0000000001", &v, &err), &err, "value is too precise");
	CHECK_OK(berth_flag_check_nano_cpus(2000000000LL, 2, &err), &err);
	CHECK_OK(berth_flag_check_nano_cpus(0, 2, &err), &err);
	CHECK_ERR(berth_flag_check_nano_cpus(2000000001LL, 2, &err), &err,
		  "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
	CHECK_ERR(berth_flag_check_nano_cpus(-1, 4, &err), &err,
		  "Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available");
}

BERTH_TEST(parse_flags_int_and_bool)
{
	struct berth_error *err = NULL;
	int64_t v;
	int b;

	CHECK_OK(berth_flag_int("-42", INT64_MIN, INT64_MAX, &v, &err), &err);
	CHECK_INT(v, ==, -42);
	CHECK_ERR(berth_flag_int("4x", 0, 10, &v, &err), &err,
		  "strconv.ParseInt: parsing \"4x\": invalid syntax");
	CHECK_ERR(berth_flag_int("", 0, 10, &v, &err), &err,
		  "strconv.ParseInt: parsing \"\": invalid syntax");
	CHECK_ERR(berth_flag_int("11", 0, 10, &v, &err), &err,
		  "strconv.ParseInt: parsing \"11\": value out of range");
	CHECK_ERR(berth_flag_int("99999999999999999999", INT64_MIN, INT64_MAX, &v, &err), &err,
		  "strconv.ParseInt: parsing \"99999999999999999999\": value out of range");
	CHECK_OK(berth_flag_bool("True", &b, &err), &err);
	CHECK_INT(b, ==, 1);
	CHECK_OK(berth_flag_bool("0", &b, &err), &err);
	CHECK_INT(b, ==, 0);
	CHECK_ERR(berth_flag_bool("yes", &b, &err), &err,
		  "strconv.ParseBool: parsing \"yes\": invalid syntax");
}

BERTH_TEST(parse_flags_ulimit)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_flag_ulimit("nofile=1024:2048", &o, &err), &err);
	check_json(o, "{\"Name\":\"nofile\",\"Soft\":1024,\"Hard\":2048}");
	json_object_put(o);
	CHECK_OK(berth_flag_ulimit("nproc=100", &o, &err), &err);
	check_json(o, "{\"Name\":\"nproc\",\"Soft\":100,\"Hard\":100}");
	json_object_put(o);
	CHECK_OK(berth_flag_ulimit("core=-1", &o, &err), &err);
	check_json(o, "{\"Name\":\"core\",\"Soft\":-1,\"Hard\":-1}");
	json_object_put(o);
	CHECK_ERR(berth_flag_ulimit("nofile", &o, &err), &err, "invalid ulimit argument: nofile");
	CHECK_ERR(berth_flag_ulimit("bogus=1", &o, &err), &err, "invalid ulimit type: bogus");
	CHECK_ERR(berth_flag_ulimit("nofile=1:2:3", &o, &err), &err,
		  "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`");
	CHECK_ERR(berth_flag_ulimit("nofile=2048:1024", &o, &err), &err,
		  "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024");
	CHECK_ERR(berth_flag_ulimit("nofile=x", &o, &err), &err,
		  "strconv.ParseInt: parsing \"x\": invalid syntax");
}

BERTH_TEST(parse_flags_restart)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_flag_restart("on-failure:3", &o, &err), &err);
	check_json(o, "{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}");
	json_object_put(o);
	CHECK_OK(berth_flag_restart("unless-stopped", &o, &err), &err);
	check_json(o, "{\"Name\":\"unless-stopped\",\"MaximumRetryCount\":0}");
	json_object_put(o);
	CHECK_OK(berth_flag_restart("always:0", &o, &err), &err);
	json_object_put(o);
	CHECK_ERR(berth_flag_restart("always:3", &o, &err), &err,
		  "invalid restart policy: maximum retry count can only be used with 'on-failure'");
	CHECK_ERR(berth_flag_restart("no:-1", &o, &err), &err,
		  "invalid restart policy: maximum retry count can only be used with 'on-failure' "
		  "and cannot be negative");
	CHECK_ERR(berth_flag_restart("on-failure:-2", &o, &err), &err,
		  "invalid restart policy: maximum retry count cannot be negative");
	CHECK_ERR(berth_flag_restart("on-failure:x", &o, &err), &err,
		  "invalid restart policy format: maximum retry count must be an integer");
	CHECK_ERR(berth_flag_restart(":3", &o, &err), &err,
		  "invalid restart policy format: no policy provided before colon");
	CHECK_ERR(berth_flag_restart("sometimes", &o, &err), &err,
		  "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', "
		  "'on-failure', or 'unless-stopped'");
}

BERTH_TEST(parse_flags_devices)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_flag_device("/dev/fuse", &o, &err), &err);
	check_json(o, "{\"PathOnHost\":\"/dev/fuse\",\"PathInContainer\":\"/dev/fuse\","
		      "\"CgroupPermissions\":\"rwm\"}");
	json_object_put(o);
	CHECK_OK(berth_flag_device("/dev/null:r", &o, &err), &err);
	check_json(o, "{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/null\","
		      "\"CgroupPermissions\":\"r\"}");
	json_object_put(o);
	CHECK_OK(berth_flag_device("/dev/null:/dev/xnull:rw", &o, &err), &err);
	check_json(o, "{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/xnull\","
		      "\"CgroupPermissions\":\"rw\"}");
	json_object_put(o);
	CHECK_ERR(berth_flag_device("/dev/null:/dev/x:rwx", &o, &err), &err,
		  "bad mode specified: rwx");
	CHECK_ERR(berth_flag_device("/dev/null:/dev/x:rr", &o, &err), &err,
		  "bad mode specified: rr");
	CHECK_ERR(berth_flag_device("/dev/null:x", &o, &err), &err, "x is not an absolute path");
	CHECK_ERR(berth_flag_device(":/dev/x", &o, &err), &err, "bad format for path: :/dev/x");
	CHECK_ERR(berth_flag_device("/a:/b:r:w", &o, &err), &err, "bad format for path: /a:/b:r:w");

	CHECK_OK(berth_flag_throttle("/dev/sda:1mb", 0, &o, &err), &err);
	check_json(o, "{\"Path\":\"/dev/sda\",\"Rate\":1048576}");
	json_object_put(o);
	CHECK_OK(berth_flag_throttle("/dev/sda:1000", 1, &o, &err), &err);
	check_json(o, "{\"Path\":\"/dev/sda\",\"Rate\":1000}");
	json_object_put(o);
	CHECK_ERR(berth_flag_throttle("/dev/sda", 0, &o, &err), &err, "bad format: /dev/sda");
	CHECK_ERR(berth_flag_throttle("sda:1", 0, &o, &err), &err,
		  "bad format for device path: sda:1");
	CHECK_ERR(berth_flag_throttle("/dev/sda:1q", 0, &o, &err), &err,
		  "invalid rate for device: /dev/sda:1q. The correct format is "
		  "<device-path>:<number>[<unit>]. Number must be a positive integer. Unit is "
		  "optional and can be kb, mb, or gb");
	CHECK_ERR(berth_flag_throttle("/dev/sda:1k", 1, &o, &err), &err,
		  "invalid rate for device: /dev/sda:1k. The correct format is "
		  "<device-path>:<number>. Number must be a positive integer");
	CHECK_OK(berth_flag_weight_device("/dev/sda:200", &o, &err), &err);
	check_json(o, "{\"Path\":\"/dev/sda\",\"Weight\":200}");
	json_object_put(o);
	CHECK_ERR(berth_flag_weight_device("/dev/sda:5", &o, &err), &err,
		  "invalid weight for device: /dev/sda:5");

	CHECK_OK(berth_flag_device_cgroup_rule("c 1:3 rwm", &err), &err);
	CHECK_OK(berth_flag_device_cgroup_rule("b *:* r", &err), &err);
	CHECK_OK(berth_flag_device_cgroup_rule("a 7:* mw", &err), &err);
	CHECK_ERR(berth_flag_device_cgroup_rule("x 1:3 rwm", &err), &err,
		  "invalid device cgroup format 'x 1:3 rwm'");
	CHECK_ERR(berth_flag_device_cgroup_rule("c 1:3 rwmx", &err), &err,
		  "invalid device cgroup format 'c 1:3 rwmx'");
	CHECK_ERR(berth_flag_device_cgroup_rule("c 1 rwm", &err), &err,
		  "invalid device cgroup format 'c 1 rwm'");
}

BERTH_TEST(parse_flags_caps)
{
	char *add[] = { "net_admin", " sys_time ", "CAP_CHOWN", "NET_ADMIN", NULL };
	char *drop[] = { "chown", "mknod", NULL };
	char *all[] = { "ALL", "net_raw", NULL };
	char *bad[] = { "bogus", NULL };
	struct berth_error *err = NULL;
	json_object *a = NULL, *d = NULL;

	CHECK_OK(berth_flag_caps(add, drop, &a, &d, &err), &err);
	check_json(a, "[\"CAP_CHOWN\",\"CAP_NET_ADMIN\",\"CAP_SYS_TIME\"]");
	check_json(d, "[\"CAP_MKNOD\"]");
	json_object_put(a);
	json_object_put(d);
	CHECK_OK(berth_flag_caps(NULL, all, &a, &d, &err), &err);
	check_json(a, "[]");
	check_json(d, "[\"ALL\"]");
	json_object_put(a);
	json_object_put(d);
	CHECK_ERR(berth_flag_caps(bad, NULL, &a, &d, &err), &err,
		  "unknown capability: \"CAP_BOGUS\"");
}

BERTH_TEST(parse_flags_mount_csv)
{
	struct berth_error *err = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_flag_mount("type=bind,source=/tmp,target=/mnt,readonly,"
				  "bind-propagation=rslave",
				  &o, &err),
		 &err);
	check_json(o,
		   "{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/mnt\",\"ReadOnly\":true,"
		   "\"BindOptions\":{\"Propagation\":\"rslave\"}}");
	json_object_put(o);
	CHECK_OK(
	    berth_flag_mount("type=volume,src=data,dst=/data,volume-nocopy,ro=false", &o, &err),
	    &err);
	check_json(o, "{\"Type\":\"volume\",\"Source\":\"data\",\"Target\":\"/data\","
		      "\"VolumeOptions\":{\"NoCopy\":true},\"ReadOnly\":false}");
	json_object_put(o);
	CHECK_OK(
	    berth_flag_mount("type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770", &o, &err),
	    &err);
	check_json(o, "{\"Type\":\"tmpfs\",\"Target\":\"/t\","
		      "\"TmpfsOptions\":{\"SizeBytes\":67108864,\"Mode\":1016}}");
	json_object_put(o);
	CHECK_OK(berth_flag_mount("\"type=volume\",target=/v,\"volume-opt=o=a,b\"", &o, &err),
		 &err);
	check_json(o, "{\"Type\":\"volume\",\"Target\":\"/v\","
		      "\"VolumeOptions\":{\"DriverConfig\":{\"Options\":{\"o\":\"a,b\"}}}}");
	json_object_put(o);
	CHECK_ERR(berth_flag_mount("type=bind,src=/a,dst=/b,bogus=1", &o, &err), &err,
		  "unexpected key 'bogus' in 'bogus=1'");
	CHECK_ERR(berth_flag_mount("type=bind,src=/a,dst=/b,foo", &o, &err), &err,
		  "invalid field 'foo' must be a key=value pair");
	CHECK_ERR(berth_flag_mount("src=/a,dst=/b", &o, &err), &err, "type is required");
	CHECK_ERR(berth_flag_mount("type=bind,src=/a", &o, &err), &err, "target is required");
	CHECK_ERR(berth_flag_mount("type=tmpfs,dst=/b,volume-nocopy", &o, &err), &err,
		  "cannot mix 'volume-*' options with mount type 'tmpfs'");
	CHECK_ERR(berth_flag_mount("type=bind,src=/a,dst=/b,readonly=maybe", &o, &err), &err,
		  "invalid value for readonly: maybe");
	CHECK_ERR(berth_flag_mount("type=tmpfs,dst=/b,tmpfs-mode=999", &o, &err), &err,
		  "invalid value for tmpfs-mode: 999");
	CHECK_ERR(berth_flag_mount("type=tmpfs,dst=/b,tmpfs-size=big", &o, &err), &err,
		  "invalid value for tmpfs-size: big");
	CHECK_ERR(berth_flag_mount("type=bind,src=/a,dst=/b,bind-propagation=odd", &o, &err), &err,
		  "invalid value for bind-propagation: odd");
	CHECK_ERR(berth_flag_mount("type=nfs,dst=/b", &o, &err), &err,
		  "invalid mount type 'nfs': use bind, volume or tmpfs");
	CHECK_ERR(berth_flag_mount("type=bind,src=rel,dst=/b", &o, &err), &err,
		  "invalid mount config for type \"bind\": bind source path must be absolute");
	CHECK_ERR(berth_flag_mount("type=volume,dst=b", &o, &err), &err,
		  "invalid mount config for type \"volume\": invalid mount path: 'b' mount path "
		  "must be absolute");
	CHECK_ERR(berth_flag_mount("type=bind,src=\"/a,dst=/b", &o, &err), &err,
		  "parse error: bare \" in non-quoted-field");
}

BERTH_TEST(parse_flags_volume_and_tmpfs)
{
	struct berth_error *err = NULL;
	json_object *map = json_object_new_object();
	char cwd[4096], want[4200];
	char *out = NULL;

	CHECK_OK(berth_flag_volume("/host:/ctr:ro,rslave", &out, &err), &err);
	CHECK_STR(out, "/host:/ctr:ro,rslave");
	free(out);
	CHECK_OK(berth_flag_volume("data:/data", &out, &err), &err);
	CHECK_STR(out, "data:/data");
	free(out);
	CHECK_OK(berth_flag_volume("/anon", &out, &err), &err);
	CHECK_STR(out, "/anon");
	free(out);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_OK(berth_flag_volume("./sub:/x:z", &out, &err), &err);
	snprintf(want, sizeof(want), "%s/sub:/x:z", cwd);
	CHECK_STR(out, want);
	free(out);
	CHECK_ERR(berth_flag_volume("/host:rel", &out, &err), &err,
		  "invalid volume specification: '/host:rel': invalid mount config for type "
		  "\"bind\": invalid mount path: 'rel' mount path must be absolute");
	CHECK_ERR(berth_flag_volume("/a:/b:bogus", &out, &err), &err, "invalid mode: bogus");
	CHECK_ERR(berth_flag_volume("/a:/b:ro,rw", &out, &err), &err, "invalid mode: ro,rw");
	CHECK_ERR(berth_flag_volume("/a:ro", &out, &err), &err,
		  "invalid volume specification: '/a:ro'");
	CHECK_ERR(berth_flag_volume("/a::/b", &out, &err), &err,
		  "invalid spec: /a::/b: empty section between colons");
	CHECK_ERR(berth_flag_volume("/a:/b:ro:x", &out, &err), &err,
		  "invalid volume specification: '/a:/b:ro:x'");
	CHECK_ERR(berth_flag_volume("/a:/", &out, &err), &err,
		  "invalid specification: destination can't be '/'");
	CHECK_ERR(berth_flag_volume("b@d:/x", &out, &err), &err,
		  "\"b@d\" includes invalid characters for a local volume name, only "
		  "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
		  "directory, use absolute path");

	CHECK_OK(berth_flag_tmpfs("/run:rw,size=64k", map, &err), &err);
	CHECK_OK(berth_flag_tmpfs("/scratch", map, &err), &err);
	check_json(map, "{\"/run\":\"rw,size=64k\",\"/scratch\":\"\"}");
	CHECK_ERR(berth_flag_tmpfs("run", map, &err), &err,
		  "invalid mount path: 'run' mount path must be absolute");
	json_object_put(map);
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/berth-unit-kv-XXXXXX");
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

BERTH_TEST(parse_flags_env_files)
{
	cleanup_free char *good = write_tmp("\xef\xbb\xbf# comment\n\nA=1\n  B= x \r\nEMPTY=\n"
					    "FROM_ENV\nNOT_SET_ANYWHERE_X\n");
	cleanup_free char *space = write_tmp("A B=1\n");
	cleanup_free char *noname = write_tmp("=1\n");
	cleanup_free char *utf = write_tmp("A=\xff\n");
	struct berth_error *err = NULL;
	char **lines = NULL;

	setenv("FROM_ENV", "hello", 1);
	unsetenv("NOT_SET_ANYWHERE_X");
	CHECK_OK(berth_flag_read_kv_file(good, 1, &lines, &err), &err);
	CHECK_STR(lines[0], "A=1");
	CHECK_STR(lines[1], "B= x ");
	CHECK_STR(lines[2], "EMPTY=");
	CHECK_STR(lines[3], "FROM_ENV=hello");
	CHECK(lines[4] == NULL);
	berth_strv_free(lines);
	/* A label file drops bare keys. */
	CHECK_OK(berth_flag_read_kv_file(good, 0, &lines, &err), &err);
	CHECK_INT(berth_strv_len(lines), ==, 3);
	berth_strv_free(lines);
	CHECK_ERR(berth_flag_read_kv_file(space, 1, &lines, &err), &err,
		  "poorly formatted environment: variable 'A B' contains whitespaces");
	CHECK_ERR(berth_flag_read_kv_file(noname, 1, &lines, &err), &err,
		  "poorly formatted environment: no variable name on line '=1'");
	CHECK(berth_flag_read_kv_file(utf, 1, &lines, &err) < 0);
	CHECK(strstr(err->msg, "contains invalid utf8 bytes at line 1") != NULL);
	berth_error_clear(&err);
	CHECK(berth_flag_read_kv_file("/nonexistent/env", 1, &lines, &err) == -ENOENT);
	CHECK(strstr(err->msg, "/nonexistent/env") != NULL);
	berth_error_free(err);
	unlink(good);
	unlink(space);
	unlink(noname);
	unlink(utf);
}

BERTH_TEST(parse_flags_env_label_sysctl)
{
	struct berth_error *err = NULL;
	json_object *map = json_object_new_object();
	char *out = NULL;

	setenv("BERTH_UNIT_X", "v", 1);
	unsetenv("BERTH_UNIT_UNSET");
	CHECK_OK(berth_flag_env("A=b=c", &out, &err), &err);
	CHECK_STR(out, "A=b=c");
	free(out);
	CHECK_OK(berth_flag_env("BERTH_UNIT_X", &out, &err), &err);
	CHECK_STR(out, "BERTH_UNIT_X=v");
	free(out);
	CHECK_OK(berth_flag_env("BERTH_UNIT_UNSET", &out, &err), &err);
	CHECK(out == NULL);
	CHECK_ERR(berth_flag_env("=x", &out, &err), &err, "invalid environment variable: =x");

	CHECK_OK(berth_flag_label("a=1", map, &err), &err);
	CHECK_OK(berth_flag_label("b", map, &err), &err);
	CHECK_OK(berth_flag_label("a=2", map, &err), &err);
	check_json(map, "{\"a\":\"2\",\"b\":\"\"}");
	CHECK_ERR(berth_flag_label("=x", map, &err), &err, "invalid label '=x': empty name");
	CHECK_ERR(berth_flag_label("a b=x", map, &err), &err, "label 'a b' contains whitespaces");
	json_object_put(map);

	map = json_object_new_object();
	CHECK_OK(berth_flag_sysctl("net.ipv4.ip_forward=1", map, &err), &err);
	CHECK_OK(berth_flag_sysctl("kernel.shmmax=100=2", map, &err), &err);
	check_json(map, "{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"100=2\"}");
	CHECK_ERR(berth_flag_sysctl("kernel.hostname=x", map, &err), &err,
		  "sysctl 'kernel.hostname=x' is not allowed");
	CHECK_ERR(berth_flag_sysctl("net.x", map, &err), &err, "sysctl 'net.x' is not allowed");
	json_object_put(map);
}

BERTH_TEST(parse_flags_security_opt)
{
	cleanup_free char *profile = write_tmp("{ \"defaultAction\" : \"SCMP_ACT_ALLOW\" }\n");
	cleanup_free char *junk = write_tmp("{ nope");
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "no-new-privileges", "no-new-privileges" },
		{ "no-new-privileges=true", "no-new-privileges=true" },
		{ "no-new-privileges:true", "no-new-privileges=true" },
		{ "no-new-privileges=false", "no-new-privileges=false" },
		{ "seccomp=unconfined", "seccomp=unconfined" },
		{ "apparmor=unconfined", "apparmor=unconfined" },
		{ "label=disable", "label=disable" },
		{ "label=type:svirt_t", "label=type:svirt_t" },
		{ "label:level:s0:c1", "label=level:s0:c1" },
		{ "systempaths=unconfined", "systempaths=unconfined" },
	};
	static const char *const bad[] = {
		"no-new-privileges=maybe", "bogus=1", "label=odd", "apparmor", "seccomp=",
		"systempaths=yes"
	};
	struct berth_error *err = NULL;
	char *out = NULL;
	char want[128];

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(ok); i++) {
		CHECK_OK(berth_flag_security_opt(ok[i].in, &out, &err), &err);
		CHECK_STR(out, ok[i].out);
		free(out);
	}
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		snprintf(want, sizeof(want), "invalid --security-opt: \"%s\"", bad[i]);
		CHECK_ERR(berth_flag_security_opt(bad[i], &out, &err), &err, want);
	}
	snprintf(want, sizeof(want), "seccomp=%s", profile);
	CHECK_OK(berth_flag_security_opt(want, &out, &err), &err);
	CHECK_STR(out, "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
	free(out);
	snprintf(want, sizeof(want), "seccomp=%s", junk);
	CHECK(berth_flag_security_opt(want, &out, &err) < 0);
	CHECK(strstr(err->msg, "compacting json for seccomp profile") != NULL);
	berth_error_clear(&err);
	CHECK(berth_flag_security_opt("seccomp=/nonexistent.json", &out, &err) < 0);
	CHECK(strstr(err->msg, "opening seccomp profile (/nonexistent.json) failed") != NULL);
	berth_error_free(err);
	unlink(profile);
	unlink(junk);
}
