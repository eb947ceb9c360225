/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security part of the spec builder: a create body in, berth's default
 * spec edited.  Seccomp profiles are loaded for real in forked children.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "engine/spec-build.h"
#include "engine/spec-security-int.h"
#include "oci/spec-default.h"
#include "oci/spec.h"
#include "oci/spec-seccomp.h"
#include "runtime/seccomp.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

static const struct berth_userns no_userns = { .enabled = false };
static const struct berth_userns remap = {
	.enabled = true,
	.uid = { 0, 100000, 65536 },
	.gid = { 0, 200000, 65536 },
};

/* Apply @body; returns the spec, or NULL with *err set. */
static json_object *apply_ex(const char *body, const struct berth_userns *u, struct berth_engine *e,
			     struct berth_error **err)
{
	json_object *b = NULL, *spec = berth_spec_default(false, 0, 0);
	struct berth_spec_ctx ctx = { .engine = e, .id = "t", .userns = u };
	int ret;

	CHECK_OK(berth_json_parse(body, strlen(body), &b, err), err);
	ctx.create = b;
	ret = berth_spec_apply_security(&ctx, spec, err);
	json_object_put(b);
	if (ret < 0) {
		CHECK(*err != NULL && (*err)->code == -ret);
		json_object_put(spec);
		return NULL;
	}
	CHECK(*err == NULL);
	return spec;
}

static json_object *apply(const char *body)
{
	struct berth_error *err = NULL;
	json_object *s = apply_ex(body, &no_userns, NULL, &err);

	if (s == NULL)
		FAIL("%s: %s", body, err->msg);
	return s;
}

/* The error message @body gives; the caller frees. */
static char *apply_fails(const char *body, const struct berth_userns *u)
{
	struct berth_error *err = NULL;
	json_object *s = apply_ex(body, u, NULL, &err);
	char *msg;

	if (s != NULL)
		FAIL("%s: accepted", body);
	msg = strdup(err->msg);
	berth_error_free(err);
	return msg;
}

#define CHECK_FAILS(body, want)                                                                    \
	do {                                                                                       \
		cleanup_free char *m_ = apply_fails(body, &no_userns);                             \
		if (strstr(m_, want) == NULL)                                                      \
			FAIL("%s: \"%s\" lacks \"%s\"", body, m_, want);                           \
	} while (0)

/* The value at a dotted path ("linux.seccomp"), or NULL. */
static json_object *at(json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k != NULL && o != NULL;
	     k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			return NULL;
	return o;
}

static char *dump(json_object *o)
{
	static char buf[1 << 16];

	snprintf(buf, sizeof(buf), "%s",
		 o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE)
		   : "null");
	return buf;
}

/* How many capabilities this process may hold: what "ALL" means. */
static int bounding_count(void)
{
	int n = 0;

	for (int c = 0; c <= berth_cap_last(); c++)
		n += prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1;
	return n;
}

static bool has_string(json_object *arr, const char *s)
{
	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
			return true;
	return false;
}

static bool has_ns(json_object *spec, const char *type, const char *path)
{
	json_object *a = at(spec, "linux.namespaces");

	for (size_t i = 0; a != NULL && i < json_object_array_length(a); i++) {
		json_object *ns = json_object_array_get_idx(a, i), *p = NULL;

		if (strcmp(json_object_get_string(json_object_object_get(ns, "type")), type) != 0)
			continue;
		p = json_object_object_get(ns, "path");
		return path == NULL ? p == NULL
				    : p != NULL && strcmp(json_object_get_string(p), path) == 0;
	}
	return false;
}

