/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_VOLUME_H
#define BERTH_ENGINE_VOLUME_H

#include <json-c/json.h>
#include <stdbool.h>

#include "engine/engine.h"
#include "util/error.h"

/*
 * Named volumes ("local" driver), docs/volumes.md:
 *
 *   volumes/<name>/_data         the content, bind-mounted into containers
 *   volumes/<name>/volume.json   Docker's `volume inspect` object
 *   volumes/.new-<rand>/         a volume being created (renamed into place when complete)
 *   volumes/.rm-<rand>/          a volume being removed
 *
 * A volume appears by one rename of a complete directory and disappears by
 * one rename out of the way, so a crash leaves either the whole volume or
 * none of it; leftovers starting with '.' are never volumes and are swept
 * by berth_volume_list().  Nothing below volumes/<name> may be a symlink:
 * every path handed out is checked component by component (O_NOFOLLOW),
 * so a volume directory replaced by a link to /etc is refused, not followed.
 */

#define BERTH_VOLUME_ANON_LEN 64
#define BERTH_VOLUME_NAME_MAX 255

/*
 * Docker's volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+.  EINVAL with Docker's
 * message otherwise.
 */
int berth_volume_check_name(const char *name, struct berth_error **err);

/* Options of berth_volume_create(). */
struct berth_volume_create_opts {
	const char *name;    /* NULL: anonymous (a random 64-hex name) */
	json_object *labels; /* borrowed string map, or NULL */
	bool anonymous;	     /* recorded as the label com.docker.volume.anonymous="" as Docker */
};

/*
 * Create a volume, or find the existing one of that name (as Docker, creating
 * an existing volume is not an error).  @name_out (room for
 * BERTH_VOLUME_NAME_MAX + 1) gets the name; *created tells whether it is new.
 */
int berth_volume_create(struct berth_engine *e, const struct berth_volume_create_opts *o,
			char *name_out, bool *created, struct berth_error **err);

/*
 * Check that volume @name is intact (volumes/<name> and its _data real
 * directories, no symlink anywhere) and return its _data path, which is
 * what the runtime mounts (the caller frees), and, if @datafd is not NULL,
 * an O_RDONLY|O_DIRECTORY fd of _data (the caller closes).  ENOENT
 * "no such volume: NAME"; ELOOP/ENOTDIR when something is not a real directory.
 */
int berth_volume_path(struct berth_engine *e, const char *name, char **path, int *datafd,
		      struct berth_error **err);

/* Docker's inspect object of @name (the caller puts it). */
int berth_volume_inspect(struct berth_engine *e, const char *name, json_object **out,
			 struct berth_error **err);

/* Every volume name, sorted (the caller frees with berth_strv_free()). */
int berth_volume_list(struct berth_engine *e, char ***names, struct berth_error **err);

/* Remove a volume (no in-use check: see berth_volume_users()). */
int berth_volume_remove(struct berth_engine *e, const char *name, struct berth_error **err);

/*
 * Ids of the containers whose record mounts volume @name ("Mounts" entries
 * with Type "volume" and that Name), whatever their state.  The caller
 * frees *ids with berth_strv_free().
 */
int berth_volume_users(struct berth_engine *e, const char *name, char ***ids,
		       struct berth_error **err);

/*
 * Remove every volume no container uses (Docker's prune: @all false keeps
 * named volumes and removes only anonymous ones; true removes both).
 * *removed gets the removed names (the caller frees), *reclaimed the bytes.
 */
int berth_volume_prune(struct berth_engine *e, bool all, char ***removed, long long *reclaimed,
		       struct berth_error **err);

#endif
