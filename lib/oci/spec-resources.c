/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "oci/spec-resources.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/json.h"

/*
 * Every getter below reports the JSON path itself; the helpers only turn
 * "present" into a set flag.  Ranges follow the kernel's: a value the kernel
 * would refuse is refused here already, naming the field.
 */

static int get_i64(json_object *o, const char *path, const char *key, int64_t min, int64_t max,
		   struct berth_opt_i64 *out, struct berth_error **err)
{
	int ret = berth_json_int(o, path, key, min, max, &out->v, err);

	if (ret > 0)
		out->set = true;
	return ret;
}

static int get_u64(json_object *o, const char *path, const char *key, uint64_t max,
		   struct berth_opt_u64 *out, struct berth_error **err)
{
	cleanup_free char *p = NULL;
	uint64_t v = 0;
	int ret = berth_json_uint64(o, path, key, &v, err);

	if (ret <= 0)
		return ret;
	if (v > max) {
		p = berth_json_path(path, key);
		return berth_error_set(err, ERANGE, "%s: %llu out of range [0, %llu]", p,
				       (unsigned long long)v, (unsigned long long)max);
	}
	out->set = true;
	out->v = v;
	return 1;
}

static int get_bool(json_object *o, const char *path, const char *key, struct berth_opt_bool *out,
		    struct berth_error **err)
{
	int ret = berth_json_bool(o, path, key, &out->v, err);

	if (ret > 0)
		out->set = true;
	return ret;
}

static int get_str(json_object *o, const char *path, const char *key, char **out,
		   struct berth_error **err)
{
	const char *s = NULL;
	int ret = berth_json_string(o, path, key, &s, err);

	if (ret <= 0)
		return ret;
	*out = strdup(s);
	if (*out == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 1;
}

/* Fetch an optional sub-object and its path; 0 when absent. */
static int sub(json_object *o, const char *path, const char *key, json_object **out, char **sp,
	       struct berth_error **err)
{
	int ret = berth_json_object(o, path, key, out, err);

	if (ret > 0)
		*sp = berth_json_path(path, key);
	return ret;
}

static int parse_memory(json_object *o, const char *path, struct berth_res_memory *m,
			struct berth_error **err)
{
	if (get_i64(o, path, "limit", -1, INT64_MAX, &m->limit, err) < 0 ||
	    get_i64(o, path, "reservation", -1, INT64_MAX, &m->reservation, err) < 0 ||
	    get_i64(o, path, "swap", -1, INT64_MAX, &m->swap, err) < 0 ||
	    get_i64(o, path, "kernel", -1, INT64_MAX, &m->kernel, err) < 0 ||
	    get_i64(o, path, "kernelTCP", -1, INT64_MAX, &m->kernel_tcp, err) < 0 ||
	    get_u64(o, path, "swappiness", 100, &m->swappiness, err) < 0 ||
	    get_bool(o, path, "disableOOMKiller", &m->disable_oom_killer, err) < 0 ||
	    get_bool(o, path, "useHierarchy", &m->use_hierarchy, err) < 0 ||
	    get_bool(o, path, "checkBeforeUpdate", &m->check_before_update, err) < 0)
		return berth_error_ret(err);
	/* 0 means "not set" for these, as runc reads the spec. */
	for (struct berth_opt_i64 *z = &m->limit; z <= &m->kernel_tcp; z++)
		if (z->set && z->v == 0)
			z->set = false;
	if (m->limit.set && m->swap.set && m->limit.v > 0 && m->swap.v >= 0 &&
	    m->swap.v < m->limit.v)
		return berth_error_set(err, EINVAL,
				       "%s.swap: %lld is below limit %lld (swap is memory+swap)",
				       path, (long long)m->swap.v, (long long)m->limit.v);
	return 0;
}

static int parse_cpu(json_object *o, const char *path, struct berth_res_cpu *c,
		     struct berth_error **err)
{
	if (get_u64(o, path, "shares", 262144, &c->shares, err) < 0 ||
	    get_i64(o, path, "quota", -1, INT64_MAX, &c->quota, err) < 0 ||
	    get_u64(o, path, "burst", UINT64_MAX, &c->burst, err) < 0 ||
	    get_u64(o, path, "period", 1000000, &c->period, err) < 0 ||
	    get_i64(o, path, "realtimeRuntime", -1, INT64_MAX, &c->realtime_runtime, err) < 0 ||
	    get_u64(o, path, "realtimePeriod", UINT64_MAX, &c->realtime_period, err) < 0 ||
	    get_str(o, path, "cpus", &c->cpus, err) < 0 ||
	    get_str(o, path, "mems", &c->mems, err) < 0 ||
	    get_i64(o, path, "idle", 0, 1, &c->idle, err) < 0)
		return berth_error_ret(err);
	if (c->shares.set && c->shares.v != 0 && c->shares.v < 2)
		return berth_error_set(err, ERANGE, "%s.shares: %llu out of range [2, 262144]",
				       path, (unsigned long long)c->shares.v);
	if (c->period.set && c->period.v != 0 && c->period.v < 1000)
		return berth_error_set(err, ERANGE, "%s.period: %llu out of range [1000, 1000000]",
				       path, (unsigned long long)c->period.v);
	if (c->quota.set && c->quota.v == 0)
		c->quota.set = false; /* 0: not set, as runc reads it */
	if (c->quota.set && c->quota.v >= 0 && c->quota.v < 1000)
		return berth_error_set(err, ERANGE, "%s.quota: %lld is below 1000 (microseconds)",
				       path, (long long)c->quota.v);
	return 0;
}

static int parse_major_minor(json_object *e, const char *ep, int64_t *major, int64_t *minor,
			     struct berth_error **err)
{
	int r1 = berth_json_int(e, ep, "major", 0, UINT32_MAX, major, err);

