/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_USERNS_H
#define BERTH_ENGINE_USERNS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct berth_engine;

/*
 * User namespaces by default: container root is an unprivileged host uid
 * from the "berth" user's subordinate range (/etc/subuid, /etc/subgid,
 * created if absent).  `--userns=host` turns it off.
 */

struct berth_idmap {
	uint32_t container;
	uint32_t host;
	uint32_t size;
};

struct berth_userns {
	bool enabled;
	struct berth_idmap uid;
	struct berth_idmap gid;
};

/*
 * The subordinate-id owner berth maps containers to, and the range it
 * allocates for it when /etc/subuid or /etc/subgid has no entry: 65536 ids
 * (uids 0-65535 of an image) at or after 100000, overlapping no other entry.
 */
#define BERTH_USERNS_USER "berth"
#define BERTH_USERNS_SIZE 65536u
#define BERTH_USERNS_FIRST 100000u

/*
 * The user namespace containers of @e get unless `--userns=host`: one range
 * shared by every container of the data root (Docker's userns-remap model),
 * container ids 0..size-1 mapped to the "berth" entry of /etc/subuid and
 * /etc/subgid ($BERTH_SUBUID_FILE / $BERTH_SUBGID_FILE override the paths).
 * A missing entry (or file) is allocated and written crash-safely under a
 * lock; other lines are kept byte for byte.  A malformed line, or a berth
 * range that overlaps another entry or contains uid 0, is an error naming
 * the file and line.  With `userns = host` in @e's config (@e may be NULL:
 * files only) *out is the host namespace.
 */
int berth_userns_default(struct berth_engine *e, struct berth_userns *out,
			 struct berth_error **err);

/* `--userns=host`: no user namespace (enabled = false). */
void berth_userns_host(struct berth_userns *out);

/*
 * The "@user:start:count" entry of the subordinate-id file @path (its first
 * one), appending a free range of @size when there is none; the file is
 * created (0644) when missing.  *out gets container 0, host start, count.
 */
int berth_subid_ensure(const char *path, const char *user, uint32_t size, struct berth_idmap *out,
		       struct berth_error **err);

/*
 * An fd of a new user namespace whose uid_map and gid_map are @u's (for
 * MOUNT_ATTR_IDMAP): a short-lived child is cloned into it, the maps written
 * from here, its ns/user opened, and the child killed; it is reaped later,
 * never waiting for it, by the next call or berth_userns_reap
 * (userns-hold.c).
 */
int berth_userns_fd(const struct berth_userns *u, struct berth_error **err);
void berth_userns_reap(void);

/* The host id that container id @id maps to through @m, or -1 when unmapped. */
int64_t berth_idmap_to_host(const struct berth_idmap *m, uint32_t id);

#endif
