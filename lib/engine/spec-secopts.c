/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HostConfig.SecurityOpt: no-new-privileges, seccomp, apparmor, label and
 * systempaths, in Docker's "key=value" form (the old "key:value" accepted).
 * Anything else is refused by name: a security option silently ignored would
 * leave the user believing in a protection that is not there.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "engine/spec-security-int.h"
#include "oci/seccomp-default.h"
#include "runtime/lsm.h"
#include "util/cleanup.h"
#include "util/json.h"

static int bool_value(const char *opt, const char *v, bool *out, struct berth_error **err)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
		*out = false;
		return 0;
	}
	return berth_error_set(err, EINVAL, "--security-opt %s: expected true or false", opt);
}

static bool selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

static int label_opt(const char *opt, const char *v, struct berth_error **err)
{
	if (strcmp(v, "disable") == 0)
		return 0; /* berth does not label containers: nothing to disable */
	if (!selinux_enabled())
		return berth_error_set(
		    err, EINVAL, "--security-opt %s: SELinux is not enabled on this host", opt);
	return berth_error_set(err, ENOTSUP,
			       "--security-opt %s: SELinux labels are not supported yet", opt);
}

static int one_opt(const char *opt, struct berth_secopts *o, struct berth_error **err)
{
	const char *eq = strchr(opt, '=');
	char key[32];
	const char *v;

	if (strcmp(opt, "no-new-privileges") == 0) {
		o->no_new_privs = true;
		return 0;
	}
	if (eq == NULL)
		eq = strchr(opt, ':'); /* the deprecated "key:value" form */
	if (eq == NULL || (size_t)(eq - opt) >= sizeof(key))
		return berth_error_set(err, EINVAL, "--security-opt \"%s\": unknown option", opt);
	memcpy(key, opt, (size_t)(eq - opt));
	key[eq - opt] = '\0';
	v = eq + 1;
	if (strcmp(key, "no-new-privileges") == 0)
		return bool_value(opt, v, &o->no_new_privs, err);
	if (strcmp(key, "seccomp") == 0) {
		if (*v == '\0')
			return berth_error_set(err, EINVAL, "--security-opt seccomp: empty value");
		o->seccomp_unconfined = strcmp(v, "unconfined") == 0;
		o->seccomp = o->seccomp_unconfined ? NULL : v;
		return 0;
	}
	if (strcmp(key, "apparmor") == 0) {
		if (*v == '\0')
			return berth_error_set(err, EINVAL, "--security-opt apparmor: empty value");
		o->apparmor = v;
		return 0;
	}
	if (strcmp(key, "label") == 0)
		return label_opt(opt, v, err);
	if (strcmp(key, "systempaths") == 0 && strcmp(v, "unconfined") == 0) {
		o->systempaths_unconfined = true;
		return 0;
	}
	return berth_error_set(err, EINVAL, "--security-opt \"%s\": unknown option", opt);
}

int berth_sec_opts_parse(json_object *hc, struct berth_secopts *o, struct berth_error **err)
{
	json_object *arr = NULL;
	int ret;

	*o = (struct berth_secopts){ .no_new_privs = true };
	ret = berth_json_array(hc, "HostConfig", "SecurityOpt", &arr, err);
	if (ret <= 0)
		return ret;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		cleanup_free char *p = berth_json_index("HostConfig.SecurityOpt", i);
		const char *s = NULL;

		if (berth_json_as_string(json_object_array_get_idx(arr, i), p, &s, err) < 0 ||
		    one_opt(s, o, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

static int apparmor(const struct berth_secopts *o, bool privileged, json_object *process,
		    struct berth_error **err)
{
	bool enabled = berth_lsm_apparmor_enabled();

	if (o->apparmor != NULL && strcmp(o->apparmor, "unconfined") != 0 && !enabled)
		return berth_error_set(
		    err, EINVAL,
		    "--security-opt apparmor=%s: AppArmor is not enabled on this "
		    "host",
		    o->apparmor);
	if (!enabled)
		return 0;
	if (o->apparmor != NULL)
		json_object_object_add(process, "apparmorProfile",
				       json_object_new_string(o->apparmor));
	else if (privileged)
		json_object_object_add(process, "apparmorProfile",
				       json_object_new_string("unconfined"));
	return 0;
}

/* linux.seccomp: none, the given profile, the engine's configured one, or berth's default. */
static int seccomp(struct berth_spec_ctx *ctx, const struct berth_secopts *o, bool privileged,
		   uint64_t caps, json_object *linux_obj, struct berth_error **err)
{
	const char *conf = ctx->engine != NULL ? ctx->engine->conf.seccomp_profile : NULL;
	json_object *profile = NULL;

	json_object_object_del(linux_obj, "seccomp");
	if (o->seccomp_unconfined || (privileged && o->seccomp == NULL))
		return 0;
	if (o->seccomp != NULL) {
		if (berth_seccomp_docker_load(o->seccomp, caps, &profile, err) < 0)
			return berth_error_prefix(err, "--security-opt seccomp");
	} else if (conf != NULL && conf[0] != '\0') {
		if (berth_seccomp_docker_load(conf, caps, &profile, err) < 0)
			return berth_error_prefix(err, "%s: seccomp_profile",
						  ctx->engine->conf_path ? ctx->engine->conf_path
									 : "berth.conf");
	} else if ((profile = berth_seccomp_default_profile_caps(caps)) == NULL) {
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	json_object_object_add(linux_obj, "seccomp", profile);
	return 0;
}

int berth_sec_opts_apply(struct berth_spec_ctx *ctx, const struct berth_secopts *o, bool privileged,
			 uint64_t caps, json_object *spec, struct berth_error **err)
{
	json_object *process = berth_spec_child(spec, "process");

	json_object_object_add(process, "noNewPrivileges",
			       json_object_new_boolean(o->no_new_privs));
	if (apparmor(o, privileged, process, err) < 0)
		return berth_error_ret(err);
	return seccomp(ctx, o, privileged, caps, berth_spec_child(spec, "linux"), err);
}
