/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Devices: --device (HostConfig.Devices), --device-cgroup-rule
 * (DeviceCgroupRules) and, for --privileged, every device node of the host.
 *
 * The device cgroup always starts from "deny all" (the runtime then allows
 * its default nodes: null, zero, full, random, urandom, tty, ptmx and pts);
 * each --device adds its node to linux.devices and one allow rule with its
 * permissions.  Privileged containers get "allow all".
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/spec-security-int.h"
#include "util/cleanup.h"
#include "util/json.h"

#define WALK_DEPTH 8

static json_object *cg_rule(bool allow, char type, int64_t major, int64_t minor, const char *access)
{
	json_object *r = json_object_new_object();
	char t[2] = { type, '\0' };

	json_object_object_add(r, "allow", json_object_new_boolean(allow));
	if (type != 'a')
		json_object_object_add(r, "type", json_object_new_string(t));
	if (major >= 0)
		json_object_object_add(r, "major", json_object_new_int64(major));
	if (minor >= 0)
		json_object_object_add(r, "minor", json_object_new_int64(minor));
	json_object_object_add(r, "access", json_object_new_string(access));
	return r;
}

/* "rwm", "r", "mw"...: 1 to 3 distinct letters of r, w, m. */
static bool access_ok(const char *a)
{
	size_t n = strlen(a);

	if (n == 0 || n > 3 || strspn(a, "rwm") != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr(a + i + 1, a[i]) != NULL)
			return false;
	return true;
}

/* "*" → -1, digits → the number; else -2. */
static int64_t dev_number(const char *s, size_t len)
{
	int64_t v = 0;

	if (len == 1 && s[0] == '*')
		return -1;
	if (len == 0 || len > 9)
		return -2;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -2;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int berth_sec_parse_cgroup_rule(const char *rule, json_object **out, struct berth_error **err)
{
	const char *nums, *colon, *sp;
	int64_t major, minor;

	if (strcmp(rule, "a") == 0) {
		*out = cg_rule(true, 'a', -1, -1, "rwm");
		return 0;
	}
	/* TYPE MAJOR:MINOR ACCESS, single spaces, nothing else. */
	if (strlen(rule) < 7 || strchr("abc", rule[0]) == NULL || rule[1] != ' ')
		goto bad;
	nums = rule + 2;
	colon = strchr(nums, ':');
	sp = strchr(nums, ' ');
	if (colon == NULL || sp == NULL || colon > sp || !access_ok(sp + 1))
		goto bad;
	major = dev_number(nums, (size_t)(colon - nums));
	minor = dev_number(colon + 1, (size_t)(sp - colon - 1));
	if (major == -2 || minor == -2 || (rule[0] == 'a' && (major != -1 || minor != -1)))
		goto bad;
	*out = cg_rule(true, rule[0], major, minor, sp + 1);
	return 0;
bad:
	return berth_error_set(err, EINVAL,
			       "--device-cgroup-rule \"%s\": expected TYPE MAJOR:MINOR ACCESS "
			       "(type a, b or c; numbers or *; access of r, w, m) or \"a\"",
			       rule);
}

/* linux.devices entry for the node @st found at @host, seen at @dst in the container. */
static json_object *device(const char *dst, const struct stat *st)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "path", json_object_new_string(dst));
	json_object_object_add(d, "type", json_object_new_string(S_ISBLK(st->st_mode) ? "b" : "c"));
	json_object_object_add(d, "major", json_object_new_int64(major(st->st_rdev)));
	json_object_object_add(d, "minor", json_object_new_int64(minor(st->st_rdev)));
	json_object_object_add(d, "fileMode", json_object_new_int(st->st_mode & 07777));
	json_object_object_add(d, "uid", json_object_new_int64(st->st_uid));
	json_object_object_add(d, "gid", json_object_new_int64(st->st_gid));
	return d;
}

struct dev_out {
	json_object *devices; /* linux.devices */
	json_object *rules;   /* linux.resources.devices, or NULL (privileged: allow all) */
	const char *access;
};

static void add_node(struct dev_out *o, const char *dst, const struct stat *st)
{
	/* A later entry for the same path (--device after --privileged's walk) replaces it. */
	for (size_t i = json_object_array_length(o->devices); i > 0; i--) {
		json_object *p =
		    json_object_object_get(json_object_array_get_idx(o->devices, i - 1), "path");

		if (p != NULL && strcmp(json_object_get_string(p), dst) == 0)
			json_object_array_del_idx(o->devices, i - 1, 1);
	}
	json_object_array_add(o->devices, device(dst, st));
	if (o->rules != NULL)
		json_object_array_add(o->rules,
				      cg_rule(true, S_ISBLK(st->st_mode) ? 'b' : 'c',
					      major(st->st_rdev), minor(st->st_rdev), o->access));
}

