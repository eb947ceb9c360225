/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_CP_H
#define BERTH_ENGINE_CP_H

#include <stdbool.h>

#include "engine/engine.h"
#include "util/error.h"

/*
 * `berth cp` and `berth export`.  Every path inside the container is resolved
 * on its root file system's directory fd with berth_openat_in_root()
 * (openat2 RESOLVE_IN_ROOT): a symlink in the container, even one swapped in
 * while we copy, resolves inside the container (CVE-2018-15664).  Only the
 * container's root file system is seen, not the volumes or tmpfs mounted into
 * a running container (docs/cli-containers.md).  A stopped container's root
 * is mounted for the copy and unmounted after.
 */

struct berth_cp_opts {
	bool follow;  /* -L: follow a symlink that is the source */
	bool archive; /* -a: keep uid/gid (else: root in the container, the caller on the host) */
};

/* `cp CTR:SRC -`: SRC as a tar stream on @out_fd. */
int berth_ctr_cp_out(struct berth_engine *e, const char *ref, const char *src,
		     const struct berth_cp_opts *o, int out_fd, struct berth_error **err);

/* `cp CTR:SRC DEST`: into the host path @dest with Docker's rules (docs). */
int berth_ctr_cp_to_host(struct berth_engine *e, const char *ref, const char *src, const char *dest,
			 const struct berth_cp_opts *o, struct berth_error **err);

/* `cp SRC CTR:DEST`: the host path @src into the container. */
int berth_ctr_cp_from_host(struct berth_engine *e, const char *ref, const char *src,
			   const char *dest, const struct berth_cp_opts *o,
			   struct berth_error **err);

/* `cp - CTR:DIR`: a tar stream read from @in_fd extracted into directory @dest. */
int berth_ctr_cp_in(struct berth_engine *e, const char *ref, int in_fd, const char *dest,
		    const struct berth_cp_opts *o, struct berth_error **err);

/* `export`: the container's whole root file system as a tar stream on @out_fd. */
int berth_ctr_export(struct berth_engine *e, const char *ref, int out_fd, struct berth_error **err);

/*
 * Docker's rules for where a copy lands.  Given the source (a directory?
 * "/." at its end: its contents only?) and the destination (exists? a
 * directory? ends with '/'?), say where to extract (into DEST itself, else
 * into DEST's parent) and under which top name.  EINVAL/ENOENT/ENOTDIR with
 * Docker's messages for impossible copies.
 */
enum berth_cp_name {
	BERTH_CP_NAME_SRC,	/* the source's base name */
	BERTH_CP_NAME_DEST,	/* DEST's base name */
	BERTH_CP_NAME_CONTENTS, /* the source directory's entries at the top */
};
struct berth_cp_plan {
	bool into_dest;
	enum berth_cp_name name;
};
int berth_cp_plan(const char *src, bool src_is_dir, const char *dest, bool dest_exists,
		  bool dest_is_dir, struct berth_cp_plan *out, struct berth_error **err);

/* The last component of @path ("/a/b/" → "b", "/" → "/"), as a new string. */
char *berth_cp_base(const char *path);

#endif
