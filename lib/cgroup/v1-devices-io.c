/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"

/* cgroup v1: blkio, hugetlb, net_cls/net_prio, devices and rdma. */

static struct berth_cg_dir *need(struct berth_cgroup *cg, const char *ctrl, const char *key,
				 struct berth_error **err)
{
	struct berth_cg_dir *d = berth_cg_find_v1(cg, ctrl);

	if (d == NULL)
		berth_error_set(err, ENOTSUP,
				"linux.resources.%s: the cgroup v1 '%s' controller is not mounted "
				"under '%s'",
				key, ctrl, cg->fs_root);
	return d;
}

/* CFQ's blkio.weight, or BFQ's blkio.bfq.weight where only that one exists. */
static const char *pick(struct berth_cg_dir *d, const char *cfq, const char *bfq)
{
	return berth_cg_has(d, cfq) || !berth_cg_has(d, bfq) ? cfq : bfq;
}

static int apply_weights(struct berth_cg_dir *d, const struct berth_res_blkio *b,
			 struct berth_error **err)
{
	const char *wfile = pick(d, "blkio.weight", "blkio.bfq.weight");
	const char *wdev = pick(d, "blkio.weight_device", "blkio.bfq.weight_device");

	if (b->weight.set && b->weight.v &&
	    berth_cg_set(d, "blockIO.weight", wfile, err, "%llu", (unsigned long long)b->weight.v) <
		0)
		return -1;
	if (b->leaf_weight.set && b->leaf_weight.v &&
	    berth_cg_set(d, "blockIO.leafWeight", "blkio.leaf_weight", err, "%llu",
			 (unsigned long long)b->leaf_weight.v) < 0)
		return -1;
	for (size_t i = 0; i < b->n_weight_devices; i++) {
		const struct berth_res_weight_device *w = &b->weight_devices[i];

		if (w->weight.set &&
		    berth_cg_set(d, "blockIO.weightDevice", wdev, err, "%lld:%lld %llu",
				 (long long)w->major, (long long)w->minor,
				 (unsigned long long)w->weight.v) < 0)
			return -1;
		if (w->leaf_weight.set &&
		    berth_cg_set(d, "blockIO.weightDevice", "blkio.leaf_weight_device", err,
				 "%lld:%lld %llu", (long long)w->major, (long long)w->minor,
				 (unsigned long long)w->leaf_weight.v) < 0)
			return -1;
	}
	return 0;
}

static const char *const throttle_files[BERTH_THROTTLE_COUNT] = {
	"blkio.throttle.read_bps_device",
	"blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device",
	"blkio.throttle.write_iops_device",
};

static const char *const throttle_keys[BERTH_THROTTLE_COUNT] = {
	"blockIO.throttleReadBpsDevice",
	"blockIO.throttleWriteBpsDevice",
	"blockIO.throttleReadIOPSDevice",
	"blockIO.throttleWriteIOPSDevice",
};

static int apply_blkio(struct berth_cgroup *cg, const struct berth_resources *r,
		       struct berth_error **err)
{
	const struct berth_res_blkio *b = &r->blkio;
	struct berth_cg_dir *d;

	if (!r->has_blkio)
		return 0;
	if ((d = need(cg, "blkio", "blockIO", err)) == NULL || apply_weights(d, b, err) < 0)
		return -1;
	for (int k = 0; k < BERTH_THROTTLE_COUNT; k++)
		for (size_t i = 0; i < b->n_throttle[k]; i++) {
			const struct berth_res_throttle *t = &b->throttle[k][i];

			if (berth_cg_set(d, throttle_keys[k], throttle_files[k], err,
					 "%lld:%lld %llu", (long long)t->major, (long long)t->minor,
					 (unsigned long long)t->rate) < 0)
				return -1;
		}
	return 0;
}

static int apply_hugetlb(struct berth_cgroup *cg, const struct berth_resources *r,
			 struct berth_error **err)
{
	struct berth_cg_dir *d = berth_cg_find_v1(cg, "hugetlb");

	if (r->n_hugepages == 0)
		return 0;
	if (d == NULL && cg->v2 != NULL) /* hybrid: hugetlb lives in the unified hierarchy */
		return berth_cg_v2_hugetlb(cg->v2, r, err);
	if (d == NULL)
		return need(cg, "hugetlb", "hugepageLimits", err) ? 0 : -1;
	for (size_t i = 0; i < r->n_hugepages; i++) {
		cleanup_free char *file = NULL;

		if (asprintf(&file, "hugetlb.%s.limit_in_bytes", r->hugepages[i].page_size) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (berth_cg_set(d, "hugepageLimits", file, err, "%llu",
				 (unsigned long long)r->hugepages[i].limit) < 0)
			return -1;
	}
	return 0;
}

static int apply_network(struct berth_cgroup *cg, const struct berth_resources *r,
			 struct berth_error **err)
{
	struct berth_cg_dir *d;

