/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/spec-default.h"

#include "oci/seccomp-default.h"
#include "util/cleanup.h"

static json_object *strv(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static void add_mount(json_object *mounts, const char *dst, const char *type, const char *src,
		      const char *const *opts)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", strv(opts));
	json_object_array_add(mounts, m);
}

static json_object *mounts(bool rootless)
{
	static const char *const proc[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k",
					   NULL };
	static const char *const pts[] = { "nosuid",	"noexec", "newinstance", "ptmxmode=0666",
					   "mode=0620", "gid=5",  NULL };
	static const char *const pts_rootless[] = { "nosuid",	     "noexec",	  "newinstance",
						    "ptmxmode=0666", "mode=0620", NULL };
	static const char *const shm[] = { "nosuid",	"noexec",      "nodev",
					   "mode=1777", "size=65536k", NULL };
	static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const cg[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
	json_object *m = json_object_new_array();

	add_mount(m, "/proc", "proc", "proc", proc);
	add_mount(m, "/dev", "tmpfs", "tmpfs", dev);
	add_mount(m, "/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts);
	add_mount(m, "/dev/shm", "tmpfs", "shm", shm);
	add_mount(m, "/dev/mqueue", "mqueue", "mqueue", mq);
	add_mount(m, "/sys", "sysfs", "sysfs", sys);
	add_mount(m, "/sys/fs/cgroup", "cgroup", "cgroup", cg);
	return m;
}

static json_object *process(void)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
		NULL
	};
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					    NULL };
	json_object *p = json_object_new_object(), *c = json_object_new_object();
	json_object *user = json_object_new_object(), *rl = json_object_new_object();
	json_object *rls = json_object_new_array();

	json_object_object_add(p, "terminal", json_object_new_boolean(1));
	json_object_object_add(user, "uid", json_object_new_int(0));
	json_object_object_add(user, "gid", json_object_new_int(0));
	json_object_object_add(p, "user", user);
	json_object_object_add(p, "args", strv(args));
	json_object_object_add(p, "env", strv(env));
	json_object_object_add(p, "cwd", json_object_new_string("/"));
	json_object_object_add(c, "bounding", strv(caps));
	json_object_object_add(c, "effective", strv(caps));
	json_object_object_add(c, "permitted", strv(caps));
	json_object_object_add(p, "capabilities", c);
	json_object_object_add(rl, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(rl, "hard", json_object_new_int(1024));
	json_object_object_add(rl, "soft", json_object_new_int(1024));
	json_object_array_add(rls, rl);
	json_object_object_add(p, "rlimits", rls);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(1));
	return p;
}

static json_object *namespaces(bool rootless)
{
	static const char *const types[] = {
		"pid", "network", "ipc", "uts", "mount", "cgroup", NULL
	};
	json_object *a = json_object_new_array();

	for (const char *const *t = types; *t != NULL; t++) {
		json_object *ns = json_object_new_object();

		json_object_object_add(ns, "type", json_object_new_string(*t));
		json_object_array_add(a, ns);
	}
	if (rootless) {
		json_object *ns = json_object_new_object();

		json_object_object_add(ns, "type", json_object_new_string("user"));
		json_object_array_add(a, ns);
	}
	return a;
}

static json_object *id_map(unsigned host)
{
	json_object *a = json_object_new_array(), *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int(0));
	json_object_object_add(m, "hostID", json_object_new_int64(host));
	json_object_object_add(m, "size", json_object_new_int(1));
	json_object_array_add(a, m);
	return a;
}

static json_object *linux_section(bool rootless, uid_t uid, gid_t gid)
{
	static const char *const masked[] = { "/proc/acpi",
					      "/proc/asound",
					      "/proc/kcore",
					      "/proc/keys",
					      "/proc/latency_stats",
					      "/proc/timer_list",
					      "/proc/timer_stats",
					      "/proc/sched_debug",
					      "/sys/firmware",
					      "/proc/scsi",
					      "/sys/devices/virtual/powercap",
					      NULL };
	static const char *const ro[] = { "/proc/bus",		 "/proc/fs",
					  "/proc/irq",		 "/proc/sys",
					  "/proc/sysrq-trigger", NULL };
	json_object *l = json_object_new_object();

	json_object_object_add(l, "namespaces", namespaces(rootless));
	if (rootless) {
		json_object_object_add(l, "uidMappings", id_map(uid));
		json_object_object_add(l, "gidMappings", id_map(gid));
	}
	json_object_object_add(l, "maskedPaths", strv(masked));
	json_object_object_add(l, "readonlyPaths", strv(ro));
	json_object_object_add(l, "seccomp", berth_seccomp_default_profile());
	return l;
}

json_object *berth_spec_default(bool rootless, uid_t uid, gid_t gid)
{
	json_object *s = json_object_new_object(), *root = json_object_new_object();

	json_object_object_add(s, "ociVersion", json_object_new_string("1.1.0"));
	json_object_object_add(s, "process", process());
	json_object_object_add(root, "path", json_object_new_string("rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(1));
	json_object_object_add(s, "root", root);
	json_object_object_add(s, "hostname", json_object_new_string("berth"));
	json_object_object_add(s, "mounts", mounts(rootless));
	json_object_object_add(s, "linux", linux_section(rootless, uid, gid));
	return s;
}
