/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_CTR_H
#define BERTH_ENGINE_CTR_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "util/error.h"

/*
 * Container records (layout in engine.h).  A container is two JSON files:
 * the record (Docker's `inspect` object without State: Id, Created, Path,
 * Args, Name, Image, Config, HostConfig, Mounts, GraphDriver, LogPath,
 * ResolvConfPath..., plus "BerthSpec" facts the engine needs later) and its
 * State (Status, Running, Paused, Restarting, OOMKilled, Dead, Pid, ExitCode,
 * Error, StartedAt, FinishedAt, plus RestartCount and MonitorPid).
 */

#define BERTH_CTR_ID_LEN 64

struct berth_ctr {
	char id[BERTH_CTR_ID_LEN + 1];
	json_object *record; /* owned */
	json_object *state;  /* owned */
};

/* Status strings as Docker prints them. */
#define BERTH_CTR_CREATED "created"
#define BERTH_CTR_RUNNING "running"
#define BERTH_CTR_PAUSED "paused"
#define BERTH_CTR_RESTARTING "restarting"
#define BERTH_CTR_EXITED "exited"
#define BERTH_CTR_DEAD "dead"

/* Names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ as Docker (a leading '/' is accepted). */
int berth_ctr_check_name(const char *name, struct berth_error **err);

/*
 * Allocate a new id and its directory; reserve @name (NULL: generate a
 * Docker-like "adjective_name").  A name in use fails with EEXIST and
 * Docker's message.  *name_out gets the name (caller frees).
 */
int berth_ctr_alloc(struct berth_engine *e, const char *name, char *id, char **name_out,
		    struct berth_error **err);

/* Undo berth_ctr_alloc() or remove a container's files: name link, directory. */
int berth_ctr_remove_files(struct berth_engine *e, const char *id, struct berth_error **err);

/*
 * Resolve @ref (full id, unique id prefix, or name with or without '/') to
 * a full id.  ENOENT: "No such container: REF"; ambiguous prefixes: EINVAL.
 */
int berth_ctr_lookup(struct berth_engine *e, const char *ref, char *id, struct berth_error **err);

/* Every container id, sorted by creation time, newest first. */
int berth_ctr_list(struct berth_engine *e, char ***ids, struct berth_error **err);

/*
 * Load record and state (a missing state.json, as a container has until its
 * first start, is berth_ctr_created_state()).  The caller frees with
 * berth_ctr_free().
 */
int berth_ctr_load(struct berth_engine *e, const char *id, struct berth_ctr **out,
		   struct berth_error **err);
void berth_ctr_free(struct berth_ctr *c);
/* The State of a container never started. */
json_object *berth_ctr_created_state(void);

/*
 * Whether a container created from @body (or with record @body: both carry
 * HostConfig) keeps its files durable: false for AutoRemove (ctr.c, save).
 */
bool berth_ctr_body_durable(json_object *body);

int berth_ctr_save_record(struct berth_engine *e, const struct berth_ctr *c,
			  struct berth_error **err);
int berth_ctr_save_state(struct berth_engine *e, const struct berth_ctr *c,
			 struct berth_error **err);
/*
 * The same, keeping the State it replaces open in *old_fd (-1: none, or a
 * durable record, whose writes pay their cost anyway): its blocks are freed
 * when the caller closes it (berth_write_file_replace_keep).
 */
int berth_ctr_save_state_keep(struct berth_engine *e, const struct berth_ctr *c, int *old_fd,
			      struct berth_error **err);

/* Rename: reserve the new name, update the record, release the old one. */
int berth_ctr_rename(struct berth_engine *e, const char *id, const char *name,
		     struct berth_error **err);

/* The container's directory path (caller frees) and an O_DIRECTORY fd of it. */
char *berth_ctr_dir(struct berth_engine *e, const char *id);
int berth_ctr_dirfd(struct berth_engine *e, const char *id, struct berth_error **err);

/* Field helpers on the loaded JSON (never NULL: "" or 0 when absent). */
const char *berth_ctr_name(const struct berth_ctr *c); /* without the '/' */
const char *berth_ctr_status(const struct berth_ctr *c);
json_object *berth_ctr_hostconfig(const struct berth_ctr *c);
/* Status running, paused or restarting. */
bool berth_ctr_active(const struct berth_ctr *c);
json_object *berth_ctr_config(const struct berth_ctr *c);
pid_t berth_ctr_pid(const struct berth_ctr *c);

/* Set a State field (replacing it). */
void berth_ctr_state_set_str(struct berth_ctr *c, const char *key, const char *value);
void berth_ctr_state_set_int(struct berth_ctr *c, const char *key, int64_t value);
void berth_ctr_state_set_bool(struct berth_ctr *c, const char *key, bool value);

/*
 * Bring State up to date with what is true now, when no live monitor holds
 * its lock (an flock on the container's directory): a "running" container whose monitor died is
 * still running if its init lives (the runtime's state says so), else it is "exited" with ExitCode
 * 255 and Error "monitor died"; the change is saved.  Called by every command that reads a state.
 */
int berth_ctr_refresh(struct berth_engine *e, struct berth_ctr *c, struct berth_error **err);

/* Whether a monitor holds the container's lock (an flock on its directory). */
bool berth_ctr_monitor_alive(struct berth_engine *e, const char *id);

#endif
