/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_SPEC_MOUNTS_INTERNAL_H
#define BERTH_ENGINE_SPEC_MOUNTS_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/spec-build.h"
#include "util/error.h"

/*
 * The mounts a create body asks for, parsed (spec-mounts-parse.c) before
 * anything on the host is touched, then resolved and written into the spec
 * (spec-mounts.c).
 */

enum berth_mreq_type { BERTH_MREQ_BIND, BERTH_MREQ_VOLUME, BERTH_MREQ_TMPFS };

struct berth_mreq {
	enum berth_mreq_type type;
	char *source; /* bind: clean absolute host path; volume: name, NULL = anonymous */
	char *target; /* clean absolute path in the container */
	bool ro;
	bool nocopy;	    /* volume: no copy of the image's content */
	bool create_source; /* bind from -v: a missing source directory is created */
	bool inspect;	    /* listed in Docker's "Mounts" (not --tmpfs, as Docker) */
	char relabel;	    /* 'z' or 'Z' asked (SELinux relabeling, not done), else 0 */
	char *propagation;  /* NULL: default */
	char *mode;	    /* Docker's inspect "Mode": the -v options as given, else "" */
	char *tmpfs_opts;   /* tmpfs: comma list of mount options (defaults first) */
};

struct berth_mreqs {
	struct berth_mreq *v;
	size_t n;
};

/* "src:dst[:opts]" or "dst" (anonymous volume) of HostConfig.Binds; @where names it. */
int berth_mreq_parse_bind(const char *spec, const char *where, struct berth_mreq *out,
			  struct berth_error **err);

/* One HostConfig.Mounts entry ({Type, Source, Target, ReadOnly, ...}) at JSON path @path. */
int berth_mreq_parse_mount(json_object *m, const char *path, struct berth_mreq *out,
			   struct berth_error **err);

/* One HostConfig.Tmpfs entry: @target and its option string ("size=64m,mode=1777"). */
int berth_mreq_parse_tmpfs(const char *target, const char *opts, const char *where,
			   struct berth_mreq *out, struct berth_error **err);

/*
 * Everything the body asks: Binds, Mounts, Tmpfs, then the anonymous volumes
 * of the body's "Volumes" and the image config's Volumes whose target no
 * other mount covers.  Two mounts on one target fail ("Duplicate mount point").
 */
int berth_mreqs_collect(struct berth_spec_ctx *ctx, struct berth_mreqs *out,
			struct berth_error **err);

/* A mount target: absolute, no "..", not "/"; *clean gets its clean form (the caller frees). */
int berth_mreq_check_target(const char *t, const char *where, char **clean,
			    struct berth_error **err);

void berth_mreq_release(struct berth_mreq *m);
void berth_mreqs_release(struct berth_mreqs *r);

/* Lexically clean absolute @path ("//a/./b/" → "/a/b"); ".." refused when !@dotdot_ok. */
char *berth_clean_path(const char *path, bool dotdot_ok);

#endif
