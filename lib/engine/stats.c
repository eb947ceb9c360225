/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "engine/ctr.h"
#include "engine/live.h"
#include "util/cleanup.h"
#include "util/fs.h"

int berth_net_dev_parse(const char *buf, uint64_t *rx, uint64_t *tx)
{
	const char *l = strchr(buf, '\n');
	int lines = 0;

	*rx = *tx = 0;
	/* two header lines, then "  eth0: rxbytes packets errs drop fifo frame compressed
	 * multicast txbytes ..." */
	if (l == NULL || (l = strchr(l + 1, '\n')) == NULL)
		return -EINVAL;
	for (l++; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0')) {
		char name[64];
		unsigned long long r, t;

		if (sscanf(l, " %63[^:]: %llu %*u %*u %*u %*u %*u %*u %*u %llu", name, &r, &t) != 3)
			return -EINVAL;
		lines++;
		if (strcmp(name, "lo") == 0)
			continue;
		*rx += r;
		*tx += t;
	}
	return lines > 0 ? 0 : -EINVAL;
}

uint64_t berth_proc_stat_cpu_ns(const char *buf, long hz)
{
	unsigned long long v[8] = { 0 };
	uint64_t sum = 0;

	/* user nice system idle iowait irq softirq steal: what Docker's daemon adds up */
	if (hz <= 0 || strncmp(buf, "cpu ", 4) != 0 ||
	    sscanf(buf + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) < 4)
		return 0;
	for (int i = 0; i < 8; i++)
		sum += v[i];
	return sum * (1000000000ULL / (uint64_t)hz);
}

static uint64_t u64_at(json_object *o, const char *const *keys)
{
	json_object *v = o;

	for (; *keys && v; keys++)
		if (!json_object_object_get_ex(v, *keys, &v))
			return 0;
	if (v == NULL || !(json_object_is_type(v, json_type_int)))
		return 0;
	return json_object_get_uint64(v);
}

#define AT(o, ...) u64_at(o, (const char *const[]){ __VA_ARGS__, NULL })

static void blkio(json_object *data, struct berth_ctr_sample *s)
{
	json_object *arr = NULL, *blk = NULL;

	if (!json_object_object_get_ex(data, "blkio", &blk) ||
	    !json_object_object_get_ex(blk, "ioServiceBytesRecursive", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i), *op = NULL;
		const char *name;

		if (!json_object_object_get_ex(e, "op", &op))
			continue;
		name = json_object_get_string(op);
		if (strcasecmp(name, "read") == 0)
			s->blk_read += AT(e, "value");
		else if (strcasecmp(name, "write") == 0)
			s->blk_write += AT(e, "value");
	}
}

void berth_stats_from_cgroup(json_object *data, uint64_t host_mem, struct berth_ctr_sample *s)
{
	uint64_t usage = AT(data, "memory", "usage", "usage");
	uint64_t limit = AT(data, "memory", "usage", "limit");
	/* Docker's CLI leaves the inactive page cache out: v1 total_inactive_file, v2 inactive_file
	 */
	uint64_t inactive = AT(data, "memory", "raw", "total_inactive_file");

	if (inactive == 0)
		inactive = AT(data, "memory", "raw", "inactive_file");
	s->cpu_ns = AT(data, "cpu", "usage", "total");
	s->mem_usage = inactive < usage ? usage - inactive : usage;
	s->mem_limit = limit == 0 || (host_mem && limit > host_mem) ? host_mem : limit;
	s->pids = AT(data, "pids", "current");
	blkio(data, s);
}

double berth_stats_cpu_percent(const struct berth_ctr_sample *prev,
			       const struct berth_ctr_sample *cur)
{
	double cpu, sys;

	if (!prev->running || !cur->running || cur->cpu_ns < prev->cpu_ns ||
	    cur->system_ns <= prev->system_ns)
		return 0.0;
	cpu = (double)(cur->cpu_ns - prev->cpu_ns);
	sys = (double)(cur->system_ns - prev->system_ns);
	return cpu / sys * (double)cur->online_cpus * 100.0;
}

double berth_stats_mem_percent(const struct berth_ctr_sample *s)
{
	return s->mem_limit ? (double)s->mem_usage / (double)s->mem_limit * 100.0 : 0.0;
}

static uint64_t host_cpu_ns(void)
{
	cleanup_free char *buf = NULL;
	struct berth_error *err = NULL;

	if (berth_read_file_at(AT_FDCWD, "/proc/stat", 1 << 20, &buf, NULL, &err) < 0) {
		berth_error_free(err);
		return 0;
	}
	return berth_proc_stat_cpu_ns(buf, sysconf(_SC_CLK_TCK));
}

static void net(pid_t pid, struct berth_ctr_sample *s)
{
	cleanup_free char *buf = NULL;
	struct berth_error *err = NULL;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	if (berth_read_file_at(AT_FDCWD, path, 1 << 20, &buf, NULL, &err) < 0) {
		berth_error_free(err);
		return;
	}
	berth_net_dev_parse(buf, &s->net_rx, &s->net_tx);
}

int berth_ctr_sample(struct berth_engine *e, const char *id, struct berth_ctr_sample *out,
		     struct berth_error **err)
{
	struct berth_cgroup *cg = NULL;
	struct berth_ctr *c = NULL;
	json_object *data = NULL;
	struct sysinfo si;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = berth_ctr_get(e, id, &c, err)) < 0)
		return ret;
	if (!berth_ctr_active(c) || berth_ctr_pid(c) <= 0) {
		berth_ctr_free(c);
		return 0;
	}
	out->system_ns = host_cpu_ns();
	out->online_cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if ((ret = berth_ctr_cgroup(e, c->id, &cg, err)) == 0 &&
	    (ret = berth_cgroup_stats(cg, &data, err)) == 0) {
		sysinfo(&si);
		berth_stats_from_cgroup(data, (uint64_t)si.totalram * si.mem_unit, out);
		net(berth_ctr_pid(c), out);
		out->running = true;
	}
	/* It stopped between the State and the runtime's state: a stopped sample. */
	if (ret == -ENOENT) {
		berth_error_clear(err);
		ret = 0;
	}
	json_object_put(data);
	berth_cgroup_free(cg);
	berth_ctr_free(c);
	return ret;
}
