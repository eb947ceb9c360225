/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security part of the spec builder: capabilities, privileged mode,
 * SecurityOpt (no-new-privileges, seccomp, AppArmor, SELinux labels),
 * namespaces, devices, sysctls, the OOM score and --init.  The spec it edits
 * starts as berth's secure default (oci/spec-default.c); every field here
 * only ever loosens it on an explicit request.  docs/security-defaults.md
 * says what the defaults are and why.
 */
#include <errno.h>
#include <string.h>

#include "engine/spec-build.h"
#include "engine/spec-security-int.h"
#include "util/json.h"

json_object *berth_sec_arr(json_object *parent, const char *key)
{
	return berth_spec_member(parent, key, json_type_array);
}

int berth_sec_str(json_object *hc, const char *key, const char **out, struct berth_error **err)
{
	const char *s = "";
	int ret = berth_json_string(hc, "HostConfig", key, &s, err);

	if (ret < 0)
		return ret;
	*out = s;
	return 0;
}

/* HostConfig.OomScoreAdj → process.oomScoreAdj. */
static int oom_score(json_object *hc, json_object *spec, struct berth_error **err)
{
	int64_t v = 0;
	int ret = berth_json_int(hc, "HostConfig", "OomScoreAdj", -1000, 1000, &v, err);

	if (ret < 0)
		return berth_error_prefix(err, "--oom-score-adj: must be between -1000 and 1000");
	if (ret > 0)
		json_object_object_add(berth_spec_child(spec, "process"), "oomScoreAdj",
				       json_object_new_int((int)v));
	return 0;
}

/* Remove "ro" from the options of the mount at @dst. */
static void mount_rw(json_object *spec, const char *dst)
{
	json_object *mounts = NULL, *opts = NULL, *d = NULL;

	if (!json_object_object_get_ex(spec, "mounts", &mounts) ||
	    !json_object_is_type(mounts, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		json_object *m = json_object_array_get_idx(mounts, i);

		if (!json_object_object_get_ex(m, "destination", &d) ||
		    strcmp(json_object_get_string(d), dst) != 0 ||
		    !json_object_object_get_ex(m, "options", &opts) ||
		    !json_object_is_type(opts, json_type_array))
			continue;
		for (size_t j = json_object_array_length(opts); j > 0; j--)
			if (strcmp(json_object_get_string(json_object_array_get_idx(opts, j - 1)),
				   "ro") == 0)
				json_object_array_del_idx(opts, j - 1, 1);
	}
}

/*
 * Privileged: the /proc and /sys paths berth masks or makes read-only are
 * left as the host has them, and sysfs and the cgroup fs are writable, as
 * Docker does.  systempaths=unconfined clears only the path lists.
 */
static void unconfine_paths(json_object *spec, bool privileged)
{
	json_object *linux_obj = berth_spec_child(spec, "linux");

	json_object_object_del(linux_obj, "maskedPaths");
	json_object_object_del(linux_obj, "readonlyPaths");
	if (!privileged)
		return;
	mount_rw(spec, "/sys");
	mount_rw(spec, "/sys/fs/cgroup");
}

static json_object *host_config(struct berth_spec_ctx *ctx, struct berth_error **err)
{
	json_object *hc = NULL;
	int ret = berth_json_object(ctx->create, "", "HostConfig", &hc, err);

	if (ret < 0)
		return NULL;
	return hc != NULL ? json_object_get(hc) : json_object_new_object();
}

static int apply(struct berth_spec_ctx *ctx, json_object *hc, json_object *spec,
		 struct berth_error **err)
{
	struct berth_secopts opts = { 0 };
	bool privileged = false;
	uint64_t caps = 0;

	if (berth_json_bool(hc, "HostConfig", "Privileged", &privileged, err) < 0)
		return berth_error_ret(err);
	if (privileged && ctx->userns != NULL && ctx->userns->enabled)
		return berth_error_set(err, EINVAL, "--privileged requires --userns=host");
	if (berth_sec_opts_parse(hc, &opts, err) < 0 ||
	    berth_sec_caps(hc, privileged, &caps, err) < 0 ||
	    berth_sec_caps_apply(spec, caps, err) < 0 ||
	    berth_sec_namespaces(ctx, hc, spec, err) < 0 ||
	    berth_sec_devices(hc, privileged, spec, err) < 0 ||
	    berth_sec_sysctls(hc, spec, err) < 0 || oom_score(hc, spec, err) < 0 ||
	    berth_sec_opts_apply(ctx, &opts, privileged, caps, spec, err) < 0 ||
	    berth_sec_init(hc, spec, err) < 0)
		return berth_error_ret(err);
	if (privileged || opts.systempaths_unconfined)
		unconfine_paths(spec, privileged);
	return 0;
}

int berth_spec_apply_security(struct berth_spec_ctx *ctx, json_object *spec,
			      struct berth_error **err)
{
	json_object *hc = host_config(ctx, err);
	int ret;

	if (hc == NULL)
		return *err != NULL ? berth_error_ret(err)
				    : berth_error_set(err, ENOMEM, "out of memory");
	ret = apply(ctx, hc, spec, err);
	json_object_put(hc);
	return ret;
}