/* Directories of /dev that hold no real device nodes for a container. */
static bool skipped_dir(const char *host)
{
	static const char *const skip[] = { "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/fd",
					    NULL };

	for (const char *const *s = skip; *s != NULL; s++)
		if (strcmp(host, *s) == 0)
			return true;
	return false;
}

/* Every char and block node under @host, mirrored under @dst. */
static int walk(struct dev_out *o, const char *host, const char *dst, int depth,
		struct berth_error **err)
{
	DIR *d;
	struct dirent *e;

	if (depth > WALK_DEPTH || skipped_dir(host))
		return 0;
	if ((d = opendir(host)) == NULL)
		return berth_error_errno(err, "open '%s'", host);
	while ((e = readdir(d)) != NULL) {
		cleanup_free char *h = NULL, *c = NULL;
		struct stat st;

		if (e->d_name[0] == '.' || asprintf(&h, "%s/%s", host, e->d_name) < 0 ||
		    asprintf(&c, "%s/%s", dst, e->d_name) < 0 || lstat(h, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && walk(o, h, c, depth + 1, err) < 0) {
			closedir(d);
			return berth_error_ret(err);
		}
		/* The runtime makes /dev/console (a terminal) and /dev/ptmx (a link to pts/ptmx).
		 */
		if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) &&
		    strcmp(h, "/dev/console") != 0 && strcmp(h, "/dev/ptmx") != 0)
			add_node(o, c, &st);
	}
	closedir(d);
	return 0;
}

/* One HostConfig.Devices entry. */
static int one_device(struct dev_out *o, json_object *d, const char *path, struct berth_error **err)
{
	const char *host = NULL, *dst = NULL, *perm = "rwm";
	struct stat st;

	if (berth_json_as_object(d, path, err) < 0 ||
	    berth_json_string(d, path, "PathOnHost", &host, err) < 0 ||
	    berth_json_string(d, path, "PathInContainer", &dst, err) < 0 ||
	    berth_json_string(d, path, "CgroupPermissions", &perm, err) < 0)
		return berth_error_ret(err);
	if (host == NULL || host[0] != '/')
		return berth_error_set(err, EINVAL,
				       "--device: PathOnHost must be an absolute path");
	if (dst == NULL || *dst == '\0')
		dst = host;
	if (dst[0] != '/')
		return berth_error_set(err, EINVAL, "--device %s: \"%s\" is not an absolute path",
				       host, dst);
	if (*perm == '\0')
		perm = "rwm";
	if (!access_ok(perm))
		return berth_error_set(err, EINVAL,
				       "--device %s: bad permissions \"%s\" (letters of r, w, m)",
				       host, perm);
	if (stat(host, &st) < 0)
		return berth_error_errno(err, "--device %s", host);
	o->access = perm;
	if (S_ISDIR(st.st_mode))
		return walk(o, host, dst, 0, err);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return berth_error_set(err, EINVAL, "--device %s: not a character or block device",
				       host);
	add_node(o, dst, &st);
	return 0;
}

static int cgroup_rules(json_object *hc, json_object *rules, struct berth_error **err)
{
	cleanup_strv char **v = NULL;
	json_object *r = NULL;

	if (berth_json_strv(hc, "HostConfig", "DeviceCgroupRules", &v, err) < 0)
		return berth_error_ret(err);
	for (char **p = v; p != NULL && *p != NULL; p++) {
		if (berth_sec_parse_cgroup_rule(*p, &r, err) < 0)
			return berth_error_ret(err);
		if (rules != NULL)
			json_object_array_add(rules, r);
		else
			json_object_put(r);
	}
	return 0;
}

int berth_sec_devices(json_object *hc, bool privileged, json_object *spec, struct berth_error **err)
{
	json_object *linux_obj = berth_spec_child(spec, "linux"), *arr = NULL;
	json_object *res = berth_spec_child(linux_obj, "resources");
	struct dev_out o = { .devices = berth_sec_arr(linux_obj, "devices"), .access = "rwm" };
	json_object *rules = json_object_new_array();

	json_object_object_add(res, "devices", rules);
	json_object_array_add(rules, cg_rule(privileged, 'a', -1, -1, "rwm"));
	o.rules = privileged ? NULL : rules;
	if (privileged && walk(&o, "/dev", "/dev", 0, err) < 0)
		return berth_error_ret(err);
	if (berth_json_array(hc, "HostConfig", "Devices", &arr, err) < 0)
		return berth_error_ret(err);
	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
		cleanup_free char *p = berth_json_index("HostConfig.Devices", i);

		if (one_device(&o, json_object_array_get_idx(arr, i), p, err) < 0)
			return berth_error_ret(err);
	}
	return cgroup_rules(hc, o.rules, err);
}
