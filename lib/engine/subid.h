/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_SUBID_H
#define BERTH_ENGINE_SUBID_H

/*
 * /etc/subuid and /etc/subgid as text (userns.c reads, locks and rewrites the
 * files): "name:start:count" lines, blank lines and '#' comments kept.  Pure:
 * no syscalls, so the fuzz target links it alone.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util/error.h"

struct berth_subid_entry {
	const char *name; /* into berth_subid_file.buf, not terminated */
	size_t nlen;
	uint32_t start, count;
	unsigned line;
};

struct berth_subid_file {
	char *buf; /* the file's bytes (owned) */
	size_t len;
	struct berth_subid_entry *v;
	size_t n;
	struct stat st; /* valid when exists */
	bool exists;
};

/* Free buf and the entries; *f is zeroed. */
void berth_subid_file_release(struct berth_subid_file *f);

/* A user name as shadow's files hold one: no white space, control characters or DEL. */
bool berth_subid_name_ok(const char *s, size_t len);

/*
 * Parse f->buf (f->len bytes) into f->v; @path names the file in errors,
 * which quote the first malformed line and its number.
 */
int berth_subid_parse(struct berth_subid_file *f, const char *path, struct berth_error **err);

/* The first entry of @user, or NULL. */
const struct berth_subid_entry *berth_subid_find(const struct berth_subid_file *f,
						 const char *user);

/* @e must not contain host id 0 nor share ids with another user's entry. */
int berth_subid_check(const struct berth_subid_file *f, const struct berth_subid_entry *e,
		      const char *path, struct berth_error **err);

/* The lowest start >= BERTH_USERNS_FIRST whose @size ids overlap no entry. */
int berth_subid_alloc(const struct berth_subid_file *f, uint32_t size, uint32_t *start,
		      const char *path, struct berth_error **err);

#endif
