/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_ENGINE_H
#define BERTH_ENGINE_ENGINE_H

#include <sys/types.h>

#include "engine/conf.h"
#include "util/error.h"

/*
 * The container engine's part of the data root (docs/containers.md):
 *
 *   containers/<id>/container.json  the record: Docker's inspect shape minus State
 *   containers/<id>/state.json      State (none before the first start), by the monitor or berth
 *   containers/<id>/config.json     the OCI spec built at create (the directory is its bundle)
 *   containers/<id>/rootfs, diff/, work/   the writable root (overlay; vfs: a copy in rootfs)
 *   containers/<id>/<id>-json.log   json-file logs (and .1, .2 ... when rotated)
 *   containers/<id>/attach.sock     the monitor's attach and control socket
 *   (containers/<id> itself)        flocked by the live monitor: its lock
 *   names/<name>                    symlink → <id>: names are reserved atomically
 *   volumes/<name>/_data            named volumes, volumes/<name>/volume.json
 *   runtime/                        the OCI runtime's state root (lib/runtime)
 *
 * Every record is written with temp + fsync + rename.
 */

#define BERTH_ENGINE_MONITORS_MAX 16

struct berth_engine {
	char *root;    /* data root path */
	int rootfd;    /* O_DIRECTORY of the data root */
	int ctrfd;     /* containers/ */
	int namesfd;   /* names/ */
	char *runtime; /* <root>/runtime: the runtime state root */
	struct berth_engine_conf conf;
	const char *conf_path; /* where conf was read from */
	/* monitors forked here (berth_ctr_start) and not reaped yet */
	pid_t monitors[BERTH_ENGINE_MONITORS_MAX];
	size_t n_monitors;
};

/*
 * Mount a tmpfs on @e's runtime directory unless it is one (runtime-dir.c),
 * before a container's runtime state is made.  The directory stays on disk
 * while it holds a container's state from before; an error leaves it so too.
 */
int berth_engine_runtime_ready(struct berth_engine *e, struct berth_error **err);

/*
 * Open (creating the directories) the engine part of @root and read the
 * config file (@conf_path; NULL: $BERTH_CONFIG or /etc/berth/berth.conf, a
 * missing file meaning defaults).
 */
int berth_engine_open(const char *root, const char *conf_path, struct berth_engine **out,
		      struct berth_error **err);
void berth_engine_free(struct berth_engine *e);

/*
 * The monitors this process forked are its children until it exits: one that
 * ended is reaped by berth_engine_reap_monitors (never waiting), at the next
 * start and at berth_engine_free; past the limit the oldest is left to the
 * process's exit.
 */
void berth_engine_add_monitor(struct berth_engine *e, pid_t pid);
void berth_engine_reap_monitors(struct berth_engine *e);

#endif
