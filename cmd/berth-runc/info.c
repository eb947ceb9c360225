/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "oci/spec-default.h"
#include "oci/spec-mounts.h"
#include "oci/spec.h"
#include "runtime/lsm.h"
#include "runtime/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/* spec and features. */

int cmd_spec(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ 0 },
	};
	cleanup_close int dfd = -1;
	const char *bundle = ".";
	bool rootless = false;
	json_object *spec;
	const char *s;
	int c, ret;

	(void)g;
	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			return berth_error_set(err, EINVAL, "spec: invalid flag"), 1;
	}
	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_errno(err, "bundle '%s'", bundle), 1;
	if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return berth_error_set(err, EEXIST, "'%s/config.json' already exists", bundle), 1;
	spec = berth_spec_default(rootless, getuid(), getgid());
	s = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = berth_write_file_atomic(dfd, "config.json", s, strlen(s), 0644, err);
	json_object_put(spec);
	return ret < 0 ? 1 : 0;
}

static json_object *names(const char *(*name)(int), int first, int last)
{
	json_object *a = json_object_new_array();

	for (int i = first; i <= last; i++)
		if (name(i) != NULL)
			json_object_array_add(a, json_object_new_string(name(i)));
	return a;
}

static const char *ns_name(int i)
{
	return berth_ns_name((enum berth_ns_type)i);
}

static const char *hook_name(int i)
{
	return berth_hook_name((enum berth_hook_kind)i);
}

static json_object *enabled(bool on)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(on));
	return o;
}

static json_object *linux_features(void)
{
	json_object *l = json_object_new_object(), *cg = json_object_new_object();
	json_object *ext = json_object_new_object();

	json_object_object_add(l, "namespaces", names(ns_name, 0, BERTH_NS_COUNT - 1));
	json_object_object_add(l, "capabilities", names(berth_cap_name, 0, berth_cap_last()));
	json_object_object_add(cg, "v1", json_object_new_boolean(1));
	json_object_object_add(cg, "v2", json_object_new_boolean(1));
	json_object_object_add(cg, "systemd", json_object_new_boolean(0));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(0));
	json_object_object_add(cg, "rdma", json_object_new_boolean(1));
	json_object_object_add(l, "cgroup", cg);
	json_object_object_add(l, "seccomp", berth_seccomp_features());
	json_object_object_add(l, "apparmor", enabled(berth_lsm_apparmor_enabled()));
	json_object_object_add(l, "selinux", enabled(berth_lsm_selinux_enabled()));
	json_object_object_add(l, "intelRdt", enabled(false));
	json_object_object_add(ext, "idmap", enabled(true));
	json_object_object_add(l, "mountExtensions", ext);
	return l;
}

int cmd_features(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	json_object *f = json_object_new_object();

	(void)g;
	(void)argv;
	if (argc != 1) {
		json_object_put(f);
		return berth_error_set(err, EINVAL, "features takes no argument"), 1;
	}
	json_object_object_add(f, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(f, "ociVersionMax", json_object_new_string("1.1.0"));
	json_object_object_add(f, "hooks", names(hook_name, 0, BERTH_HOOK_COUNT - 1));
	json_object_object_add(f, "mountOptions", berth_mount_option_names());
	json_object_object_add(f, "linux", linux_features());
	puts(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(f);
	return 0;
}
