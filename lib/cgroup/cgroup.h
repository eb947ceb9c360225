/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CGROUP_CGROUP_H
#define BERTH_CGROUP_CGROUP_H

/*
 * The container's control group, on cgroup v1, v2, or the hybrid layout
 * (v1 controllers plus a cgroup2 mount at <root>/unified).  One handle covers
 * every hierarchy the container lives in; the v1 and v2 managers sit behind
 * an ops table (cgroup-internal.h).  See docs/cgroups.md for the mapping of
 * every linux.resources field to kernel files.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/spec-resources.h"
#include "util/error.h"

enum berth_cgroup_mode {
	BERTH_CGROUP_V1 = 1,
	BERTH_CGROUP_V2 = 2,
	BERTH_CGROUP_HYBRID = 3,
};

struct berth_cgroup;

struct berth_cgroup_opts {
	const char *cgroups_path; /* linux.cgroupsPath, may be NULL: "/berth/<id>" */
	const char *id;		  /* container id */
	bool systemd;		  /* systemd cgroup driver: refused (no systemd here) */
	const char *fs_root;	  /* NULL: /sys/fs/cgroup; tests point it at a fake tree */
};

/*
 * Create the container's cgroup in every hierarchy (missing parents too; on
 * v2 the parents' cgroup.subtree_control gets the available controllers),
 * apply @res (may be NULL) and move @pid in (0: move nothing).  On failure the
 * directories created here are removed again.  The caller frees *out with
 * berth_cgroup_free().
 */
int berth_cgroup_create(const struct berth_cgroup_opts *o, const struct berth_resources *res,
			pid_t pid, struct berth_cgroup **out, struct berth_error **err);

/* A string (JSON) that berth_cgroup_open() turns back into the handle; the caller frees. */
char *berth_cgroup_save(const struct berth_cgroup *cg);

/* Reopen a cgroup saved with berth_cgroup_save(); nothing is created. */
int berth_cgroup_open(const char *saved, struct berth_cgroup **out, struct berth_error **err);

/* Move @pid into the cgroup in every hierarchy (exec'd processes). */
int berth_cgroup_enter(struct berth_cgroup *cg, pid_t pid, struct berth_error **err);

/*
 * How a new process joins the cgroup by itself, without the slow path of a
 * migration by pid.  Writing a pid to a v1 cgroup.procs (or any v2 migration)
 * takes the global cgroup_threadgroup_rwsem for writing, which waits for an
 * RCU grace period (about 10 ms on an idle machine); a single-threaded
 * process writing "0" (itself) to a v1 `tasks` file skips that lock.  v2
 * membership is given at birth instead, by clone3(CLONE_INTO_CGROUP) with
 * @v2_dir.  berth_cgroup_join_open() opens the fds in the parent (as host
 * root, before the child enters a user namespace); the child, single-threaded,
 * calls berth_cgroup_join_self().
 */
struct berth_cgroup_join {
	int *v1_tasks; /* one O_WRONLY `tasks` fd per v1 hierarchy */
	size_t n_v1;
	int v2_dir; /* O_DIRECTORY of the cgroup2 directory, or -1 */
};

int berth_cgroup_join_open(struct berth_cgroup *cg, struct berth_cgroup_join *j,
			   struct berth_error **err);

/* In the joining process: async-signal-safe; 0 or -errno. */
int berth_cgroup_join_self(const struct berth_cgroup_join *j);

/* NULL-safe; leaves j empty (v2_dir -1). */
void berth_cgroup_join_close(struct berth_cgroup_join *j);

/* Apply @res to a live cgroup; absent fields are left alone. */
int berth_cgroup_update(struct berth_cgroup *cg, const struct berth_resources *res,
			struct berth_error **err);

/* Freeze or thaw every process; returns once the kernel reports FROZEN/THAWED (5 s cap). */
int berth_cgroup_freeze(struct berth_cgroup *cg, bool frozen, struct berth_error **err);

/* 1 when frozen, 0 when not, or -errno. */
int berth_cgroup_frozen(struct berth_cgroup *cg);

/* The pids in the cgroup and its descendants; the caller frees *pids. */
int berth_cgroup_pids(struct berth_cgroup *cg, pid_t **pids, size_t *n, struct berth_error **err);

/*
 * Send @sig to every process in the cgroup.  SIGKILL uses cgroup.kill where
 * the kernel has it; otherwise the cgroup is frozen, signalled and thawed so
 * that a forking process cannot escape.
 */
int berth_cgroup_kill(struct berth_cgroup *cg, int sig, struct berth_error **err);

/* Remove the container's directories (and sub-cgroups) everywhere, retrying EBUSY for 1 s. */
int berth_cgroup_destroy(struct berth_cgroup *cg, struct berth_error **err);

/* Usage counters in the shape of runc's `events --stats` "data"; the caller puts *out. */
int berth_cgroup_stats(struct berth_cgroup *cg, json_object **out, struct berth_error **err);

/*
 * The OOM kills in the cgroup so far, from the one file that counts them
 * (v1 memory.oom_control, v2 memory.events): what `OOMKilled` needs, without
 * reading every statistic.  0 when the kernel has no such counter.
 */
int berth_cgroup_oom_kills(struct berth_cgroup *cg, uint64_t *out, struct berth_error **err);

/*
 * The resolved cgroup path relative to the hierarchy root ("/berth/x").  For a
 * relative cgroupsPath on v1 each hierarchy may differ; this is the unified
 * one when there is one, else the first v1 hierarchy's.
 */
const char *berth_cgroup_path(const struct berth_cgroup *cg);

/* BERTH_CGROUP_V1 / _V2 / _HYBRID for @fs_root (NULL: /sys/fs/cgroup), or -errno. */
int berth_cgroup_mode(const char *fs_root);

/* NULL-safe; does not touch the kernel. */
void berth_cgroup_free(struct berth_cgroup *cg);

#endif
