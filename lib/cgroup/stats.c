/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"

/*
 * Usage counters in the shape of runc's `events --stats` "data" object
 * (libcontainer/cgroups Stats): cpu, memory, pids, blkio, hugetlb.  A counter
 * the kernel does not have is reported as 0, as runc does.
 */

static uint64_t rd(struct berth_cg_dir *d, const char *file)
{
	uint64_t v = 0;

	if (d == NULL || berth_cg_read_u64(d, file, &v) < 0)
		return 0;
	return v;
}

static uint64_t keyed(struct berth_cg_dir *d, const char *file, const char *key)
{
	uint64_t v = 0;

	if (d == NULL || berth_cg_read_keyed(d, file, key, &v) < 0)
		return 0;
	return v;
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *child(json_object *parent, const char *key)
{
	json_object *o = json_object_new_object();

	json_object_object_add(parent, key, o);
	return o;
}

/* Every "key value" line of a flat-keyed file (memory.stat) into an object. */
static json_object *flat_keyed(struct berth_cg_dir *d, const char *file)
{
	struct berth_error *err = NULL;
	cleanup_free char *buf = NULL;
	json_object *o = json_object_new_object();

	if (d == NULL || berth_cg_read(d, file, &buf, &err) < 0) {
		berth_error_free(err);
		return o;
	}
	for (char *l = buf; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0')) {
		char key[128];
		unsigned long long v;

		if (sscanf(l, "%127s %llu", key, &v) == 2)
			add_u64(o, key, v);
	}
	return o;
}

static void mem_entry(json_object *mem, const char *key, uint64_t limit, uint64_t usage,
		      uint64_t max, uint64_t failcnt)
{
	json_object *e = child(mem, key);

	add_u64(e, "limit", limit);
	add_u64(e, "usage", usage);
	add_u64(e, "max", max);
	add_u64(e, "failcnt", failcnt);
}

/* "hugepages-2048kB" -> "2MB", the spelling of the cgroup file names. */
static int page_size_name(const char *dir, char *out, size_t len)
{
	unsigned long long kb;

	if (sscanf(dir, "hugepages-%llukB", &kb) != 1)
		return -1;
	if (kb >= 1024 * 1024 && kb % (1024 * 1024) == 0)
		snprintf(out, len, "%lluGB", kb / (1024 * 1024));
	else if (kb >= 1024 && kb % 1024 == 0)
		snprintf(out, len, "%lluMB", kb / 1024);
	else
		snprintf(out, len, "%lluKB", kb);
	return 0;
}

static void hugetlb(json_object *data, struct berth_cg_dir *d, bool v2)
{
	json_object *h = child(data, "hugetlb");
	DIR *dir = opendir("/sys/kernel/mm/hugepages");
	struct dirent *e;

	while (d != NULL && dir != NULL && (e = readdir(dir)) != NULL) {
		char size[32], f[96];
		json_object *s;

		if (page_size_name(e->d_name, size, sizeof(size)) < 0)
			continue;
		s = child(h, size);
		snprintf(f, sizeof(f), v2 ? "hugetlb.%s.current" : "hugetlb.%s.usage_in_bytes",
			 size);
		add_u64(s, "usage", rd(d, f));
		snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", size);
		add_u64(s, "max", v2 ? 0 : rd(d, f));
		snprintf(f, sizeof(f), v2 ? "hugetlb.%s.events" : "hugetlb.%s.failcnt", size);
		add_u64(s, "failcnt", v2 ? keyed(d, f, "max") : rd(d, f));
	}
	if (dir != NULL)
		closedir(dir);
}

static void pids(json_object *data, struct berth_cg_dir *d)
{
	json_object *p = child(data, "pids");
	uint64_t max = rd(d, "pids.max");

	add_u64(p, "current", rd(d, "pids.current"));
	add_u64(p, "limit", max == UINT64_MAX ? 0 : max);
}

static void blkio_entry(json_object *arr, unsigned maj, unsigned min, const char *op, uint64_t v)
{
	json_object *e = json_object_new_object();

	add_u64(e, "major", maj);
	add_u64(e, "minor", min);
	json_object_object_add(e, "op", json_object_new_string(op));
	add_u64(e, "value", v);
	json_object_array_add(arr, e);
}

/* v1 "8:0 Read 4096" lines; "Total" lines have no device and are skipped. */
static json_object *blkio_v1(struct berth_cg_dir *d, const char *file)
{
	struct berth_error *err = NULL;
	cleanup_free char *buf = NULL;
	json_object *arr = json_object_new_array();

	if (d == NULL || berth_cg_read(d, file, &buf, &err) < 0) {
		berth_error_free(err);
		return arr;
	}
	for (char *l = buf; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0')) {
		unsigned maj, min;
		char op[16];
		unsigned long long v;

		if (sscanf(l, "%u:%u %15s %llu", &maj, &min, op, &v) == 4)
			blkio_entry(arr, maj, min, op, v);
	}
	return arr;
}

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
static void blkio_v2(json_object *data, struct berth_cg_dir *d)
{
	struct berth_error *err = NULL;
	cleanup_free char *buf = NULL;
	json_object *b = child(data, "blkio");
	json_object *bytes = json_object_new_array(), *ios = json_object_new_array();

	json_object_object_add(b, "ioServiceBytesRecursive", bytes);
	json_object_object_add(b, "ioServicedRecursive", ios);
	if (d == NULL || berth_cg_read(d, "io.stat", &buf, &err) < 0) {
		berth_error_free(err);
		return;
	}
	for (char *l = buf; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0')) {
		unsigned maj, min;
		unsigned long long rb, wb, ri, wi;

		if (sscanf(l, "%u:%u rbytes=%llu wbytes=%llu rios=%llu wios=%llu", &maj, &min, &rb,
			   &wb, &ri, &wi) != 6)
			continue;
		blkio_entry(bytes, maj, min, "Read", rb);
		blkio_entry(bytes, maj, min, "Write", wb);
		blkio_entry(ios, maj, min, "Read", ri);
		blkio_entry(ios, maj, min, "Write", wi);
	}
}

static void cpu_v1(json_object *data, struct berth_cgroup *cg)
{
	struct berth_cg_dir *acct = berth_cg_find_v1(cg, "cpuacct");
	struct berth_cg_dir *cpu = berth_cg_find_v1(cg, "cpu");
	json_object *c = child(data, "cpu"), *u = child(c, "usage"), *t = child(c, "throttling");
	json_object *percpu = json_object_new_array();
	struct berth_error *err = NULL;
	cleanup_free char *buf = NULL;
	uint64_t hz = (uint64_t)sysconf(_SC_CLK_TCK);

	add_u64(u, "total", rd(acct, "cpuacct.usage"));
	if (acct != NULL && berth_cg_read(acct, "cpuacct.usage_percpu", &buf, &err) == 0)
		for (char *p = buf, *end = NULL;; p = end) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			json_object_array_add(percpu, json_object_new_uint64(v));
		}
	berth_error_free(err);
	json_object_object_add(u, "percpu", percpu);
	hz = hz ? hz : 100;
	add_u64(u, "kernel", keyed(acct, "cpuacct.stat", "system") * (1000000000ULL / hz));
	add_u64(u, "user", keyed(acct, "cpuacct.stat", "user") * (1000000000ULL / hz));
	add_u64(t, "periods", keyed(cpu, "cpu.stat", "nr_periods"));
	add_u64(t, "throttledPeriods", keyed(cpu, "cpu.stat", "nr_throttled"));
	add_u64(t, "throttledTime", keyed(cpu, "cpu.stat", "throttled_time"));
}

