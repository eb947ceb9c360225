/* SPDX-License-Identifier: Apache-2.0 */
/* The flags of run/create and the handlers that put each value into the create body. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/parse-flags.h"
#include "run-flags-internal.h"
#include "runtime/container.h"
#include "util/cleanup.h"

static int set(json_object *obj, const char *key, json_object *v)
{
	json_object_object_add(obj, key, v);
	return 0;
}

/* The array or object @key of @obj, created on first use. */
static json_object *field(json_object *obj, const char *key, bool array)
{
	json_object *v;

	if (json_object_object_get_ex(obj, key, &v))
		return v;
	v = array ? json_object_new_array() : json_object_new_object();
	json_object_object_add(obj, key, v);
	return v;
}

/* A boolean flag: "--rm" alone is true, "--rm=false" is false. */
static int flag_bool(const char *val, bool *out, struct berth_error **err)
{
	int b = 1;

	if (val != NULL && berth_flag_bool(val, &b, err) < 0)
		return -EINVAL;
	*out = b;
	return 0;
}

static int h_str_body(struct run_state *st, const struct run_flag *f, const char *val,
		      struct berth_error **err)
{
	return set(st->body, f->key, json_object_new_string(val));
}

static int h_bool_hc(struct run_state *st, const struct run_flag *f, const char *val,
		     struct berth_error **err)
{
	bool b;

	if (flag_bool(val, &b, err) < 0)
		return -EINVAL;
	return set(st->hc, f->key, json_object_new_boolean(b));
}

static int h_int_hc(struct run_state *st, const struct run_flag *f, const char *val,
		    struct berth_error **err)
{
	int64_t v;

	if (berth_flag_int(val, INT64_MIN, INT64_MAX, &v, err) < 0)
		return -EINVAL;
	return set(st->hc, f->key, json_object_new_int64(v));
}

/* --memory, --memory-reservation, --shm-size; --memory-swap also takes -1. */
static int h_size_hc(struct run_state *st, const struct run_flag *f, const char *val,
		     struct berth_error **err)
{
	int64_t v = -1;

	if ((strcmp(f->key, "MemorySwap") != 0 || strcmp(val, "-1") != 0) &&
	    berth_flag_ram_bytes(val, &v, err) < 0)
		return -EINVAL;
	return set(st->hc, f->key, json_object_new_int64(v));
}

static int h_strarr_hc(struct run_state *st, const struct run_flag *f, const char *val,
		       struct berth_error **err)
{
	json_object_array_add(field(st->hc, f->key, true), json_object_new_string(val));
	return 0;
}

static int h_entrypoint(struct run_state *st, const struct run_flag *f, const char *val,
			struct berth_error **err)
{
	json_object *arr = json_object_new_array();

	/* --entrypoint "" clears the image's entrypoint. */
	if (*val != '\0')
		json_object_array_add(arr, json_object_new_string(val));
	return set(st->body, "Entrypoint", arr);
}

static int h_list(struct run_state *st, const struct run_flag *f, const char *val,
		  struct berth_error **err)
{
	char ***lists[] = { &st->env,	      &st->env_files, &st->labels,
			    &st->label_files, &st->cap_add,   &st->cap_drop };
	static const char *const names[] = { "env",	   "env-file", "label",
					     "label-file", "cap-add",  "cap-drop" };

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(names); i++)
		if (strcmp(f->name, names[i]) == 0)
			return run_strv_add(lists[i], val, err);
	return berth_error_set(err, EINVAL, "no list for --%s", f->name);
}

static int h_workdir(struct run_state *st, const struct run_flag *f, const char *val,
		     struct berth_error **err)
{
	if (val[0] != '/')
		return berth_error_set(err, EINVAL,
				       "the working directory '%s' is invalid, it needs to be an "
				       "absolute path",
				       val);
	return set(st->body, "WorkingDir", json_object_new_string(val));
}