	if (r->net_class_id.set) {
		if ((d = need(cg, "net_cls", "network.classID", err)) == NULL ||
		    berth_cg_set(d, "network.classID", "net_cls.classid", err, "%llu",
				 (unsigned long long)r->net_class_id.v) < 0)
			return -1;
	}
	if (r->n_net_prios == 0)
		return 0;
	if ((d = need(cg, "net_prio", "network.priorities", err)) == NULL)
		return -1;
	for (size_t i = 0; i < r->n_net_prios; i++)
		if (berth_cg_set(d, "network.priorities", "net_prio.ifpriomap", err, "%s %u",
				 r->net_prios[i].name, r->net_prios[i].priority) < 0)
			return -1;
	return 0;
}

/* devices.deny and devices.allow, each opened once for all the rules. */
struct dev_files {
	struct berth_cg_dir *d;
	int fd[2]; /* [allow] */
};

static int dev_set(struct dev_files *f, bool allow, struct berth_error **err, const char *val)
{
	return berth_cg_set_fd(f->d, &f->fd[allow], "devices",
			       allow ? "devices.allow" : "devices.deny", err, "%s", val);
}

/* One rule in the devices.allow/deny syntax; type 'a' is written as 'a' only for "all". */
static int write_rule(struct dev_files *f, const struct berth_res_device_rule *rule, char type,
		      struct berth_error **err)
{
	char major[24] = "*", minor[24] = "*", val[80];

	if (rule->major >= 0)
		snprintf(major, sizeof(major), "%lld", (long long)rule->major);
	if (rule->minor >= 0)
		snprintf(minor, sizeof(minor), "%lld", (long long)rule->minor);
	snprintf(val, sizeof(val), "%c %s:%s %s", type, major, minor, rule->access);
	return dev_set(f, rule->allow, err, val);
}

static int write_rules(struct dev_files *f, const struct berth_resources *r,
		       struct berth_error **err)
{
	/* Deny everything, then the rules in order: a later rule overrides an earlier one. */
	if (dev_set(f, false, err, "a") < 0)
		return -1;
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct berth_res_device_rule *rule = &r->devices[i];
		bool all = rule->major < 0 && rule->minor < 0 && strcmp(rule->access, "rwm") == 0;
		int ret;

		/* The usual first rule, "deny all", was just written. */
		if (i == 0 && rule->type == 'a' && all && !rule->allow)
			continue;
		if (rule->type == 'a' && all)
			ret = dev_set(f, rule->allow, err, "a");
		else if (rule->type == 'a')
			ret =
			    write_rule(f, rule, 'c', err) < 0 ? -1 : write_rule(f, rule, 'b', err);
		else
			ret = write_rule(f, rule, rule->type, err);
		if (ret < 0)
			return berth_error_prefix(err, "rule %zu", i);
	}
	return 0;
}

static int apply_devices(struct berth_cgroup *cg, const struct berth_resources *r,
			 struct berth_error **err)
{
	struct dev_files f = { .fd = { -1, -1 } };
	int ret;

	if (!r->has_devices)
		return 0;
	if ((f.d = need(cg, "devices", "devices", err)) == NULL)
		return -1;
	ret = write_rules(&f, r, err);
	for (int i = 0; i < 2; i++)
		if (f.fd[i] >= 0)
			close(f.fd[i]);
	return ret;
}

static int apply_rdma(struct berth_cgroup *cg, const struct berth_resources *r,
		      struct berth_error **err)
{
	struct berth_cg_dir *d = berth_cg_find_v1(cg, "rdma");

	if (r->n_rdma == 0)
		return 0;
	if (d == NULL && cg->v2 != NULL && berth_cg_has(cg->v2, "rdma.max"))
		d = cg->v2;
	if (d == NULL)
		return need(cg, "rdma", "rdma", err) ? 0 : -1;
	/* rdma.max has one format in v1 and v2. */
	return berth_cg_write_rdma(d, r, err);
}

int berth_cg_v1_apply_more(struct berth_cgroup *cg, const struct berth_resources *r,
			   struct berth_error **err)
{
	if (apply_blkio(cg, r, err) < 0 || apply_hugetlb(cg, r, err) < 0 ||
	    apply_network(cg, r, err) < 0 || apply_devices(cg, r, err) < 0 ||
	    apply_rdma(cg, r, err) < 0)
		return berth_error_ret(err);
	if (r->n_unified == 0)
		return 0;
	if (cg->v2 == NULL)
		return berth_error_set(err, ENOTSUP,
				       "linux.resources.unified: needs a cgroup v2 hierarchy, and "
				       "'%s' has none",
				       cg->fs_root);
	return berth_cg_v2_unified(cg->v2, r, err);
}