static void memory_v1(json_object *data, struct berth_cg_dir *d)
{
	json_object *m = child(data, "memory");
	static const char *const kinds[][2] = {
		{ "usage", "memory." },
		{ "swap", "memory.memsw." },
		{ "kernel", "memory.kmem." },
		{ "kernelTCP", "memory.kmem.tcp." },
	};

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(kinds); i++) {
		char f[4][64];
		const char *names[4] = { "limit_in_bytes", "usage_in_bytes", "max_usage_in_bytes",
					 "failcnt" };

		for (int k = 0; k < 4; k++)
			snprintf(f[k], sizeof(f[k]), "%s%s", kinds[i][1], names[k]);
		mem_entry(m, kinds[i][0], rd(d, f[0]), rd(d, f[1]), rd(d, f[2]), rd(d, f[3]));
	}
	add_u64(m, "cache", keyed(d, "memory.stat", "cache"));
	/* berth's addition: OOM kills so far, from which `events` reports "oom". */
	add_u64(m, "oomKills", keyed(d, "memory.oom_control", "oom_kill"));
	json_object_object_add(m, "raw", flat_keyed(d, "memory.stat"));
}

int berth_cg_stats_v1(struct berth_cgroup *cg, json_object *data, struct berth_error **err)
{
	struct berth_cg_dir *blk = berth_cg_find_v1(cg, "blkio");
	struct berth_cg_dir *h = berth_cg_find_v1(cg, "hugetlb");
	json_object *b;

	for (size_t i = 0; i < cg->n_v1; i++)
		if (berth_cg_open_dir(&cg->v1[i], err) < 0)
			return berth_error_ret(err);
	cpu_v1(data, cg);
	memory_v1(data, berth_cg_find_v1(cg, "memory"));
	pids(data, berth_cg_find_v1(cg, "pids"));
	b = child(data, "blkio");
	json_object_object_add(b, "ioServiceBytesRecursive",
			       blkio_v1(blk, "blkio.throttle.io_service_bytes_recursive"));
	json_object_object_add(b, "ioServicedRecursive",
			       blkio_v1(blk, "blkio.throttle.io_serviced_recursive"));
	hugetlb(data, h ? h : cg->v2, h == NULL);
	return 0;
}