BERTH_TEST(spec_security_default_caps_and_nnp)
{
	static const char *const want[] = {
		"CAP_CHOWN",	 "CAP_DAC_OVERRIDE", "CAP_FOWNER",
		"CAP_FSETID",	 "CAP_KILL",	     "CAP_SETGID",
		"CAP_SETUID",	 "CAP_SETPCAP",	     "CAP_NET_BIND_SERVICE",
		"CAP_SYS_CHROOT"
	};
	json_object *s = apply("{}");
	json_object *caps = at(s, "process.capabilities");

	for (const char *const *k =
		 (const char *const[]){ "bounding", "effective", "permitted", NULL };
	     *k != NULL; k++) {
		json_object *set = json_object_object_get(caps, *k);

		CHECK_INT(json_object_array_length(set), ==, BERTH_ARRAY_SIZE(want));
		for (size_t i = 0; i < BERTH_ARRAY_SIZE(want); i++)
			CHECK(has_string(set, want[i]));
		CHECK(!has_string(set, "CAP_NET_RAW") && !has_string(set, "CAP_MKNOD"));
		CHECK(!has_string(set, "CAP_AUDIT_WRITE") && !has_string(set, "CAP_SETFCAP"));
	}
	CHECK(json_object_object_get(caps, "inheritable") == NULL);
	CHECK(json_object_object_get(caps, "ambient") == NULL);
	CHECK(json_object_get_boolean(at(s, "process.noNewPrivileges")));
	CHECK(at(s, "linux.seccomp") != NULL);
	CHECK_STR(dump(at(s, "linux.resources.devices")),
		  "[ { \"allow\": false, \"access\": \"rwm\" } ]");
	CHECK(at(s, "linux.maskedPaths") != NULL && at(s, "linux.readonlyPaths") != NULL);
	CHECK(has_ns(s, "network", NULL) && has_ns(s, "pid", NULL) && !has_ns(s, "user", NULL));
	json_object_put(s);
}

BERTH_TEST(spec_security_cap_add_drop)
{
	json_object *s, *b;

	s = apply("{\"HostConfig\":{\"CapAdd\":[\"net_admin\",\"CAP_SYS_PTRACE\",\"Sys_Time\"],"
		  "\"CapDrop\":[\"chown\",\"CAP_KILL\"]}}");
	b = at(s, "process.capabilities.bounding");
	CHECK(has_string(b, "CAP_NET_ADMIN") && has_string(b, "CAP_SYS_PTRACE"));
	CHECK(has_string(b, "CAP_SYS_TIME") && has_string(b, "CAP_SETUID"));
	CHECK(!has_string(b, "CAP_CHOWN") && !has_string(b, "CAP_KILL"));
	json_object_put(s);

	s = apply("{\"HostConfig\":{\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"kill\"]}}");
	CHECK_STR(dump(at(s, "process.capabilities.effective")), "[ \"CAP_KILL\" ]");
	json_object_put(s);

	s = apply("{\"HostConfig\":{\"CapAdd\":[\"all\"],\"CapDrop\":[\"SYS_ADMIN\"]}}");
	b = at(s, "process.capabilities.permitted");
	CHECK(has_string(b, "CAP_SYS_MODULE") && has_string(b, "CAP_NET_RAW"));
	CHECK(!has_string(b, "CAP_SYS_ADMIN"));
	CHECK_INT(json_object_array_length(b), ==, bounding_count() - 1);
	json_object_put(s);

	/* Added and dropped: added wins, as Docker. */
	s = apply("{\"HostConfig\":{\"CapAdd\":[\"NET_RAW\"],\"CapDrop\":[\"NET_RAW\"]}}");
	CHECK(has_string(at(s, "process.capabilities.bounding"), "CAP_NET_RAW"));
	json_object_put(s);

	CHECK_FAILS("{\"HostConfig\":{\"CapAdd\":[\"CAP_FLY\"]}}",
		    "--cap-add: unknown capability \"CAP_FLY\"");
	CHECK_FAILS("{\"HostConfig\":{\"CapDrop\":[\"\"]}}", "--cap-drop: unknown capability");
	CHECK_FAILS("{\"HostConfig\":{\"CapAdd\":\"NET_RAW\"}}", "HostConfig.CapAdd");
}

