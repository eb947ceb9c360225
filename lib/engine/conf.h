/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_CONF_H
#define BERTH_ENGINE_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

/*
 * /etc/berth/berth.conf: "key = value" lines, '#' comments.  Each key is a
 * default that a `run` flag overrides; unknown keys and bad values are
 * errors naming the line.
 *
 *   memory = 512m            default memory limit ("0" / "none": unlimited)
 *   cpu_shares = 1024        default CPU weight
 *   pids_limit = 2048        default pids limit ("0" / "none": unlimited)
 *   ulimit = nofile=1024:4096   (repeatable) default ulimits
 *   log_driver = json-file   default log driver
 *   log_opt = max-size=10m   (repeatable) default log options
 *   storage_driver = overlay
 *   userns = remap           "remap" (default) or "host"
 *   seccomp_profile = /path  default seccomp profile (JSON, Docker's format)
 *   cgroup_parent = berth    cgroup parent of containers
 */

#define BERTH_CONF_DEFAULT_PATH "/etc/berth/berth.conf"
#define BERTH_CONF_MAX_LIST 32

struct berth_engine_conf {
	int64_t memory;			    /* bytes, 0 = unlimited */
	int64_t cpu_shares;		    /* 0 = kernel default */
	int64_t pids_limit;		    /* 0 = unlimited */
	char *ulimits[BERTH_CONF_MAX_LIST]; /* "nofile=1024:4096", NULL-terminated */
	char *log_driver;
	char *log_opts[BERTH_CONF_MAX_LIST]; /* "key=value", NULL-terminated */
	char *storage_driver;		     /* NULL: probe */
	bool userns_remap;
	char *seccomp_profile; /* NULL: berth's built-in profile */
	char *cgroup_parent;
};

/* The defaults berth ships (what a missing file means). */
void berth_conf_defaults(struct berth_engine_conf *c);

/* Read @path over the defaults; a missing file is not an error. */
int berth_conf_load(const char *path, struct berth_engine_conf *c, struct berth_error **err);

void berth_conf_release(struct berth_engine_conf *c);

#endif