/* RFC 1123 labels of at most 63 characters, 255 in all. */
static int h_hostname(struct run_state *st, const struct run_flag *f, const char *val,
		      struct berth_error **err)
{
	size_t len = strlen(val), label = 0;

	for (size_t i = 0; i <= len && len <= 255; i++) {
		char c = val[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || val[i - 1] == '-')
				goto bad;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			label++;
		} else {
			goto bad;
		}
	}
	if (len <= 255)
		return set(st->body, f->key, json_object_new_string(val));
bad:
	return berth_error_set(err, EINVAL, "invalid hostname format: %s", val);
}

static int h_tty_stdin(struct run_state *st, const struct run_flag *f, const char *val,
		       struct berth_error **err)
{
	bool b;

	if (flag_bool(val, &b, err) < 0)
		return -EINVAL;
	if (f->shortc == 't')
		st->o->tty = b;
	else if (f->shortc == 'i')
		st->o->interactive = b;
	else if (f->shortc == 'd')
		st->o->detach = b;
	else if (strcmp(f->name, "rm") == 0)
		st->auto_remove = b;
	else
		st->o->sig_proxy = b;
	return 0;
}

static int h_stop_signal(struct run_state *st, const struct run_flag *f, const char *val,
			 struct berth_error **err)
{
	struct berth_error *inner = NULL;

	if (berth_signal_parse(val, &inner) < 0) {
		berth_error_free(inner);
		return berth_error_set(err, EINVAL, "Invalid signal: %s", val);
	}
	return set(st->body, "StopSignal", json_object_new_string(val));
}

static int h_stop_timeout(struct run_state *st, const struct run_flag *f, const char *val,
			  struct berth_error **err)
{
	int64_t v;

	if (berth_flag_int(val, INT32_MIN, INT32_MAX, &v, err) < 0)
		return -EINVAL;
	return set(st->body, "StopTimeout", json_object_new_int64(v));
}

static int h_attach(struct run_state *st, const struct run_flag *f, const char *val,
		    struct berth_error **err)
{
	st->attach_set = true;
	if (strcasecmp(val, "stdin") == 0)
		st->attach_in = true;
	else if (strcasecmp(val, "stdout") == 0)
		st->attach_out = true;
	else if (strcasecmp(val, "stderr") == 0)
		st->attach_err = true;
	else
		return berth_error_set(err, EINVAL, "valid streams are STDIN, STDOUT and STDERR");
	return 0;
}

static int h_client(struct run_state *st, const struct run_flag *f, const char *val,
		    struct berth_error **err)
{
	if (strcmp(f->name, "name") == 0) {
		st->o->name = val;
	} else if (strcmp(f->name, "platform") == 0) {
		st->o->platform = val;
	} else if (strcmp(f->name, "cidfile") == 0) {
		st->o->cidfile = val;
	} else if (strcmp(val, "missing") == 0 || strcmp(val, "always") == 0 ||
		   strcmp(val, "never") == 0) {
		st->o->pull = val;
	} else {
		return berth_error_set(err, EINVAL,
				       "invalid pull option: '%s': must be one of \"always\", "
				       "\"missing\" or \"never\"",
				       val);
	}
	return 0;
}

static int h_volume(struct run_state *st, const struct run_flag *f, const char *val,
		    struct berth_error **err)
{
	cleanup_free char *spec = NULL;

	if (berth_flag_volume(val, &spec, err) < 0)
		return -EINVAL;
	json_object_array_add(field(st->hc, "Binds", true), json_object_new_string(spec));
	return 0;
}

/* Parsers that return one object to append to the array f->key. */
static int h_append(struct run_state *st, const struct run_flag *f, const char *val,
		    struct berth_error **err)
{
	json_object *o = NULL;
	int ret;