BERTH_TEST(spec_security_privileged)
{
	json_object *s, *m;
	cleanup_free char *msg = NULL;

	s = apply("{\"HostConfig\":{\"Privileged\":true,\"CapDrop\":[\"ALL\"]}}");
	CHECK_INT(json_object_array_length(at(s, "process.capabilities.bounding")), ==,
		  bounding_count());
	CHECK(at(s, "linux.seccomp") == NULL);
	CHECK(at(s, "linux.maskedPaths") == NULL && at(s, "linux.readonlyPaths") == NULL);
	CHECK_STR(dump(at(s, "linux.resources.devices")),
		  "[ { \"allow\": true, \"access\": \"rwm\" } ]");
	CHECK(strstr(dump(at(s, "linux.devices")), "\"path\": \"/dev/null\"") != NULL);
	CHECK(strstr(dump(at(s, "linux.devices")), "/dev/pts/") == NULL);
	m = json_object_object_get(s, "mounts");
	for (size_t i = 0; i < json_object_array_length(m); i++) {
		json_object *e = json_object_array_get_idx(m, i);
		const char *d = json_object_get_string(json_object_object_get(e, "destination"));

		if (strcmp(d, "/sys") == 0 || strcmp(d, "/sys/fs/cgroup") == 0)
			CHECK(!has_string(json_object_object_get(e, "options"), "ro"));
	}
	json_object_put(s);
	msg = apply_fails("{\"HostConfig\":{\"Privileged\":true}}", &remap);
	CHECK_STR(msg, "--privileged requires --userns=host");
}

BERTH_TEST(spec_security_opts)
{
	json_object *s;

	s = apply("{\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges=false\",\"seccomp="
		  "unconfined\",\"label=disable\"]}}");
	CHECK(!json_object_get_boolean(at(s, "process.noNewPrivileges")));
	CHECK(at(s, "linux.seccomp") == NULL);
	json_object_put(s);
	s = apply("{\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges:false\","
		  "\"no-new-privileges\",\"systempaths=unconfined\"]}}");
	CHECK(json_object_get_boolean(at(s, "process.noNewPrivileges")));
	CHECK(at(s, "linux.maskedPaths") == NULL);
	json_object_put(s);
	CHECK_FAILS("{\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges=maybe\"]}}",
		    "no-new-privileges=maybe: expected true or false");
	CHECK_FAILS("{\"HostConfig\":{\"SecurityOpt\":[\"fly=high\"]}}",
		    "--security-opt \"fly=high\": unknown option");
	CHECK_FAILS("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp=/nonexistent/p.json\"]}}",
		    "/nonexistent/p.json");
	if (access("/sys/fs/selinux/enforce", F_OK) < 0)
		CHECK_FAILS("{\"HostConfig\":{\"SecurityOpt\":[\"label=type:svirt_t\"]}}",
			    "label=type:svirt_t: SELinux is not enabled on this host");
	if (access("/sys/module/apparmor/parameters/enabled", F_OK) < 0)
		CHECK_FAILS("{\"HostConfig\":{\"SecurityOpt\":[\"apparmor=my-profile\"]}}",
			    "apparmor=my-profile: AppArmor is not enabled on this host");
}

BERTH_TEST(spec_security_oom_score_and_sysctls)
{
	json_object *s = apply("{\"HostConfig\":{\"OomScoreAdj\":-500,\"Sysctls\":{"
			       "\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"1000000\","
			       "\"fs.mqueue.msg_max\":\"20\"}}}");

	CHECK_INT(json_object_get_int(at(s, "process.oomScoreAdj")), ==, -500);
	CHECK_STR(
	    json_object_get_string(json_object_object_get(at(s, "linux.sysctl"), "kernel.shmmax")),
	    "1000000");
	CHECK(json_object_object_get(at(s, "linux.sysctl"), "net.ipv4.ip_forward") != NULL);
	json_object_put(s);
	CHECK_FAILS("{\"HostConfig\":{\"OomScoreAdj\":1001}}", "--oom-score-adj");
	CHECK_FAILS("{\"HostConfig\":{\"Sysctls\":{\"kernel.domainname\":\"x\"}}}",
		    "--sysctl kernel.domainname: not a namespaced sysctl");
	CHECK_FAILS("{\"HostConfig\":{\"Sysctls\":{\"vm.swappiness\":\"1\"}}}",
		    "--sysctl vm.swappiness: not a namespaced sysctl");
	CHECK_FAILS("{\"HostConfig\":{\"NetworkMode\":\"host\",\"Sysctls\":{\"net.core."
		    "somaxconn\":\"1\"}}}",
		    "--sysctl net.core.somaxconn: not allowed with --network=host");
	CHECK_FAILS("{\"HostConfig\":{\"IpcMode\":\"host\",\"Sysctls\":{\"kernel.msgmax\":\"1\"}}}",
		    "--sysctl kernel.msgmax: not allowed with --ipc=host");
	CHECK_FAILS("{\"HostConfig\":{\"Sysctls\":{\"net..x\":\"1\"}}}", "bad name");
	CHECK_FAILS("{\"HostConfig\":{\"Sysctls\":{\"net.x/../y\":\"1\"}}}", "bad name");
}

