/* SPDX-License-Identifier: Apache-2.0 */
/* After the flags of run/create: the parts Docker combines, and its checks across flags. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/parse-flags.h"
#include "run-flags-internal.h"
#include "util/cleanup.h"
#include "util/json.h"

#define MIN_MEMORY (6 * 1024 * 1024)

static int64_t hc_int(json_object *hc, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(hc, key, &v) ? json_object_get_int64(v) : 0;
}

static const char *hc_str(json_object *hc, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(hc, key, &v) ? json_object_get_string(v) : NULL;
}

static int set_bool(json_object *obj, const char *key, bool b)
{
	json_object_object_add(obj, key, json_object_new_boolean(b));
	return 0;
}

static int image_and_cmd(struct run_state *st, int argc, char **argv, int first,
			 struct berth_error **err)
{
	if (first >= argc)
		return berth_error_set(err, EINVAL, "\"berth %s\" requires at least 1 argument",
				       st->is_run ? "run" : "create");
	st->o->image = argv[first];
	json_object_object_add(st->body, "Image", json_object_new_string(argv[first]));
	if (first + 1 < argc) {
		json_object *cmd = json_object_new_array();

		for (int i = first + 1; i < argc; i++)
			json_object_array_add(cmd, json_object_new_string(argv[i]));
		json_object_object_add(st->body, "Cmd", cmd);
	}
	return 0;
}

/* --env-file lines first, then -e, as Docker orders them. */
static int env(struct run_state *st, struct berth_error **err)
{
	json_object *arr = json_object_new_array();

	json_object_object_add(st->body, "Env", arr);
	for (size_t i = 0; st->env_files && st->env_files[i]; i++) {
		cleanup_strv char **lines = NULL;

		if (berth_flag_read_kv_file(st->env_files[i], 1, &lines, err) < 0)
			return berth_error_prefix(err, "--env-file");
		for (size_t k = 0; lines[k]; k++)
			json_object_array_add(arr, json_object_new_string(lines[k]));
	}
	for (size_t i = 0; st->env && st->env[i]; i++) {
		cleanup_free char *kv = NULL;

		if (berth_flag_env(st->env[i], &kv, err) < 0)
			return berth_error_prefix(
			    err, "invalid argument \"%s\" for \"-e, --env\" flag", st->env[i]);
		if (kv != NULL)
			json_object_array_add(arr, json_object_new_string(kv));
	}
	if (json_object_array_length(arr) == 0)
		json_object_object_del(st->body, "Env");
	return 0;
}

static int labels(struct run_state *st, struct berth_error **err)
{
	json_object *map;

	if (st->labels == NULL && st->label_files == NULL)
		return 0;
	map = json_object_new_object();
	json_object_object_add(st->body, "Labels", map);
	for (size_t i = 0; st->label_files && st->label_files[i]; i++) {
		cleanup_strv char **lines = NULL;

		if (berth_flag_read_kv_file(st->label_files[i], 0, &lines, err) < 0)
			return berth_error_prefix(err, "--label-file");
		for (size_t k = 0; lines[k]; k++)
			if (berth_flag_label(lines[k], map, err) < 0)
				return berth_error_prefix(err, "--label-file %s",
							  st->label_files[i]);
	}
	for (size_t i = 0; st->labels && st->labels[i]; i++)
		if (berth_flag_label(st->labels[i], map, err) < 0)
			return berth_error_prefix(
			    err, "invalid argument \"%s\" for \"-l, --label\" flag", st->labels[i]);
	return 0;
}

static int caps(struct run_state *st, struct berth_error **err)
{
	json_object *add = NULL, *drop = NULL;

	if (st->cap_add == NULL && st->cap_drop == NULL)
		return 0;
	if (berth_flag_caps(st->cap_add, st->cap_drop, &add, &drop, err) < 0)
		return -EINVAL;
	json_object_object_add(st->hc, "CapAdd", add);
	json_object_object_add(st->hc, "CapDrop", drop);
	return 0;
}