	if (r1 < 0)
		return r1;
	int r2 = berth_json_int(e, ep, "minor", 0, UINT32_MAX, minor, err);

	if (r2 < 0)
		return r2;
	if (r1 == 0 || r2 == 0)
		return berth_error_set(err, EINVAL, "%s: major and minor are required", ep);
	return 0;
}

static int parse_weight_devices(json_object *o, const char *path, struct berth_res_blkio *b,
				struct berth_error **err)
{
	cleanup_free char *ap = berth_json_path(path, "weightDevice");
	json_object *arr = NULL;
	int ret = berth_json_array(o, path, "weightDevice", &arr, err);
	size_t n;

	if (ret <= 0)
		return ret;
	n = json_object_array_length(arr);
	b->weight_devices = calloc(n ? n : 1, sizeof(*b->weight_devices));
	if (b->weight_devices == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *ep = berth_json_index(ap, i);
		json_object *e = json_object_array_get_idx(arr, i);
		struct berth_res_weight_device *w = &b->weight_devices[i];

		if (berth_json_as_object(e, ep, err) < 0 ||
		    parse_major_minor(e, ep, &w->major, &w->minor, err) < 0 ||
		    get_u64(e, ep, "weight", 1000, &w->weight, err) < 0 ||
		    get_u64(e, ep, "leafWeight", 1000, &w->leaf_weight, err) < 0)
			return berth_error_ret(err);
		b->n_weight_devices++;
	}
	return 0;
}

static const char *const throttle_keys[BERTH_THROTTLE_COUNT] = {
	"throttleReadBpsDevice",
	"throttleWriteBpsDevice",
	"throttleReadIOPSDevice",
	"throttleWriteIOPSDevice",
};

static int parse_throttle(json_object *o, const char *path, struct berth_res_blkio *b, int k,
			  struct berth_error **err)
{
	cleanup_free char *ap = berth_json_path(path, throttle_keys[k]);
	json_object *arr = NULL;
	int ret = berth_json_array(o, path, throttle_keys[k], &arr, err);
	size_t n;