BERTH_TEST(spec_security_devices)
{
	json_object *s = apply("{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/null\","
			       "\"PathInContainer\":\"/dev/mynull\",\"CgroupPermissions\":\"rw\"},"
			       "{\"PathOnHost\":\"/dev/zero\"}],\"DeviceCgroupRules\":[\"c 10:200 "
			       "rwm\",\"b *:* r\"]}}");
	const char *d = dump(at(s, "linux.devices"));

	CHECK(strstr(d, "\"path\": \"/dev/mynull\", \"type\": \"c\", \"major\": 1, \"minor\": 3") !=
	      NULL);
	CHECK(strstr(d, "\"path\": \"/dev/zero\", \"type\": \"c\", \"major\": 1, \"minor\": 5") !=
	      NULL);
	CHECK_STR(
	    dump(at(s, "linux.resources.devices")),
	    "[ { \"allow\": false, \"access\": \"rwm\" }, "
	    "{ \"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rw\" }, "
	    "{ \"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 5, \"access\": \"rwm\" "
	    "}, "
	    "{ \"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 200, \"access\": "
	    "\"rwm\" }, "
	    "{ \"allow\": true, \"type\": \"b\", \"access\": \"r\" } ]");
	json_object_put(s);
	CHECK_FAILS("{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/nonexistent-berth\"}]}}",
		    "--device /dev/nonexistent-berth: No such file or directory");
	CHECK_FAILS("{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/etc/passwd\"}]}}",
		    "not a character or block device");
	CHECK_FAILS("{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/null\","
		    "\"CgroupPermissions\":\"rwx\"}]}}",
		    "bad permissions \"rwx\"");
}

BERTH_TEST(spec_security_device_cgroup_rules_strict)
{
	static const char *const good[][2] = {
		{ "a", "{ \"allow\": true, \"access\": \"rwm\" }" },
		{ "a *:* rwm", "{ \"allow\": true, \"access\": \"rwm\" }" },
		{ "c 1:3 rwm", "{ \"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, "
			       "\"access\": \"rwm\" }" },
		{ "b *:* r", "{ \"allow\": true, \"type\": \"b\", \"access\": \"r\" }" },
		{ "c 136:* mw", "{ \"allow\": true, \"type\": \"c\", \"major\": 136, \"access\": "
				"\"mw\" }" },
	};
	static const char *const bad[] = { "",		"x 1:3 rwm",  "c 1:3",
					   "c 1:3 rwx", "c 1:3 rrw",  "c 1:3  rwm",
					   "c 1-3 rwm", "c a:3 rwm",  "c 1:3 rwm ",
					   "a 1:3 rwm", "c 1:3 rwmr", "c :3 r",
					   "b",		"c 1:3 ",     "c 99999999999:1 r" };
	struct berth_error *err = NULL;
	json_object *r = NULL;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(good); i++) {
		CHECK_OK(berth_sec_parse_cgroup_rule(good[i][0], &r, &err), &err);
		CHECK_STR(dump(r), good[i][1]);
		json_object_put(r);
	}
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		if (berth_sec_parse_cgroup_rule(bad[i], &r, &err) >= 0)
			FAIL("\"%s\" accepted", bad[i]);
		CHECK(strstr(err->msg, "--device-cgroup-rule") != NULL);
		berth_error_clear(&err);
	}
}

