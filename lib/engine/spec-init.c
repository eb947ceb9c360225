/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --init (HostConfig.Init): berth-init (cmd/berth-init) runs as PID 1, reaps
 * every zombie and forwards signals to the command.  The binary is bound
 * read-only at /sbin/berth-init from next to the running executable (or
 * $BERTH_INIT), so images need not ship an init.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/spec-security-int.h"
#include "util/cleanup.h"
#include "util/json.h"

#define INIT_DEST "/sbin/berth-init"

/* $BERTH_INIT, else berth-init in the directory of /proc/self/exe; the caller frees. */
static char *init_path(void)
{
	const char *env = getenv("BERTH_INIT");
	char exe[PATH_MAX];
	char *out = NULL;
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return strdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (asprintf(&out, "%s/berth-init", dirname(exe)) < 0)
		return NULL;
	return out;
}

static void add_mount(json_object *spec, const char *src)
{
	static const char *const opts[] = { "bind", "ro", "nosuid", "nodev" };
	json_object *m = json_object_new_object(), *o = json_object_new_array();

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(opts); i++)
		json_object_array_add(o, json_object_new_string(opts[i]));
	json_object_object_add(m, "destination", json_object_new_string(INIT_DEST));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", o);
	json_object_array_add(berth_sec_arr(spec, "mounts"), m);
}

/* process.args = [INIT_DEST, "--", args...]. */
static void prefix_args(json_object *spec)
{
	json_object *process = berth_spec_child(spec, "process");
	json_object *old = json_object_object_get(process, "args");
	json_object *args = json_object_new_array();

	json_object_array_add(args, json_object_new_string(INIT_DEST));
	json_object_array_add(args, json_object_new_string("--"));
	for (size_t i = 0; old != NULL && i < json_object_array_length(old); i++)
		json_object_array_add(args, json_object_get(json_object_array_get_idx(old, i)));
	json_object_object_add(process, "args", args);
}

int berth_sec_init(json_object *hc, json_object *spec, struct berth_error **err)
{
	cleanup_free char *path = NULL;
	bool init = false;
	struct stat st;

	if (berth_json_bool(hc, "HostConfig", "Init", &init, err) < 0)
		return berth_error_ret(err);
	if (!init)
		return 0;
	if ((path = init_path()) == NULL)
		return berth_error_set(err, ENOMEM, "--init: cannot find berth-init");
	if (stat(path, &st) < 0)
		return berth_error_errno(err, "--init: '%s'", path);
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return berth_error_set(err, EINVAL, "--init: '%s' is not an executable file", path);
	add_mount(spec, path);
	prefix_args(spec);
	return 0;
}