	if (ret <= 0)
		return ret;
	n = json_object_array_length(arr);
	b->throttle[k] = calloc(n ? n : 1, sizeof(*b->throttle[k]));
	if (b->throttle[k] == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *ep = berth_json_index(ap, i);
		json_object *e = json_object_array_get_idx(arr, i);
		struct berth_res_throttle *t = &b->throttle[k][i];

		if (berth_json_as_object(e, ep, err) < 0 ||
		    parse_major_minor(e, ep, &t->major, &t->minor, err) < 0)
			return berth_error_ret(err);
		ret = berth_json_uint64(e, ep, "rate", &t->rate, err);
		if (ret < 0)
			return ret;
		if (ret == 0)
			return berth_error_set(err, EINVAL, "%s.rate: required", ep);
		b->n_throttle[k]++;
	}
	return 0;
}

static int parse_blkio(json_object *o, const char *path, struct berth_res_blkio *b,
		       struct berth_error **err)
{
	if (get_u64(o, path, "weight", 1000, &b->weight, err) < 0 ||
	    get_u64(o, path, "leafWeight", 1000, &b->leaf_weight, err) < 0 ||
	    parse_weight_devices(o, path, b, err) < 0)
		return berth_error_ret(err);
	if (b->weight.set && b->weight.v != 0 && b->weight.v < 10)
		return berth_error_set(err, ERANGE, "%s.weight: %llu out of range [10, 1000]", path,
				       (unsigned long long)b->weight.v);
	for (int k = 0; k < BERTH_THROTTLE_COUNT; k++)
		if (parse_throttle(o, path, b, k, err) < 0)
			return berth_error_ret(err);
	return 0;
}

/* Parse an array of objects with @one; *n counts the parsed elements. */
static int parse_array(json_object *o, const char *path, const char *key, size_t elem, void **out,
		       size_t *n,
		       int (*one)(json_object *e, const char *ep, void *dst, struct berth_error **),
		       struct berth_error **err)
{
	cleanup_free char *ap = berth_json_path(path, key);
	json_object *arr = NULL;
	int ret = berth_json_array(o, path, key, &arr, err);
	size_t len;