BERTH_TEST(spec_security_namespace_modes)
{
	json_object *s;
	cleanup_free char *m1 = NULL, *m2 = NULL;

	s = apply("{\"HostConfig\":{\"NetworkMode\":\"host\",\"PidMode\":\"host\",\"IpcMode\":"
		  "\"host\",\"UTSMode\":\"host\",\"CgroupnsMode\":\"host\"}}");
	CHECK(!has_ns(s, "network", NULL) && !has_ns(s, "pid", NULL) && !has_ns(s, "ipc", NULL));
	CHECK(!has_ns(s, "uts", NULL) && !has_ns(s, "cgroup", NULL) && has_ns(s, "mount", NULL));
	CHECK(json_object_object_get(s, "hostname") == NULL);
	json_object_put(s);
	s = apply("{\"HostConfig\":{\"NetworkMode\":\"none\",\"IpcMode\":\"none\"}}");
	CHECK(has_ns(s, "network", NULL) && has_ns(s, "ipc", NULL));
	CHECK(strstr(dump(json_object_object_get(s, "mounts")), "/dev/shm") == NULL);
	json_object_put(s);
	s = apply("{\"HostConfig\":{\"NetworkMode\":\"default\",\"IpcMode\":\"shareable\"}}");
	CHECK(has_ns(s, "network", NULL));
	CHECK(strstr(dump(json_object_object_get(s, "mounts")), "/dev/shm") != NULL);
	json_object_put(s);
	CHECK_FAILS("{\"HostConfig\":{\"NetworkMode\":\"bridge\"}}",
		    "network bridge is not supported yet");
	CHECK_FAILS("{\"HostConfig\":{\"NetworkMode\":\"my-net\"}}",
		    "network my-net is not supported yet");
	CHECK_FAILS("{\"HostConfig\":{\"PidMode\":\"private\"}}",
		    "--pid: unknown mode \"private\"");
	CHECK_FAILS("{\"HostConfig\":{\"IpcMode\":\"container:\"}}", "needs a container name");
	CHECK_FAILS("{\"HostConfig\":{\"UTSMode\":\"container:web\"}}", "--uts=container:web");
	CHECK_FAILS("{\"HostConfig\":{\"UsernsMode\":\"keep-id\"}}", "--userns: unknown mode");
	m1 = apply_fails("{\"HostConfig\":{\"NetworkMode\":\"host\"}}", &remap);
	CHECK_STR(m1, "--network=host requires --userns=host");
	m2 = apply_fails("{\"HostConfig\":{\"PidMode\":\"host\"}}", &remap);
	CHECK_STR(m2, "--pid=host requires --userns=host");
}

BERTH_TEST(spec_security_userns_maps)
{
	struct berth_error *err = NULL;
	json_object *s = apply_ex("{\"HostConfig\":{\"UTSMode\":\"host\"}}", &remap, NULL, &err);

	CHECK(s != NULL);
	CHECK(has_ns(s, "user", NULL) && !has_ns(s, "uts", NULL));
	CHECK_STR(dump(at(s, "linux.uidMappings")),
		  "[ { \"containerID\": 0, \"hostID\": 100000, \"size\": 65536 } ]");
	CHECK_STR(dump(at(s, "linux.gidMappings")),
		  "[ { \"containerID\": 0, \"hostID\": 200000, \"size\": 65536 } ]");
	json_object_put(s);
}

/* An engine root with a container "donor" whose State says running with @pid. */
static struct berth_engine *engine_with_donor(char *dir, pid_t pid, const char *ipc, int *lockfd)
{
	struct berth_error *err = NULL;
	struct berth_engine *e = NULL;
	struct berth_ctr c = { 0 };
	char *name = NULL, lock[512];
	json_object *hc = json_object_new_object();

