/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "image/runconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/json.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int strv_append(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));

	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (nv[*n] == NULL)
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

static int append_all(char ***v, size_t *n, char *const *src)
{
	for (size_t i = 0; src != NULL && src[i] != NULL; i++)
		if (strv_append(v, n, src[i]) < 0)
			return -ENOMEM;
	return 0;
}

/* Entrypoint + Cmd with Docker's override rules. */
static int build_args(json_object *cfg, const struct berth_run_opts *o, struct berth_runconfig *rc,
		      struct berth_error **err)
{
	cleanup_strv char **entry = NULL;
	cleanup_strv char **cmd = NULL;
	bool user_args = o->args != NULL && o->args[0] != NULL;
	size_t n = 0;
	int ret;

	if ((ret = berth_json_strv(cfg, "config", "Entrypoint", &entry, err)) < 0 ||
	    (ret = berth_json_strv(cfg, "config", "Cmd", &cmd, err)) < 0)
		return ret;
	if (append_all(&rc->args, &n, o->has_entrypoint ? o->entrypoint : entry) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	/* Arguments replace Cmd; a new entrypoint drops the image's Cmd. */
	if (append_all(&rc->args, &n, user_args ? o->args : (o->has_entrypoint ? NULL : cmd)) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (n == 0)
		return berth_error_set(err, EINVAL,
				       "no command specified: the image has no "
				       "Entrypoint or Cmd and none was given");
	return 0;
}

/* Index of KEY= in @v, or -1. */
static long env_find(char *const *v, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (strncmp(v[i], kv, klen) == 0 && v[i][klen] == '=')
			return (long)i;
	return -1;
}

static int env_set(char ***v, size_t *n, const char *kv)
{
	long i = env_find(*v, kv);
	char *dup;

	if (i < 0)
		return strv_append(v, n, kv);
	dup = strdup(kv);
	if (dup == NULL)
		return -ENOMEM;
	free((*v)[i]);
	(*v)[i] = dup;
	return 0;
}

static int build_env(json_object *cfg, const struct berth_run_opts *o, struct berth_runconfig *rc,
		     struct berth_error **err)
{
	cleanup_strv char **image_env = NULL;
	size_t n = 0;
	int ret;

	if ((ret = berth_json_strv(cfg, "config", "Env", &image_env, err)) < 0)
		return ret;
	for (size_t i = 0; image_env != NULL && image_env[i] != NULL; i++)
		if (strchr(image_env[i], '=') == NULL)
			return berth_error_set(err, EINVAL,
					       "config.Env[%zu]: \"%s\" is not KEY=VALUE", i,
					       image_env[i]);
	if (append_all(&rc->env, &n, image_env) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (env_find(rc->env, "PATH=") < 0 && strv_append(&rc->env, &n, DEFAULT_PATH) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (o->hostname != NULL) {
		cleanup_free char *h = NULL;

		if (asprintf(&h, "HOSTNAME=%s", o->hostname) < 0 || env_set(&rc->env, &n, h) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; o->env != NULL && o->env[i] != NULL; i++) {
		if (strchr(o->env[i], '=') == NULL)
			return berth_error_set(err, EINVAL, "-e \"%s\": expected KEY=VALUE",
					       o->env[i]);
		if (env_set(&rc->env, &n, o->env[i]) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	if (rc->env == NULL && strv_append(&rc->env, &n, DEFAULT_PATH) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int build_cwd_user(json_object *cfg, const struct berth_run_opts *o, int rootfd,
			  struct berth_runconfig *rc, struct berth_error **err)
{
	const char *wd = NULL, *user = NULL;
	int ret;

	if ((ret = berth_json_string(cfg, "config", "WorkingDir", &wd, err)) < 0 ||
	    (ret = berth_json_string(cfg, "config", "User", &user, err)) < 0)
		return ret;
	if (o->workdir != NULL)
		wd = o->workdir;
	if (wd != NULL && *wd != '\0' && wd[0] != '/')
		return berth_error_set(err, EINVAL, "working directory \"%s\" is not absolute", wd);
	rc->cwd = strdup(wd && *wd ? wd : "/");
	if (o->user != NULL)
		user = o->user;
	return berth_user_resolve(rootfd, user, &rc->uid, &rc->gid, &rc->additional_gids,
				  &rc->n_additional_gids, err);
}

static json_object *keep(json_object *cfg, const char *key)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(cfg, key, &v) && v != NULL &&
	    json_object_is_type(v, json_type_object))
		return json_object_get(v);
	return NULL;
}

int berth_runconfig_build(json_object *image_config, const struct berth_run_opts *o, int rootfd,
			  struct berth_runconfig **out, struct berth_error **err)
{
	struct berth_runconfig *rc = calloc(1, sizeof(*rc));
	const char *sig = NULL;
	int ret;

	if (rc == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if ((ret = build_args(image_config, o, rc, err)) < 0 ||
	    (ret = build_env(image_config, o, rc, err)) < 0 ||
	    (ret = build_cwd_user(image_config, o, rootfd, rc, err)) < 0 ||
	    (ret = berth_json_string(image_config, "config", "StopSignal", &sig, err)) < 0) {
		berth_runconfig_free(rc);
		return ret;
	}
	rc->stop_signal = sig ? strdup(sig) : NULL;
	rc->exposed_ports = keep(image_config, "ExposedPorts");
	rc->volumes = keep(image_config, "Volumes");
	rc->labels = keep(image_config, "Labels");
	*out = rc;
	return 0;
}

void berth_runconfig_free(struct berth_runconfig *rc)
{
	if (rc == NULL)
		return;
	berth_strv_free(rc->args);
	berth_strv_free(rc->env);
	free(rc->cwd);
	free(rc->additional_gids);
	free(rc->stop_signal);
	json_object_put(rc->exposed_ports);
	json_object_put(rc->volumes);
	json_object_put(rc->labels);
	free(rc);
}