static void cpu_v2(json_object *data, struct berth_cg_dir *d)
{
	json_object *c = child(data, "cpu"), *u = child(c, "usage"), *t = child(c, "throttling");

	add_u64(u, "total", keyed(d, "cpu.stat", "usage_usec") * 1000);
	add_u64(u, "kernel", keyed(d, "cpu.stat", "system_usec") * 1000);
	add_u64(u, "user", keyed(d, "cpu.stat", "user_usec") * 1000);
	add_u64(t, "periods", keyed(d, "cpu.stat", "nr_periods"));
	add_u64(t, "throttledPeriods", keyed(d, "cpu.stat", "nr_throttled"));
	add_u64(t, "throttledTime", keyed(d, "cpu.stat", "throttled_usec") * 1000);
}

/* runc reports v2 swap the v1 way, as memory+swap. */
static void memory_v2(json_object *data, struct berth_cg_dir *d)
{
	json_object *m = child(data, "memory");
	uint64_t cur = rd(d, "memory.current"), max = rd(d, "memory.max");
	uint64_t swap_max = rd(d, "memory.swap.max");

	mem_entry(m, "usage", max, cur, rd(d, "memory.peak"), keyed(d, "memory.events", "max"));
	mem_entry(m, "swap",
		  swap_max == UINT64_MAX || max == UINT64_MAX ? UINT64_MAX : swap_max + max,
		  cur + rd(d, "memory.swap.current"), 0, keyed(d, "memory.swap.events", "max"));
	add_u64(m, "cache", keyed(d, "memory.stat", "file"));
	add_u64(m, "oomKills", keyed(d, "memory.events", "oom_kill"));
	json_object_object_add(m, "raw", flat_keyed(d, "memory.stat"));
}

int berth_cg_stats_v2(struct berth_cgroup *cg, json_object *data, struct berth_error **err)
{
	if (berth_cg_open_dir(cg->v2, err) < 0)
		return berth_error_ret(err);
	cpu_v2(data, cg->v2);
	memory_v2(data, cg->v2);
	pids(data, cg->v2);
	blkio_v2(data, cg->v2);
	hugetlb(data, cg->v2, true);
	return 0;
}

int berth_cgroup_oom_kills(struct berth_cgroup *cg, uint64_t *out, struct berth_error **err)
{
	struct berth_cg_dir *mem = berth_cg_find_v1(cg, "memory");

	if (mem != NULL) {
		if (berth_cg_open_dir(mem, err) < 0)
			return berth_error_ret(err);
		*out = keyed(mem, "memory.oom_control", "oom_kill");
		return 0;
	}
	if (cg->v2 == NULL) {
		*out = 0;
		return 0;
	}
	if (berth_cg_open_dir(cg->v2, err) < 0)
		return berth_error_ret(err);
	*out = keyed(cg->v2, "memory.events", "oom_kill");
	return 0;
}