	CHECK(mkdtemp(dir) != NULL);
	CHECK_OK(berth_engine_open(dir, "/nonexistent-berth.conf", &e, &err), &err);
	CHECK_OK(berth_ctr_alloc(e, "donor", c.id, &name, &err), &err);
	free(name);
	c.record = json_object_new_object();
	c.state = json_object_new_object();
	json_object_object_add(c.record, "Name", json_object_new_string("/donor"));
	json_object_object_add(hc, "IpcMode", json_object_new_string(ipc));
	json_object_object_add(c.record, "HostConfig", hc);
	berth_ctr_state_set_str(&c, "Status", BERTH_CTR_RUNNING);
	berth_ctr_state_set_bool(&c, "Running", true);
	berth_ctr_state_set_int(&c, "Pid", pid);
	CHECK_OK(berth_ctr_save_record(e, &c, &err), &err);
	CHECK_OK(berth_ctr_save_state(e, &c, &err), &err);
	/* A live monitor holds the lock: the State is taken as true. */
	snprintf(lock, sizeof(lock), "%s/containers/%s", dir, c.id);
	*lockfd = open(lock, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(*lockfd >= 0 && flock(*lockfd, LOCK_EX) == 0);
	json_object_put(c.record);
	json_object_put(c.state);
	return e;
}

BERTH_TEST(spec_security_join_container_namespaces)
{
	char dir[] = "/tmp/berth-sec-XXXXXX", path[64];
	struct berth_error *err = NULL;
	struct berth_engine *e;
	json_object *s;
	int lock = -1;

	e = engine_with_donor(dir, getpid(), "private", &lock);
	s = apply_ex("{\"HostConfig\":{\"NetworkMode\":\"container:donor\",\"PidMode\":"
		     "\"container:donor\",\"UTSMode\":\"container:donor\"}}",
		     &no_userns, e, &err);
	if (s == NULL)
		FAIL("%s", err->msg);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)getpid());
	CHECK(has_ns(s, "network", path));
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)getpid());
	CHECK(has_ns(s, "pid", path));
	CHECK(json_object_object_get(s, "hostname") == NULL);
	CHECK(!has_ns(s, "user", NULL));
	json_object_put(s);
	/* Its IPC namespace is private. */
	CHECK(apply_ex("{\"HostConfig\":{\"IpcMode\":\"container:donor\"}}", &no_userns, e, &err) ==
	      NULL);
	CHECK(strstr(err->msg, "not shareable") != NULL);
	berth_error_clear(&err);
	/* With user namespaces on, its user namespace is joined too: here it has none. */
	CHECK(apply_ex("{\"HostConfig\":{\"NetworkMode\":\"container:donor\"}}", &remap, e, &err) ==
	      NULL);
	CHECK(strstr(err->msg, "container donor has no user namespace") != NULL);
	berth_error_clear(&err);
	CHECK(apply_ex("{\"HostConfig\":{\"NetworkMode\":\"container:nobody\"}}", &no_userns, e,
		       &err) == NULL);
	CHECK(strstr(err->msg, "No such container: nobody") != NULL);
	berth_error_clear(&err);
	close(lock);
	berth_engine_free(e);
	CHECK(berth_rm_rf_at(AT_FDCWD, dir) == 0);
}

BERTH_TEST(spec_security_init)
{
	json_object *s;
	const char *m;

	setenv("BERTH_INIT", "/bin/true", 1);
	s = apply("{\"HostConfig\":{\"Init\":true}}");
	CHECK_STR(dump(at(s, "process.args")), "[ \"/sbin/berth-init\", \"--\", \"sh\" ]");
	m = dump(json_object_object_get(s, "mounts"));
	CHECK(strstr(m, "{ \"destination\": \"/sbin/berth-init\", \"type\": \"bind\", "
			"\"source\": \"/bin/true\", \"options\": [ \"bind\", \"ro\"") != NULL);
	json_object_put(s);
	s = apply("{\"HostConfig\":{\"Init\":false}}");
	CHECK_STR(dump(at(s, "process.args")), "[ \"sh\" ]");
	json_object_put(s);
	setenv("BERTH_INIT", "/nonexistent/berth-init", 1);
	CHECK_FAILS("{\"HostConfig\":{\"Init\":true}}",
		    "--init: '/nonexistent/berth-init': No such file or directory");
	unsetenv("BERTH_INIT");
}
