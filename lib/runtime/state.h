/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_STATE_H
#define BERTH_RUNTIME_STATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "util/error.h"

/*
 * A container's state directory: <root>/<id>/ holding state.json (what later
 * commands need), config.json (the bundle's config as it was at create, for
 * exec and the poststop hooks) and exec.fifo (present while the container is
 * "created": `start` writes one byte to it).
 */

#define BERTH_RUNC_DEFAULT_ROOT "/run/berth-runc"
#define BERTH_OCI_VERSION "1.1.0"

enum berth_status {
	BERTH_STATUS_CREATING,
	BERTH_STATUS_CREATED,
	BERTH_STATUS_RUNNING,
	BERTH_STATUS_PAUSED,
	BERTH_STATUS_STOPPED,
};

struct berth_state {
	char *id;
	char *bundle;
	char *rootfs;
	char *created; /* RFC 3339 with nanoseconds, UTC */
	char *cgroup;  /* berth_cgroup_save() string, or NULL */
	uid_t owner;
	pid_t pid;
	uint64_t start_time;	  /* of @pid, from /proc/<pid>/stat, against pid reuse */
	json_object *annotations; /* owned */
	/*
	 * How many poststop hooks the kept config.json has (delete reads that
	 * config only when there are some); -1: unknown (a state.json written
	 * before the field existed).
	 */
	int poststop;
};

/* Container ids: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 1024 bytes, not "." / "..". */
int berth_state_check_id(const char *id, struct berth_error **err);

/* mkdir <root>/<id> (0700; parents too) and return an O_DIRECTORY fd; EEXIST if taken. */
int berth_state_dir_create(const char *root, const char *id, struct berth_error **err);

/* Open an existing state directory; ENOENT names the container. */
int berth_state_dir_open(const char *root, const char *id, struct berth_error **err);

/* state.json in @dirfd; "poststop" is written only when st->poststop >= 0. */
int berth_state_save(int dirfd, const struct berth_state *st, struct berth_error **err);
int berth_state_load(const char *root, const char *id, struct berth_state **out,
		     struct berth_error **err);
void berth_state_free(struct berth_state *st);

/* Status from the process, the fifo and the cgroup freezer. */
enum berth_status berth_state_status(const char *root, const struct berth_state *st);
const char *berth_status_name(enum berth_status s);

/* The OCI state JSON object (plus runc's rootfs/created/owner); the caller puts it. */
json_object *berth_state_to_json(const struct berth_state *st, enum berth_status status);

/* Remove the state directory. */
int berth_state_remove(const char *root, const char *id, struct berth_error **err);

/* The ids of every container under @root (sorted); the caller frees the strv. */
int berth_state_list(const char *root, char ***ids, struct berth_error **err);

/* Field 22 of /proc/<pid>/stat, or 0 when the process is gone. */
uint64_t berth_proc_start_time(pid_t pid);

/* Current time as RFC 3339 with nanoseconds; the caller frees. */
char *berth_now_rfc3339(void);
/* The same into @buf (48 bytes suffice). */
void berth_rfc3339_now(char *buf, size_t size);
/* @ts (UTC, nanoseconds) as RFC 3339 into @buf. */
void berth_rfc3339_format(const struct timespec *ts, char *buf, size_t size);

#endif