	if (ret <= 0)
		return ret;
	len = json_object_array_length(arr);
	*out = calloc(len + 1, elem); /* +1: a partly parsed element is freed too */
	if (*out == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		cleanup_free char *ep = berth_json_index(ap, i);
		json_object *e = json_object_array_get_idx(arr, i);

		if (berth_json_as_object(e, ep, err) < 0 ||
		    one(e, ep, (char *)*out + i * elem, err) < 0)
			return berth_error_ret(err);
		(*n)++;
	}
	return 1;
}

static int one_hugepage(json_object *e, const char *ep, void *dst, struct berth_error **err)
{
	struct berth_res_hugepage *h = dst;
	const char *s;
	size_t digits;
	uint64_t limit = 0;
	int ret;

	if (get_str(e, ep, "pageSize", &h->page_size, err) < 0)
		return berth_error_ret(err);
	if (h->page_size == NULL)
		return berth_error_set(err, EINVAL, "%s.pageSize: required", ep);
	s = h->page_size;
	digits = strspn(s, "0123456789");
	if (digits == 0 || (strcmp(s + digits, "KB") != 0 && strcmp(s + digits, "MB") != 0 &&
			    strcmp(s + digits, "GB") != 0))
		return berth_error_set(err, EINVAL, "%s.pageSize: '%s' is not like \"2MB\"", ep, s);
	ret = berth_json_uint64(e, ep, "limit", &limit, err);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return berth_error_set(err, EINVAL, "%s.limit: required", ep);
	h->limit = limit;
	return 0;
}

static int one_net_prio(json_object *e, const char *ep, void *dst, struct berth_error **err)
{
	struct berth_res_net_prio *p = dst;
	int64_t prio = 0;
	int ret;

	if (get_str(e, ep, "name", &p->name, err) < 0)
		return berth_error_ret(err);
	if (p->name == NULL || *p->name == '\0' || strpbrk(p->name, " \t\n/") != NULL)
		return berth_error_set(err, EINVAL, "%s.name: an interface name is required", ep);
	ret = berth_json_int(e, ep, "priority", 0, UINT32_MAX, &prio, err);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return berth_error_set(err, EINVAL, "%s.priority: required", ep);
	p->priority = (uint32_t)prio;
	return 0;
}

static int device_access(json_object *e, const char *ep, char access[4], struct berth_error **err)
{
	const char *s = NULL;
	size_t n = 0;
	int ret = berth_json_string(e, ep, "access", &s, err);

	if (ret < 0)
		return ret;
	if (ret == 0 || *s == '\0')
		s = "rwm";
	for (const char *c = "rwm"; *c; c++)
		if (strchr(s, *c))
			access[n++] = *c;
	access[n] = '\0';
	if (strspn(s, "rwm") != strlen(s))
		return berth_error_set(err, EINVAL, "%s.access: '%s' is not a subset of \"rwm\"",
				       ep, s);
	return 0;
}

static int one_device(json_object *e, const char *ep, void *dst, struct berth_error **err)
{
	struct berth_res_device_rule *d = dst;
	const char *type = NULL;
	int ret;

	d->major = d->minor = -1;
	ret = berth_json_bool(e, ep, "allow", &d->allow, err);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return berth_error_set(err, EINVAL, "%s.allow: required", ep);
	if (berth_json_string(e, ep, "type", &type, err) < 0 ||
	    berth_json_int(e, ep, "major", -1, UINT32_MAX, &d->major, err) < 0 ||
	    berth_json_int(e, ep, "minor", -1, UINT32_MAX, &d->minor, err) < 0 ||
	    device_access(e, ep, d->access, err) < 0)
		return berth_error_ret(err);
	if (type == NULL)
		type = "a";
	if (strcmp(type, "a") != 0 && strcmp(type, "b") != 0 && strcmp(type, "c") != 0)
		return berth_error_set(err, EINVAL, "%s.type: '%s' is not one of a, b, c", ep,
				       type);
	d->type = type[0];
	return 0;
}

static int parse_rdma(json_object *o, const char *path, struct berth_resources *r,
		      struct berth_error **err)
{
	cleanup_free char *rp = NULL;
	json_object *map = NULL;
	int ret = sub(o, path, "rdma", &map, &rp, err);

