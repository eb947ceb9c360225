/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec-build.h"
#include "image/runconfig.h"
#include "util/cleanup.h"
#include "util/json.h"

/*
 * The process part: Cmd, Entrypoint, Env, User, WorkingDir, Hostname, Tty
 * and OpenStdin, merged with the image config by Docker's rules
 * (image/runconfig.h).  The merged values are written back into the body,
 * as Docker's inspect shows them.
 */

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static int body_strv(json_object *body, const char *key, char ***out, bool *present,
		     struct berth_error **err)
{
	json_object *v;
	int ret;

	*present = json_object_object_get_ex(body, key, &v) && v != NULL;
	if (!*present)
		return 0;
	if (json_object_is_type(v, json_type_string)) { /* the API allows "Cmd": "x" */
		*out = calloc(2, sizeof(char *));
		if (*out == NULL || ((*out)[0] = strdup(json_object_get_string(v))) == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		return 0;
	}
	ret = berth_json_strv(body, "", key, out, err);
	return ret < 0 ? ret : 0;
}

static int body_str(json_object *body, const char *key, const char **out, struct berth_error **err)
{
	int ret = berth_json_string(body, "", key, out, err);

	if (ret == 1 && (*out)[0] == '\0')
		*out = NULL;
	return ret < 0 ? ret : 0;
}

static void set_process(json_object *proc, const struct berth_runconfig *rc, bool tty)
{
	json_object *user = json_object_new_object();
	json_object *gids = json_object_new_array();

	json_object_object_add(proc, "args", strv_json(rc->args));
	json_object_object_add(proc, "env", strv_json(rc->env));
	json_object_object_add(proc, "cwd", json_object_new_string(rc->cwd));
	json_object_object_add(proc, "terminal", json_object_new_boolean(tty));
	json_object_object_add(user, "uid", json_object_new_int64(rc->uid));
	json_object_object_add(user, "gid", json_object_new_int64(rc->gid));
	for (size_t i = 0; i < rc->n_additional_gids; i++)
		json_object_array_add(gids, json_object_new_int64(rc->additional_gids[i]));
	if (rc->n_additional_gids)
		json_object_object_add(user, "additionalGids", gids);
	else
		json_object_put(gids);
	json_object_object_add(proc, "user", user);
}

/* Merged values back into the body (Docker's inspect shows them). */
static void write_back(json_object *body, const struct berth_runconfig *rc, const char *hostname,
		       json_object *image_config)
{
	json_object *v;

	json_object_object_add(body, "Env", strv_json(rc->env));
	json_object_object_add(body, "Hostname", json_object_new_string(hostname));
	if (!json_object_object_get_ex(body, "WorkingDir", &v) || v == NULL)
		json_object_object_add(body, "WorkingDir", json_object_new_string(rc->cwd));
	if (image_config == NULL)
		return;
	if ((!json_object_object_get_ex(body, "Cmd", &v) || v == NULL) &&
	    (!json_object_object_get_ex(body, "Entrypoint", &v) || v == NULL) &&
	    json_object_object_get_ex(image_config, "Cmd", &v))
		json_object_object_add(body, "Cmd", json_object_get(v));
	if ((!json_object_object_get_ex(body, "Entrypoint", &v) || v == NULL) &&
	    json_object_object_get_ex(image_config, "Entrypoint", &v))
		json_object_object_add(body, "Entrypoint", json_object_get(v));
	if ((!json_object_object_get_ex(body, "User", &v) || v == NULL) &&
	    json_object_object_get_ex(image_config, "User", &v))
		json_object_object_add(body, "User", json_object_get(v));
	if ((!json_object_object_get_ex(body, "StopSignal", &v) || v == NULL) && rc->stop_signal)
		json_object_object_add(body, "StopSignal", json_object_new_string(rc->stop_signal));
}

int berth_spec_apply_process(struct berth_spec_ctx *ctx, json_object *spec,
			     struct berth_error **err)
{
	json_object *body = ctx->create, *proc;
	cleanup_strv char **cmd = NULL;
	cleanup_strv char **ep = NULL;
	cleanup_strv char **env = NULL;
	struct berth_run_opts o = { 0 };
	struct berth_runconfig *rc = NULL;
	char hostname[13];
	bool has_cmd, has_env;
	bool tty = false;
	const char *h = NULL;

	if (body_strv(body, "Cmd", &cmd, &has_cmd, err) < 0 ||
	    body_strv(body, "Entrypoint", &ep, &o.has_entrypoint, err) < 0 ||
	    body_strv(body, "Env", &env, &has_env, err) < 0 ||
	    body_str(body, "User", &o.user, err) < 0 ||
	    body_str(body, "WorkingDir", &o.workdir, err) < 0 ||
	    body_str(body, "Hostname", &h, err) < 0 ||
	    berth_json_bool(body, "", "Tty", &tty, err) < 0)
		return berth_error_ret(err);
	if (o.workdir && o.workdir[0] != '/')
		return berth_error_set(err, EINVAL,
				       "the working directory '%s' is invalid, it needs to be an "
				       "absolute path",
				       o.workdir);
	snprintf(hostname, sizeof(hostname), "%s", ctx->id);
	o.hostname = h ? h : hostname;
	o.args = cmd;
	o.entrypoint = ep;
	o.env = env;
	if (berth_runconfig_build(ctx->image_config, &o, ctx->rootfs_fd, &rc, err) < 0)
		return berth_error_ret(err);
	if (!json_object_object_get_ex(spec, "process", &proc)) {
		proc = json_object_new_object();
		json_object_object_add(spec, "process", proc);
	}
	set_process(proc, rc, tty);
	json_object_object_add(spec, "hostname", json_object_new_string(o.hostname));
	write_back(body, rc, o.hostname, ctx->image_config);
	berth_runconfig_free(rc);
	return 0;
}
