/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/spec-res-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/*
 * HostConfig's resource fields → linux.resources, linux.cgroupsPath and
 * process.rlimits, with Docker's checks and messages.  A field the body
 * leaves unset (0 or absent) takes berth.conf's default, and the effective
 * value is written back into HostConfig so `inspect` shows what applies.
 */

#define HC "HostConfig"
#define MIN_MEMORY (6LL << 20) /* Docker's linuxMinMemory */
#define CFS_PERIOD 100000
#define SYS_CPU_ONLINE "/sys/devices/system/cpu/online"
#define SYS_NODE_ONLINE "/sys/devices/system/node/online"
#define CG_V1 "/sys/fs/cgroup/"

json_object *berth_spec_hostconfig(struct berth_spec_ctx *ctx)
{
	return berth_spec_child(ctx->create, HC);
}

void berth_spec_warn(struct berth_spec_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n >= 0 && ctx->warnings_out != NULL)
		json_object_array_add(ctx->warnings_out, json_object_new_string(s));
	free(s);
}

static void set_i64(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

/* Whether a v1 controller is mounted and lacks every one of @files (then the knob is missing). */
static bool v1_lacks(const char *ctrl, const char *const *files)
{
	char p[256];

	snprintf(p, sizeof(p), CG_V1 "%s", ctrl);
	if (access(p, F_OK) < 0)
		return false; /* no v1 hierarchy: cgroup v2 decides */
	for (; *files != NULL; files++) {
		snprintf(p, sizeof(p), CG_V1 "%s/%s", ctrl, *files);
		if (access(p, F_OK) == 0)
			return false;
	}
	return true;
}

static int check_memory(int64_t mem, int64_t swap, int64_t resv, struct berth_error **err)
{
	if (mem > 0 && mem < MIN_MEMORY)
		return berth_error_set(err, EINVAL,
				       HC ".Memory: minimum memory limit allowed is "
					  "6MB (%lld given)",
				       (long long)mem);
	if (swap > 0 && mem == 0)
		return berth_error_set(err, EINVAL,
				       HC ".MemorySwap: you should always set the "
					  "Memory limit when using Memoryswap limit");
	if (swap > 0 && swap < mem)
		return berth_error_set(err, EINVAL,
				       HC ".MemorySwap: minimum memoryswap limit "
					  "should be larger than memory limit (%lld < "
					  "%lld)",
				       (long long)swap, (long long)mem);
	if (resv > 0 && resv < MIN_MEMORY)
		return berth_error_set(err, EINVAL,
				       HC ".MemoryReservation: minimum memory "
					  "reservation allowed is 6MB");
	if (mem > 0 && resv > mem)
		return berth_error_set(err, EINVAL,
				       HC ".MemoryReservation: minimum memory limit "
					  "can not be less than memory reservation limit "
					  "(%lld < %lld)",
				       (long long)mem, (long long)resv);
	return 0;
}

static int apply_memory(struct berth_spec_ctx *ctx, json_object *hc, json_object *res,
			struct berth_error **err)
{
	static const char *const memsw[] = { "memory.memsw.limit_in_bytes", NULL };
	int64_t mem = 0, swap = 0, resv = 0, swappiness = -1;
	bool oom_off = false;
	json_object *m;

	if (berth_json_int(hc, HC, "Memory", 0, INT64_MAX, &mem, err) < 0 ||
	    berth_json_int(hc, HC, "MemorySwap", -1, INT64_MAX, &swap, err) < 0 ||
	    berth_json_int(hc, HC, "MemoryReservation", 0, INT64_MAX, &resv, err) < 0 ||
	    berth_json_int(hc, HC, "MemorySwappiness", -1, 100, &swappiness, err) < 0 ||
	    berth_json_bool(hc, HC, "OomKillDisable", &oom_off, err) < 0)
		return berth_error_ret(err);
	if (mem == 0)
		mem = ctx->engine->conf.memory;
	if (check_memory(mem, swap, resv, err) < 0)
		return berth_error_ret(err);
	/* Docker: no MemorySwap means as much swap as memory, so memory+swap = 2 x Memory. */
	if (mem > 0 && swap == 0)
		swap = mem > INT64_MAX / 2 ? -1 : 2 * mem;
	if (mem > 0 && swap != 0 && v1_lacks("memory", memsw)) {
		berth_spec_warn(ctx, "Your kernel does not support swap limit capabilities or the "
				     "cgroup is not mounted. Memory limited without swap.");
		swap = 0;
	}
	if (mem == 0 && resv == 0 && swappiness < 0 && !oom_off)
		return 0;
	m = berth_spec_child(res, "memory");
	if (mem > 0) {
		set_i64(m, "limit", mem);
		set_i64(hc, "Memory", mem);
	}
	if (mem > 0 && swap != 0) {
		set_i64(m, "swap", swap);
		set_i64(hc, "MemorySwap", swap);
	}
	if (resv > 0)
		set_i64(m, "reservation", resv);
	if (swappiness >= 0)
		set_i64(m, "swappiness", swappiness);
	if (oom_off)
		json_object_object_add(m, "disableOOMKiller", json_object_new_boolean(1));
	return 0;
}

static int online_count(const char *online)
{
	int n = 0;
	const char *p = online;

	while (*p >= '0' && *p <= '9') {
		char *end = NULL;
		long lo = strtol(p, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		n += (int)(hi - lo + 1);
		p = *end == ',' ? end + 1 : end;
	}
	return n > 0 ? n : 1;
}

static int read_sys(const char *path, const char *fallback, char **out, struct berth_error **err)
{
	size_t len = 0;

	if (berth_read_file_at(AT_FDCWD, path, 65536, out, &len, err) == 0)
		return 0;
	if ((*err)->code != ENOENT || fallback == NULL)
		return berth_error_ret(err);
	berth_error_clear(err);
	*out = strdup(fallback);
	return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

static int apply_nano_cpus(json_object *hc, json_object *cpu, int ncpu, int64_t period,
			   int64_t quota, struct berth_error **err)
{
	int64_t nano = 0;

	if (berth_json_int(hc, HC, "NanoCpus", INT64_MIN, INT64_MAX, &nano, err) < 0)
		return berth_error_ret(err);
	if (nano == 0)
		return 0;
	if (period > 0)
		return berth_error_set(err, EINVAL,
				       "Conflicting options: Nano CPUs and CPU Period "
				       "cannot both be set");
	if (quota > 0)
		return berth_error_set(err, EINVAL,
				       "Conflicting options: Nano CPUs and CPU Quota "
				       "cannot both be set");
	/* The kernel's smallest quota is 1ms of a 100ms period: 0.01 CPU. */
	if (nano < 10000000 || nano > (int64_t)ncpu * 1000000000)
		return berth_error_set(err, EINVAL,
				       HC ".NanoCpus: range of CPUs is from 0.01 to "
					  "%d.00, as there are only %d CPUs available",
				       ncpu, ncpu);
	set_i64(cpu, "period", CFS_PERIOD);
	set_i64(cpu, "quota", nano * CFS_PERIOD / 1000000000);
	return 0;
}

static int apply_cfs(json_object *hc, json_object *cpu, int ncpu, struct berth_error **err)
{
	int64_t period = 0, quota = 0;

	if (berth_json_int(hc, HC, "CpuPeriod", 0, INT64_MAX, &period, err) < 0 ||
	    berth_json_int(hc, HC, "CpuQuota", -1, INT64_MAX, &quota, err) < 0)
		return berth_error_ret(err);
	if (period != 0 && (period < 1000 || period > 1000000))
		return berth_error_set(err, EINVAL,
				       HC ".CpuPeriod: CPU cfs period can not be less "
					  "than 1ms (i.e. 1000) or larger than 1s (i.e. "
					  "1000000)");
	if (quota > 0 && quota < 1000)
		return berth_error_set(err, EINVAL,
				       HC ".CpuQuota: CPU cfs quota can not be less "
					  "than 1ms (i.e. 1000)");
	if (period > 0)
		set_i64(cpu, "period", period);
	if (quota != 0)
		set_i64(cpu, "quota", quota);
	return apply_nano_cpus(hc, cpu, ncpu, period, quota, err);
}

static int apply_cpuset(json_object *hc, json_object *cpu, const char *key, const char *sys,
			const char *what, struct berth_error **err)
{
	cleanup_free char *online = NULL;
	cleanup_free char *field = berth_json_path(HC, key);
	const char *list = NULL;

	if (berth_json_string(hc, HC, key, &list, err) < 0)
		return berth_error_ret(err);
	if (list == NULL || *list == '\0')
		return 0;
	if (read_sys(sys, "0", &online, err) < 0 ||
	    berth_cpuset_check(list, online, field, what, err) < 0)
		return berth_error_ret(err);
	json_object_object_add(cpu, strcmp(key, "CpusetCpus") == 0 ? "cpus" : "mems",
			       json_object_new_string(list));
	return 0;
}

static int apply_cpu(struct berth_spec_ctx *ctx, json_object *hc, json_object *res,
		     struct berth_error **err)
{
	cleanup_free char *online = NULL;
	json_object *cpu = json_object_new_object();
	int64_t shares = 0;
	int ret;

	json_object_object_add(res, "cpu", cpu);
	if (berth_json_int(hc, HC, "CpuShares", INT64_MIN, INT64_MAX, &shares, err) < 0 ||
	    read_sys(SYS_CPU_ONLINE, "0", &online, err) < 0)
		return berth_error_ret(err);
	if (shares == 0)
		shares = ctx->engine->conf.cpu_shares;
	if (shares != 0 && (shares < 2 || shares > 262144))
		return berth_error_set(err, EINVAL, HC ".CpuShares: %lld out of range [2, 262144]",
				       (long long)shares);
	if (shares != 0) {
		set_i64(cpu, "shares", shares);
		set_i64(hc, "CpuShares", shares);
	}
	ret = apply_cfs(hc, cpu, online_count(online), err);
	if (ret >= 0)
		ret = apply_cpuset(hc, cpu, "CpusetCpus", SYS_CPU_ONLINE, "CPUs", err);
	if (ret >= 0)
		ret = apply_cpuset(hc, cpu, "CpusetMems", SYS_NODE_ONLINE, "memory nodes", err);
	if (ret >= 0 && json_object_object_length(cpu) == 0)
		json_object_object_del(res, "cpu");
	return ret;
}

static int apply_pids(struct berth_spec_ctx *ctx, json_object *hc, json_object *res,
		      struct berth_error **err)
{
	int64_t limit = 0;
	json_object *pids;

	if (berth_json_int(hc, HC, "PidsLimit", INT64_MIN, INT64_MAX, &limit, err) < 0)
		return berth_error_ret(err);
	if (limit < -1)
		return berth_error_set(err, EINVAL,
				       HC ".PidsLimit: %lld is not a limit (a positive "
					  "number, or 0 or -1 for unlimited)",
				       (long long)limit);
	if (limit == 0)
		limit = ctx->engine->conf.pids_limit;
	if (limit <= 0)
		return 0;
	pids = berth_spec_child(res, "pids");
	set_i64(pids, "limit", limit);
	set_i64(hc, "PidsLimit", limit);
	return 0;
}

/* One {Path, Rate} entry → {major, minor, rate}: the path must be a block device. */
static int throttle_entry(json_object *e, const char *ep, json_object *out,
			  struct berth_error **err)
{
	const char *path = NULL;
	uint64_t rate = 0;
	struct stat st;
	json_object *t;

	if (berth_json_as_object(e, ep, err) < 0 ||
	    berth_json_string(e, ep, "Path", &path, err) < 0 ||
	    berth_json_uint64(e, ep, "Rate", &rate, err) < 0)
		return berth_error_ret(err);
	if (path == NULL || *path != '/')
		return berth_error_set(err, EINVAL, "%s.Path: an absolute device path is required",
				       ep);
	if (stat(path, &st) < 0)
		return berth_error_errno(err, "%s.Path: '%s'", ep, path);
	if (!S_ISBLK(st.st_mode))
		return berth_error_set(err, EINVAL, "%s.Path: '%s' is not a block device", ep,
				       path);
	t = json_object_new_object();
	set_i64(t, "major", major(st.st_rdev));
	set_i64(t, "minor", minor(st.st_rdev));
	json_object_object_add(t, "rate", json_object_new_uint64(rate));
	json_object_array_add(out, t);
	return 0;
}

static int apply_throttle(json_object *hc, json_object *blkio, const char *key,
			  const char *spec_key, struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(HC, key);
	json_object *arr = NULL, *out;
	int ret = berth_json_array(hc, HC, key, &arr, err);
	size_t n;

	if (ret <= 0)
		return ret;
	n = json_object_array_length(arr);
	if (n == 0)
		return 0;
	out = json_object_new_array();
	json_object_object_add(blkio, spec_key, out);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *ep = berth_json_index(p, i);

		if (throttle_entry(json_object_array_get_idx(arr, i), ep, out, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

static int apply_blkio(struct berth_spec_ctx *ctx, json_object *hc, json_object *res,
		       struct berth_error **err)
{
	static const char *const keys[][2] = {
		{ "BlkioDeviceReadBps", "throttleReadBpsDevice" },
		{ "BlkioDeviceWriteBps", "throttleWriteBpsDevice" },
		{ "BlkioDeviceReadIOps", "throttleReadIOPSDevice" },
		{ "BlkioDeviceWriteIOps", "throttleWriteIOPSDevice" },
	};
	static const char *const weight_files[] = { "blkio.weight", "blkio.bfq.weight", NULL };
	json_object *blkio = json_object_new_object();
	int64_t weight = 0;

	json_object_object_add(res, "blockIO", blkio);
	if (berth_json_int(hc, HC, "BlkioWeight", 0, UINT16_MAX, &weight, err) < 0)
		return berth_error_ret(err);
	if (weight != 0 && (weight < 10 || weight > 1000))
		return berth_error_set(err, EINVAL,
				       HC ".BlkioWeight: range of blkio weight is from "
					  "10 to 1000 (%lld given)",
				       (long long)weight);
	if (weight != 0 && v1_lacks("blkio", weight_files))
		berth_spec_warn(ctx, "Your kernel does not support Block I/O weight or the cgroup "
				     "is not mounted. Weight discarded.");
	else if (weight != 0)
		set_i64(blkio, "weight", weight);
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(keys); i++)
		if (apply_throttle(hc, blkio, keys[i][0], keys[i][1], err) < 0)
			return berth_error_ret(err);
	if (json_object_object_length(blkio) == 0)
		json_object_object_del(res, "blockIO");
	return 0;
}

/* linux.cgroupsPath: "/<parent>/<id>", the parent from the body, berth.conf or "berth". */
static int cgroups_path(struct berth_spec_ctx *ctx, json_object *hc, json_object *lx,
			struct berth_error **err)
{
	cleanup_free char *path = NULL;
	const char *parent = NULL;
	const char *p;

	if (berth_json_string(hc, HC, "CgroupParent", &parent, err) < 0)
		return berth_error_ret(err);
	if (parent == NULL || *parent == '\0')
		parent = ctx->engine->conf.cgroup_parent;
	if (parent == NULL || *parent == '\0')
		parent = "berth";
	for (p = parent; *p != '\0'; p += strspn(p, "/")) {
		size_t len = strcspn(p, "/");

		if (len == 2 && strncmp(p, "..", 2) == 0)
			return berth_error_set(err, EINVAL,
					       HC ".CgroupParent: '%s': '..' is not "
						  "allowed",
					       parent);
		p += len;
	}
	if (asprintf(&path, "%s%s/%s", *parent == '/' ? "" : "/", parent, ctx->id) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_object_object_add(lx, "cgroupsPath", json_object_new_string(path));
	return 0;
}

int berth_spec_apply_resources(struct berth_spec_ctx *ctx, json_object *spec,
			       struct berth_error **err)
{
	json_object *hc = berth_spec_hostconfig(ctx);
	json_object *lx = berth_spec_child(spec, "linux");
	json_object *res = berth_spec_child(lx, "resources");
	int ret;

	if (berth_json_as_object(hc, HC, err) < 0)
		return berth_error_ret(err);
	ret = apply_memory(ctx, hc, res, err);
	if (ret >= 0)
		ret = apply_cpu(ctx, hc, res, err);
	if (ret >= 0)
		ret = apply_pids(ctx, hc, res, err);
	if (ret >= 0)
		ret = apply_blkio(ctx, hc, res, err);
	if (ret >= 0)
		ret = cgroups_path(ctx, hc, lx, err);
	if (ret >= 0)
		ret = berth_spec_apply_ulimits(ctx, spec, hc, err);
	return ret;
}
