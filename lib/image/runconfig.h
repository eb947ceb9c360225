/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_RUNCONFIG_H
#define BERTH_IMAGE_RUNCONFIG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/*
 * Image config + run options → what the container runs, with Docker's rules:
 * - arguments after the image replace Cmd;
 * - --entrypoint replaces Entrypoint and clears Cmd (arguments still apply);
 *   an empty --entrypoint clears Entrypoint;
 * - the process is Entrypoint + Cmd; nothing at all is an error;
 * - Env: the image's, then -e overrides by key; PATH defaults when absent,
 *   HOSTNAME is set to the hostname;
 * - WorkingDir: -w, else the image's, else "/";
 * - User (-u, else the image's): name, uid, uid:gid, name:group, uid:group,
 *   name:gid, resolved in the image's own /etc/passwd and /etc/group (an
 *   unknown name fails with "unable to find user NAME"); supplementary groups
 *   are those of /etc/group that list the user.
 * ExposedPorts, Volumes, Labels and StopSignal are kept for the engine.
 */

struct berth_run_opts {
	char **args;	     /* after the image name; NULL or empty: none */
	bool has_entrypoint; /* --entrypoint given */
	char **entrypoint;   /* its words ("" → empty vector) */
	char **env;	     /* -e KEY=VALUE in order */
	const char *user;    /* -u, or NULL */
	const char *workdir; /* -w, or NULL */
	const char *hostname;
};

struct berth_runconfig {
	char **args;
	char **env;
	char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	char *stop_signal;	    /* NULL when the image has none */
	json_object *exposed_ports; /* owned references, NULL when absent */
	json_object *volumes;
	json_object *labels;
};

/*
 * Build the run configuration.  @image_config is the "config" object of an
 * image config (NULL for none); @rootfd is the image's root directory, where
 * /etc/passwd and /etc/group are read (never through a link leaving it).
 * The caller frees with berth_runconfig_free().
 */
int berth_runconfig_build(json_object *image_config, const struct berth_run_opts *o, int rootfd,
			  struct berth_runconfig **out, struct berth_error **err);

void berth_runconfig_free(struct berth_runconfig *rc);

/*
 * Resolve a user spec ("name", "uid", "uid:gid", "name:group", ...) in the
 * passwd and group files under @rootfd.
 */
int berth_user_resolve(int rootfd, const char *spec, uid_t *uid, gid_t *gid, gid_t **gids,
		       size_t *n_gids, struct berth_error **err);

#endif
