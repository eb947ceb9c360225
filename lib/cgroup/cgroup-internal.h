/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CGROUP_INTERNAL_H
#define BERTH_CGROUP_INTERNAL_H

/* Shared between the files of lib/cgroup and its unit tests; not a public API. */

#include <stdint.h>

#include "cgroup/cgroup.h"

/* The container's directory in one hierarchy. */
struct berth_cg_dir {
	char *ctrls; /* v1: the hierarchy's controllers ("cpu,cpuacct"); v2: "" */
	char *mount; /* the hierarchy's mount point */
	char *path;  /* the container's cgroup, relative to @mount ("/berth/x") */
	char *full;  /* mount + path, for messages */
	int fd;	     /* O_DIRECTORY of @full, -1 while not open */
};

struct berth_cgroup_ops;

struct berth_cgroup {
	int mode; /* enum berth_cgroup_mode */
	char *fs_root;
	struct berth_cg_dir *v1; /* one per v1 hierarchy (none on pure v2) */
	size_t n_v1;
	struct berth_cg_dir *v2; /* the cgroup2 hierarchy or NULL */
	const struct berth_cgroup_ops *ops;
};

/* What differs between v1 (and hybrid) and v2. */
struct berth_cgroup_ops {
	int (*apply)(struct berth_cgroup *cg, const struct berth_resources *res, bool update,
		     struct berth_error **err);
	int (*freeze)(struct berth_cgroup *cg, bool frozen, struct berth_error **err);
	int (*frozen)(struct berth_cgroup *cg);
	int (*stats)(struct berth_cgroup *cg, json_object *data, struct berth_error **err);
};

extern const struct berth_cgroup_ops berth_cgroup_v1_ops;
extern const struct berth_cgroup_ops berth_cgroup_v2_ops;

/* files.c: knobs.  @key is the JSON field for messages ("memory.limit"). */
/* Write rdma.max lines for r->rdma into @d (v1 and v2 share the format). */
int berth_cg_write_rdma(struct berth_cg_dir *d, const struct berth_resources *r,
			struct berth_error **err);

int berth_cg_set(struct berth_cg_dir *d, const char *key, const char *file,
		 struct berth_error **err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/*
 * berth_cg_set() through *@fd, @file opened on the first call (the caller
 * closes it): for a file written many times in a row (devices.allow).
 */
int berth_cg_set_fd(struct berth_cg_dir *d, int *fd, const char *key, const char *file,
		    struct berth_error **err, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
int berth_cg_read(struct berth_cg_dir *d, const char *file, char **out, struct berth_error **err);
/* A number or "max" (UINT64_MAX); -errno without an error object (stats tolerate absence). */
int berth_cg_read_u64(struct berth_cg_dir *d, const char *file, uint64_t *out);
/* The value after "@key " in a flat-keyed file such as memory.stat; -ENOENT when missing. */
int berth_cg_read_keyed(struct berth_cg_dir *d, const char *file, const char *key, uint64_t *out);
int berth_cg_has(struct berth_cg_dir *d, const char *file);

/* hierarchy.c */
struct berth_cg_dir *berth_cg_find_v1(struct berth_cgroup *cg, const char *controller);

/* Whether the @sep-separated @list ("cpu,cpuacct", "cpu memory") holds @name's first @len bytes. */
bool berth_cg_list_has(const char *list, char sep, const char *name, size_t len);
/*
 * Resolve a cgroupsPath for one hierarchy.  @own is the caller's cgroup in
 * that hierarchy (from /proc/self/cgroup), used when @cgroups_path is
 * relative.  The result starts with '/' and has no "." or ".." component.
 */
int berth_cg_resolve_path(const char *cgroups_path, const char *id, const char *own, char **out,
			  struct berth_error **err);
int berth_cg_discover(struct berth_cgroup *cg, const char *cgroups_path, const char *id,
		      struct berth_error **err);
/* Make the directory and its parents; @v1_cpuset copies cpus/mems into new parents. */
int berth_cg_mkdir(struct berth_cg_dir *d, bool v1_cpuset, struct berth_error **err);
int berth_cg_rmdir(struct berth_cg_dir *d, struct berth_error **err);
int berth_cg_open_dir(struct berth_cg_dir *d, struct berth_error **err);

/* v1-devices-io.c: blkio, hugetlb, network, devices, rdma, unified (for v1.c). */
int berth_cg_v1_apply_more(struct berth_cgroup *cg, const struct berth_resources *r,
			   struct berth_error **err);

/* v2.c: used by the hybrid manager for what only the unified hierarchy has. */
int berth_cg_v2_hugetlb(struct berth_cg_dir *d, const struct berth_resources *res,
			struct berth_error **err);
int berth_cg_v2_unified(struct berth_cg_dir *d, const struct berth_resources *res,
			struct berth_error **err);
int berth_cg_v2_freeze(struct berth_cg_dir *d, bool frozen, struct berth_error **err);
int berth_cg_v2_frozen(struct berth_cg_dir *d);

/* v2-devices-bpf.c: replace the device programs attached to @dirfd with one for @rules. */
int berth_cg_bpf_devices(int dirfd, const struct berth_res_device_rule *rules, size_t n,
			 struct berth_error **err);

/* convert.c-like helpers, in v2.c */
uint64_t berth_cg_shares_to_weight(uint64_t shares);

/* stats.c */
int berth_cg_stats_v1(struct berth_cgroup *cg, json_object *data, struct berth_error **err);
int berth_cg_stats_v2(struct berth_cgroup *cg, json_object *data, struct berth_error **err);

#endif