	if (strcmp(f->key, "Mounts") == 0)
		ret = berth_flag_mount(val, &o, err);
	else if (strcmp(f->key, "Devices") == 0)
		ret = berth_flag_device(val, &o, err);
	else if (strcmp(f->key, "BlkioWeightDevice") == 0)
		ret = berth_flag_weight_device(val, &o, err);
	else
		ret = berth_flag_throttle(val, strstr(f->key, "IOps") != NULL, &o, err);
	if (ret < 0)
		return ret;
	json_object_array_add(field(st->hc, f->key, true), o);
	return 0;
}

/* A later --ulimit of the same name replaces the earlier one, as Docker's map does. */
static int h_ulimit(struct run_state *st, const struct run_flag *f, const char *val,
		    struct berth_error **err)
{
	json_object *u = NULL, *arr, *name;

	if (berth_flag_ulimit(val, &u, err) < 0)
		return -EINVAL;
	arr = field(st->hc, "Ulimits", true);
	json_object_object_get_ex(u, "Name", &name);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *n;

		json_object_object_get_ex(json_object_array_get_idx(arr, i), "Name", &n);
		if (strcmp(json_object_get_string(n), json_object_get_string(name)) == 0) {
			json_object_array_put_idx(arr, i, u);
			return 0;
		}
	}
	json_object_array_add(arr, u);
	return 0;
}

static int h_map(struct run_state *st, const struct run_flag *f, const char *val,
		 struct berth_error **err)
{
	if (strcmp(f->key, "Tmpfs") == 0)
		return berth_flag_tmpfs(val, field(st->hc, "Tmpfs", false), err);
	return berth_flag_sysctl(val, field(st->hc, "Sysctls", false), err);
}

static int h_cgroup_rule(struct run_state *st, const struct run_flag *f, const char *val,
			 struct berth_error **err)
{
	if (berth_flag_device_cgroup_rule(val, err) < 0)
		return -EINVAL;
	return h_strarr_hc(st, f, val, err);
}

static int h_security_opt(struct run_state *st, const struct run_flag *f, const char *val,
			  struct berth_error **err)
{
	cleanup_free char *opt = NULL;

	if (berth_flag_security_opt(val, &opt, err) < 0)
		return -EINVAL;
	return h_strarr_hc(st, f, opt, err);
}

static int h_cpus(struct run_state *st, const struct run_flag *f, const char *val,
		  struct berth_error **err)
{
	int64_t nano;

	if (berth_flag_nano_cpus(val, &nano, err) < 0)
		return -EINVAL;
	return set(st->hc, "NanoCpus", json_object_new_int64(nano));
}

/* "0-3,5": CPU or memory node lists. */
static int h_cpuset(struct run_state *st, const struct run_flag *f, const char *val,
		    struct berth_error **err)
{
	const char *p = val;

	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p || *p < '0' || *p > '9')
			goto bad;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || *p < '0' || *p > '9' || b < a)
				goto bad;
		}
		p = end;
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	if (*val != '\0')
		return set(st->hc, f->key, json_object_new_string(val));
bad:
	return berth_error_set(err, EINVAL, "Invalid value %s for cpuset %s", val,
			       strcmp(f->key, "CpusetCpus") == 0 ? "cpus" : "mems");
}

/* The daemon's ranges (BlkioWeight 0 means "unset"). */
static int h_range(struct run_state *st, const struct run_flag *f, const char *val,
		   struct berth_error **err)
{
	int64_t v;

	if (berth_flag_int(val, INT64_MIN, INT64_MAX, &v, err) < 0)
		return -EINVAL;
	if (strcmp(f->key, "BlkioWeight") == 0 && v != 0 && (v < 10 || v > 1000))
		return berth_error_set(err, EINVAL, "Range of blkio weight is from 10 to 1000");
	if (strcmp(f->key, "OomScoreAdj") == 0 && (v < -1000 || v > 1000))
		return berth_error_set(
		    err, EINVAL, "Invalid value %lld, range for oom score adj is [-1000, 1000]",
		    (long long)v);
	if (strcmp(f->key, "MemorySwappiness") == 0 && (v < -1 || v > 100))
		return berth_error_set(
		    err, EINVAL, "Invalid value: %lld, valid memory swappiness range is 0-100",
		    (long long)v);
	return set(st->hc, f->key, json_object_new_int64(v));
}