	if (ret <= 0)
		return ret;
	r->rdma = calloc(json_object_object_length(map) + 1, sizeof(*r->rdma));
	if (r->rdma == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_object_object_foreach (map, dev, val) {
		cleanup_free char *dp = berth_json_path(rp, dev);
		struct berth_res_rdma *d = &r->rdma[r->n_rdma];

		if (berth_json_as_object(val, dp, err) < 0)
			return berth_error_ret(err);
		if ((d->device = strdup(dev)) == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		r->n_rdma++;
		if (get_u64(val, dp, "hcaHandles", UINT32_MAX, &d->hca_handles, err) < 0 ||
		    get_u64(val, dp, "hcaObjects", UINT32_MAX, &d->hca_objects, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

static int parse_unified(json_object *o, const char *path, struct berth_resources *r,
			 struct berth_error **err)
{
	json_object *map = NULL;
	int ret = berth_json_string_map(o, path, "unified", &map, err);

	if (ret <= 0)
		return ret;
	r->unified = calloc(json_object_object_length(map) + 1, sizeof(*r->unified));
	if (r->unified == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_object_object_foreach (map, key, val) {
		struct berth_res_unified *u = &r->unified[r->n_unified];

		/* A key is a file name in the container's cgroup directory, nothing else. */
		if (*key == '\0' || strchr(key, '/') != NULL || strcmp(key, ".") == 0 ||
		    strcmp(key, "..") == 0 || strchr(key, '.') == NULL)
			return berth_error_set(
			    err, EINVAL, "%s.unified: '%s' is not a cgroup file name", path, key);
		u->key = strdup(key);
		u->value = strdup(json_object_get_string(val));
		r->n_unified++;
		if (u->key == NULL || u->value == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_network(json_object *o, const char *path, struct berth_resources *r,
			 struct berth_error **err)
{
	cleanup_free char *np = NULL;
	json_object *net = NULL;
	int ret = sub(o, path, "network", &net, &np, err);

	if (ret <= 0)
		return ret;
	r->has_network = true;
	if (get_u64(net, np, "classID", UINT32_MAX, &r->net_class_id, err) < 0)
		return berth_error_ret(err);
	ret = parse_array(net, np, "priorities", sizeof(*r->net_prios), (void **)&r->net_prios,
			  &r->n_net_prios, one_net_prio, err);
	return ret < 0 ? ret : 0;
}

static int parse_sections(json_object *o, const char *path, struct berth_resources *r,
			  struct berth_error **err)
{
	cleanup_free char *mp = NULL;
	cleanup_free char *cp = NULL;
	cleanup_free char *bp = NULL;
	cleanup_free char *pp = NULL;
	json_object *s = NULL;
	int ret;

	if ((ret = sub(o, path, "memory", &s, &mp, err)) < 0)
		return ret;
	if (ret > 0 && (r->has_memory = true) && parse_memory(s, mp, &r->memory, err) < 0)
		return berth_error_ret(err);
	if ((ret = sub(o, path, "cpu", &s, &cp, err)) < 0)
		return ret;
	if (ret > 0 && (r->has_cpu = true) && parse_cpu(s, cp, &r->cpu, err) < 0)
		return berth_error_ret(err);
	if ((ret = sub(o, path, "blockIO", &s, &bp, err)) < 0)
		return ret;
	if (ret > 0 && (r->has_blkio = true) && parse_blkio(s, bp, &r->blkio, err) < 0)
		return berth_error_ret(err);
	if ((ret = sub(o, path, "pids", &s, &pp, err)) < 0)
		return ret;
	if (ret > 0 && get_i64(s, pp, "limit", INT64_MIN, INT64_MAX, &r->pids_limit, err) < 0)
		return berth_error_ret(err);
	return 0;
}

int berth_resources_parse(json_object *obj, const char *path, struct berth_resources **out,
			  struct berth_error **err)
{
	struct berth_resources *r;
	int ret;

	if (berth_json_as_object(obj, path, err) < 0)
		return berth_error_ret(err);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	ret = parse_sections(obj, path, r, err);
	if (ret >= 0)
		ret = parse_array(obj, path, "hugepageLimits", sizeof(*r->hugepages),
				  (void **)&r->hugepages, &r->n_hugepages, one_hugepage, err);
	if (ret >= 0)
		ret = parse_network(obj, path, r, err);
	if (ret >= 0)
		ret = parse_rdma(obj, path, r, err);
	if (ret >= 0)
		ret = parse_unified(obj, path, r, err);
	if (ret >= 0)
		ret = parse_array(obj, path, "devices", sizeof(*r->devices), (void **)&r->devices,
				  &r->n_devices, one_device, err);
	if (ret < 0) {
		berth_resources_free(r);
		return ret;
	}
	r->has_devices = r->devices != NULL;
	*out = r;
	return 0;
}

void berth_resources_free(struct berth_resources *r)
{
	if (r == NULL)
		return;
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blkio.weight_devices);
	for (int k = 0; k < BERTH_THROTTLE_COUNT; k++)
		free(r->blkio.throttle[k]);
	for (size_t i = 0; i < r->n_hugepages || (r->hugepages && i == r->n_hugepages); i++)
		free(r->hugepages[i].page_size);
	free(r->hugepages);
	for (size_t i = 0; i < r->n_net_prios || (r->net_prios && i == r->n_net_prios); i++)
		free(r->net_prios[i].name);
	free(r->net_prios);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	for (size_t i = 0; i < r->n_unified || (r->unified && i == r->n_unified); i++) {
		free(r->unified[i].key);
		free(r->unified[i].value);
	}
	free(r->unified);
	free(r->devices);
	free(r);
}
