/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_FILTER_H
#define BERTH_ENGINE_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/ctr.h"
#include "util/error.h"

/*
 * Docker's container filters (`ps --filter`, `container prune --filter`):
 * KEY=VALUE; several values of one key match if any does (OR), different
 * keys must all match (AND).  Keys: status, name (a regular expression), id
 * (a prefix), label (KEY or KEY=VALUE), label! (prune: must not carry),
 * ancestor (image name, id or id prefix), exited (exit code), until
 * (created before: a timestamp or a duration such as 10m, 1h30m).
 */

struct berth_ctr_filter;

/* @allowed: the keys the command takes (NULL-terminated); others: Docker's error. */
int berth_ctr_filter_parse(char *const *args, const char *const *allowed,
			   struct berth_ctr_filter **out, struct berth_error **err);
void berth_ctr_filter_free(struct berth_ctr_filter *f);

/* Whether @key was given (status/exited make `ps` show stopped containers too). */
bool berth_ctr_filter_has(const struct berth_ctr_filter *f, const char *key);

/*
 * An ancestor value's image id ("sha256:..."), or NULL: the caller's image store
 * resolves names.  The returned string is freed by the filter.
 */
typedef char *(*berth_image_id_fn)(void *ctx, const char *name);

bool berth_ctr_filter_match(const struct berth_ctr_filter *f, const struct berth_ctr *c,
			    int64_t now, berth_image_id_fn resolve, void *ctx);

/* "10m", "1h30m", "2.5h", RFC 3339, "2006-01-02", or unix seconds → unix time; EINVAL. */
int berth_parse_until(const char *s, int64_t now, int64_t *out, struct berth_error **err);

/* Seconds since the epoch of an RFC 3339 UTC time as berth writes it; 0 when unreadable. */
int64_t berth_rfc3339_unix(const char *s);

#endif