static int h_restart(struct run_state *st, const struct run_flag *f, const char *val,
		     struct berth_error **err)
{
	json_object *p = NULL;

	if (berth_flag_restart(val, &p, err) < 0)
		return -EINVAL;
	return set(st->hc, "RestartPolicy", p);
}

static int h_log(struct run_state *st, const struct run_flag *f, const char *val,
		 struct berth_error **err)
{
	json_object *lc = field(st->hc, "LogConfig", false);
	const char *eq = strchr(val, '=');
	cleanup_free char *k = NULL;

	if (!json_object_object_get_ex(lc, "Type", NULL))
		set(lc, "Type", json_object_new_string(""));
	field(lc, "Config", false);
	if (strcmp(f->name, "log-driver") == 0)
		return set(lc, "Type", json_object_new_string(val));
	if (eq == NULL || eq == val)
		return berth_error_set(err, EINVAL, "invalid log option: '%s': expected key=value",
				       val);
	k = strndup(val, (size_t)(eq - val));
	if (k == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	st->log_opts = true;
	return set(field(lc, "Config", false), k, json_object_new_string(eq + 1));
}

/* --network, --ipc, --pid, --uts, --userns, --cgroupns: modes with fixed names. */
static int h_mode(struct run_state *st, const struct run_flag *f, const char *val,
		  struct berth_error **err)
{
	static const struct {
		const char *key, *modes, *what;
		bool container;
	} m[] = {
		{ "NetworkMode", NULL, "network", true },
		{ "IpcMode", ",none,private,shareable,host,", "IPC", true },
		{ "PidMode", ",host,", "PID", true },
		{ "UTSMode", ",host,", "UTS", false },
		{ "UsernsMode", ",host,remap,", "USER", false },
		{ "CgroupnsMode", ",host,private,", "cgroup namespace", false },
	};
	cleanup_free char *pat = NULL;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(m); i++) {
		if (strcmp(f->key, m[i].key) != 0)
			continue;
		if (m[i].container && strncmp(val, "container:", 10) == 0 && val[10] != '\0')
			break;
		if (m[i].container && strncmp(val, "container:", 10) == 0)
			return berth_error_set(err, EINVAL, "invalid %s mode: %s", m[i].what, val);
		if (m[i].modes == NULL || *val == '\0')
			break;
		if (asprintf(&pat, ",%s,", val) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (strchr(val, ',') != NULL || strstr(m[i].modes, pat) == NULL)
			return berth_error_set(err, EINVAL, "invalid %s mode: %s", m[i].what, val);
	}
	return set(st->hc, f->key, json_object_new_string(val));
}

const struct run_flag run_flags[] = {
	/* Config */
	{ "attach", 'a', true, false, h_attach, NULL },
	{ "domainname", 0, true, false, h_str_body, "Domainname" },
	{ "entrypoint", 0, true, false, h_entrypoint, NULL },
	{ "env", 'e', true, false, h_list, NULL },
	{ "env-file", 0, true, false, h_list, NULL },
	{ "hostname", 'h', true, false, h_hostname, "Hostname" },
	{ "interactive", 'i', false, false, h_tty_stdin, NULL },
	{ "label", 'l', true, false, h_list, NULL },
	{ "label-file", 0, true, false, h_list, NULL },
	{ "stop-signal", 0, true, false, h_stop_signal, NULL },
	{ "stop-timeout", 0, true, false, h_stop_timeout, NULL },
	{ "tty", 't', false, false, h_tty_stdin, NULL },
	{ "user", 'u', true, false, h_str_body, "User" },
	{ "workdir", 'w', true, false, h_workdir, NULL },
	/* the client's own */
	{ "cidfile", 0, true, false, h_client, NULL },
	{ "detach", 'd', false, true, h_tty_stdin, NULL },
	{ "name", 0, true, false, h_client, NULL },
	{ "platform", 0, true, false, h_client, NULL },
	{ "pull", 0, true, false, h_client, NULL },
	{ "sig-proxy", 0, false, true, h_tty_stdin, NULL },
	/* HostConfig: storage */
	{ "mount", 0, true, false, h_append, "Mounts" },
	{ "read-only", 0, false, false, h_bool_hc, "ReadonlyRootfs" },
	{ "tmpfs", 0, true, false, h_map, "Tmpfs" },
	{ "volume", 'v', true, false, h_volume, NULL },
	/* HostConfig: resources */
	{ "blkio-weight", 0, true, false, h_range, "BlkioWeight" },
	{ "blkio-weight-device", 0, true, false, h_append, "BlkioWeightDevice" },
	{ "cpu-period", 0, true, false, h_int_hc, "CpuPeriod" },
	{ "cpu-quota", 0, true, false, h_int_hc, "CpuQuota" },
	{ "cpu-shares", 'c', true, false, h_int_hc, "CpuShares" },
	{ "cpus", 0, true, false, h_cpus, NULL },
	{ "cpuset-cpus", 0, true, false, h_cpuset, "CpusetCpus" },
	{ "cpuset-mems", 0, true, false, h_cpuset, "CpusetMems" },
	{ "device", 0, true, false, h_append, "Devices" },
	{ "device-cgroup-rule", 0, true, false, h_cgroup_rule, "DeviceCgroupRules" },
	{ "device-read-bps", 0, true, false, h_append, "BlkioDeviceReadBps" },
	{ "device-read-iops", 0, true, false, h_append, "BlkioDeviceReadIOps" },
	{ "device-write-bps", 0, true, false, h_append, "BlkioDeviceWriteBps" },
	{ "device-write-iops", 0, true, false, h_append, "BlkioDeviceWriteIOps" },
	{ "memory", 'm', true, false, h_size_hc, "Memory" },
	{ "memory-reservation", 0, true, false, h_size_hc, "MemoryReservation" },
	{ "memory-swap", 0, true, false, h_size_hc, "MemorySwap" },
	{ "memory-swappiness", 0, true, false, h_range, "MemorySwappiness" },
	{ "oom-kill-disable", 0, false, false, h_bool_hc, "OomKillDisable" },
	{ "oom-score-adj", 0, true, false, h_range, "OomScoreAdj" },
	{ "pids-limit", 0, true, false, h_int_hc, "PidsLimit" },
	{ "shm-size", 0, true, false, h_size_hc, "ShmSize" },
	{ "ulimit", 0, true, false, h_ulimit, NULL },
	/* HostConfig: security, namespaces, lifecycle */
	{ "cap-add", 0, true, false, h_list, NULL },
	{ "cap-drop", 0, true, false, h_list, NULL },
	{ "cgroupns", 0, true, false, h_mode, "CgroupnsMode" },
	{ "group-add", 0, true, false, h_strarr_hc, "GroupAdd" },
	{ "init", 0, false, false, h_bool_hc, "Init" },
	{ "ipc", 0, true, false, h_mode, "IpcMode" },
	{ "log-driver", 0, true, false, h_log, NULL },
	{ "log-opt", 0, true, false, h_log, NULL },
	{ "net", 0, true, false, h_mode, "NetworkMode" },
	{ "network", 0, true, false, h_mode, "NetworkMode" },
	{ "pid", 0, true, false, h_mode, "PidMode" },
	{ "privileged", 0, false, false, h_bool_hc, "Privileged" },
	{ "restart", 0, true, false, h_restart, NULL },
	{ "rm", 0, false, false, h_tty_stdin, NULL },
	{ "security-opt", 0, true, false, h_security_opt, "SecurityOpt" },
	{ "sysctl", 0, true, false, h_map, "Sysctls" },
	{ "userns", 0, true, false, h_mode, "UsernsMode" },
	{ "uts", 0, true, false, h_mode, "UTSMode" },
	{ 0 },
};