/* Docker's attach rules: stdout and stderr unless -a says otherwise, stdin with -i. */
static int attach(struct run_state *st, struct berth_error **err)
{
	struct cli_run_opts *o = st->o;
	bool in = st->attach_in || o->interactive;
	bool out = st->attach_set ? st->attach_out : true;
	bool errs = st->attach_set ? st->attach_err : true;

	if (o->detach && st->attach_set)
		return berth_error_set(err, EINVAL, "Conflicting options: -a and -d");
	if (o->detach)
		in = out = errs = false;
	set_bool(st->body, "Tty", o->tty);
	set_bool(st->body, "OpenStdin", o->interactive);
	set_bool(st->body, "StdinOnce", o->interactive && in);
	set_bool(st->body, "AttachStdin", in);
	set_bool(st->body, "AttachStdout", out);
	set_bool(st->body, "AttachStderr", errs);
	return 0;
}

static int memory(json_object *hc, struct berth_error **err)
{
	int64_t mem = hc_int(hc, "Memory"), swap = hc_int(hc, "MemorySwap");
	int64_t res = hc_int(hc, "MemoryReservation");

	if (mem > 0 && mem < MIN_MEMORY)
		return berth_error_set(err, EINVAL, "Minimum memory limit allowed is 6MB");
	if (res > 0 && res < MIN_MEMORY)
		return berth_error_set(err, EINVAL, "Minimum memory reservation allowed is 6MB");
	if (swap > 0 && mem == 0)
		return berth_error_set(err, EINVAL,
				       "You should always set the Memory limit when "
				       "using Memoryswap limit, see usage");
	if (swap > 0 && swap < mem)
		return berth_error_set(err, EINVAL,
				       "Minimum memoryswap limit should be larger than "
				       "memory limit, see usage");
	if (mem > 0 && res > 0 && mem < res)
		return berth_error_set(err, EINVAL,
				       "Minimum memory limit can not be less than memory "
				       "reservation limit, see usage");
	return 0;
}

static int cpus(json_object *hc, struct berth_error **err)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int64_t nano = hc_int(hc, "NanoCpus");

	if (nano != 0 && (hc_int(hc, "CpuPeriod") != 0 || hc_int(hc, "CpuQuota") != 0))
		return berth_error_set(err, EINVAL,
				       "Conflicting options: Nano CPUs and CPU Period "
				       "cannot both be set");
	return berth_flag_check_nano_cpus(nano, ncpu > 0 ? ncpu : 1, err);
}

static int conflicts(struct run_state *st, struct berth_error **err)
{
	json_object *rp, *lc, *name;
	const char *net = hc_str(st->hc, "NetworkMode");

	set_bool(st->hc, "AutoRemove", st->auto_remove);
	if (st->auto_remove && json_object_object_get_ex(st->hc, "RestartPolicy", &rp) &&
	    json_object_object_get_ex(rp, "Name", &name) &&
	    strcmp(json_object_get_string(name), "no") != 0)
		return berth_error_set(err, EINVAL, "Conflicting options: --restart and --rm");
	if (st->log_opts && json_object_object_get_ex(st->hc, "LogConfig", &lc) &&
	    strcmp(hc_str(lc, "Type"), "none") == 0)
		return berth_error_set(err, EINVAL, "invalid logging opts for driver none");
	if (net != NULL && strncmp(net, "container:", 10) == 0 &&
	    json_object_object_get_ex(st->body, "Hostname", NULL))
		return berth_error_set(err, EINVAL,
				       "conflicting options: hostname and the network mode");
	if (st->o->cidfile != NULL && access(st->o->cidfile, F_OK) == 0)
		return berth_error_set(err, EEXIST,
				       "container ID file found, make sure the other container "
				       "isn't running or delete %s",
				       st->o->cidfile);
	return 0;
}

int run_finish(struct run_state *st, int argc, char **argv, int first, struct berth_error **err)
{
	if (image_and_cmd(st, argc, argv, first, err) < 0 || env(st, err) < 0 ||
	    labels(st, err) < 0 || caps(st, err) < 0 || attach(st, err) < 0 ||
	    memory(st->hc, err) < 0 || cpus(st->hc, err) < 0 || conflicts(st, err) < 0)
		return -EINVAL;
	return 0;
}
