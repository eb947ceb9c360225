/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_ENGINE_H
#define BERTH_ENGINE_ENGINE_H

#include "engine/conf.h"
#include "util/error.h"

/*
 * The container engine's part of the data root (docs/containers.md):
 *
 *   containers/<id>/container.json  the record: Docker's inspect shape minus State
 *   containers/<id>/state.json      State, written by the monitor (or by berth when none runs)
 *   containers/<id>/bundle/         config.json, the OCI spec built at create
 *   containers/<id>/rootfs, diff/, work/   the writable root (overlay; vfs: a copy in rootfs)
 *   containers/<id>/<id>-json.log   json-file logs (and .1, .2 ... when rotated)
 *   containers/<id>/attach.sock     the monitor's attach and control socket
 *   containers/<id>/monitor.lock    flock held by the live monitor
 *   names/<name>                    symlink → <id>: names are reserved atomically
 *   volumes/<name>/_data            named volumes, volumes/<name>/volume.json
 *   runtime/                        the OCI runtime's state root (lib/runtime)
 *
 * Every record is written with temp + fsync + rename.
 */

struct berth_engine {
	char *root;    /* data root path */
	int rootfd;    /* O_DIRECTORY of the data root */
	int ctrfd;     /* containers/ */
	int namesfd;   /* names/ */
	char *runtime; /* <root>/runtime: the runtime state root */
	struct berth_engine_conf conf;
	const char *conf_path; /* where conf was read from */
};

/*
 * Open (creating the directories) the engine part of @root and read the
 * config file (@conf_path; NULL: $BERTH_CONFIG or /etc/berth/berth.conf, a
 * missing file meaning defaults).
 */
int berth_engine_open(const char *root, const char *conf_path, struct berth_engine **out,
		      struct berth_error **err);
void berth_engine_free(struct berth_engine *e);

#endif
