/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/runconfig.h"
#include "util/cleanup.h"
#include "util/fs.h"

/*
 * Users and groups of an image, from its own /etc/passwd and /etc/group
 * (never the host's).  Files are read through the image root fd with
 * in-root resolution, capped at 4 MiB.
 */

#define DB_MAX (4u << 20)

struct entry {
	char *fields[4]; /* name, password, id, (gid for passwd | members for group) */
};

/* Read @path in @rootfd; a missing file is an empty database. */
static int read_db(int rootfd, const char *path, char **out, struct berth_error **err)
{
	cleanup_close int fd = berth_openat_in_root(rootfd, path, O_RDONLY, 0);
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 4096; /* grown as needed: most are a few hundred bytes */

	if (fd == -ENOENT) {
		*out = strdup("");
		return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
	}
	if (fd < 0) {
		errno = -fd;
		return berth_error_errno(err, "open '/%s' in the image", path);
	}
	buf = malloc(cap + 1);
	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (;;) {
		ssize_t n;

		if (len == cap) { /* full: len <= DB_MAX still, so cap is too */
			char *nb = realloc(buf, 2 * cap + 1);

			if (nb == NULL)
				return berth_error_set(err, ENOMEM, "out of memory");
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_errno(err, "read '/%s' in the image", path);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > DB_MAX)
			return berth_error_set(
			    err, EFBIG, "'/%s' in the image: larger than %u bytes", path, DB_MAX);
	}
	buf[len] = '\0';
	*out = steal_ptr(&buf);
	return 0;
}

/*
 * Split line @l into @e: passwd fields 0,1,2,3 (name:pw:uid:gid) or group
 * fields 0,1,2,3 (name:pw:gid:members).  false for a malformed line.
 */
static bool split(char *l, struct entry *e)
{
	for (int i = 0; i < 4; i++) {
		e->fields[i] = l;
		l = l ? strchr(l, ':') : NULL;
		if (l != NULL)
			*l++ = '\0';
		else if (i < 3)
			return false;
	}
	return true;
}

static bool parse_id(const char *s, unsigned long *v)
{
	char *end = NULL;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *v < UINT32_MAX;
}

/* Find the entry whose name (or numeric id) is @key; copies it into @line. */
static bool lookup(const char *db, const char *key, bool by_id, char *line, size_t size,
		   struct entry *e)
{
	const char *p = db;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		unsigned long id, want;

		if (n < size) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (split(line, e) && (by_id ? parse_id(e->fields[2], &id) &&
							   parse_id(key, &want) && id == want
						     : strcmp(e->fields[0], key) == 0))
				return true;
		}
		p += n + (nl != NULL);
	}
	return false;
}

static bool member_of(const char *members, const char *user)
{
	size_t n = strlen(user);

	for (const char *p = members; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (len == n && strncmp(p, user, n) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* Supplementary groups: the groups of @db that list @user. */
static int supplementary(const char *db, const char *user, gid_t **gids, size_t *n,
			 struct berth_error **err)
{
	const char *p = db;
	char line[4096];

	*gids = NULL;
	*n = 0;
	while (user != NULL && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct entry e;
		unsigned long id;

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			if (split(line, &e) && parse_id(e.fields[2], &id) &&
			    member_of(e.fields[3], user)) {
				gid_t *v = realloc(*gids, (*n + 1) * sizeof(gid_t));

				if (v == NULL)
					return berth_error_set(err, ENOMEM, "out of memory");
				*gids = v;
				(*gids)[(*n)++] = (gid_t)id;
			}
		}
		p += len + (nl != NULL);
	}
	return 0;
}

static int resolve_group(const char *group_db, const char *g, gid_t *gid, struct berth_error **err)
{
	char line[4096];
	struct entry e;
	unsigned long v;

	if (parse_id(g, &v)) {
		*gid = (gid_t)v;
		return 0;
	}
	if (!lookup(group_db, g, false, line, sizeof(line), &e) || !parse_id(e.fields[2], &v))
		return berth_error_set(err, ENOENT, "unable to find group %s", g);
	*gid = (gid_t)v;
	return 0;
}

/* The user part: a name must exist; a number need not. */
static int resolve_user(const char *passwd_db, const char *u, uid_t *uid, gid_t *gid,
			const char **name, char *line, size_t size, struct berth_error **err)
{
	struct entry e;
	unsigned long v;
	bool numeric = parse_id(u, &v);

	*name = NULL;
	if (lookup(passwd_db, u, numeric, line, size, &e)) {
		unsigned long g;

		if (!parse_id(e.fields[2], &v) || !parse_id(e.fields[3], &g))
			return berth_error_set(err, EINVAL, "/etc/passwd: bad entry for %s", u);
		*uid = (uid_t)v;
		*gid = (gid_t)g;
		*name = e.fields[0];
		return 0;
	}
	if (!numeric)
		return berth_error_set(err, ENOENT,
				       "unable to find user %s: no matching entries "
				       "in passwd file",
				       u);
	*uid = (uid_t)v;
	*gid = 0;
	return 0;
}

int berth_user_resolve(int rootfd, const char *spec, uid_t *uid, gid_t *gid, gid_t **gids,
		       size_t *n_gids, struct berth_error **err)
{
	cleanup_free char *passwd_db = NULL;
	cleanup_free char *group_db = NULL;
	cleanup_free char *copy = strdup(spec && *spec ? spec : "0");
	char line[4096];
	const char *name = NULL;
	char *group;
	int ret;

	if (copy == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	group = strchr(copy, ':');
	if (group != NULL)
		*group++ = '\0';
	if (*copy == '\0' || (group != NULL && *group == '\0'))
		return berth_error_set(err, EINVAL, "invalid user \"%s\"", spec);
	if ((ret = read_db(rootfd, "etc/passwd", &passwd_db, err)) < 0 ||
	    (ret = read_db(rootfd, "etc/group", &group_db, err)) < 0 ||
	    (ret = resolve_user(passwd_db, copy, uid, gid, &name, line, sizeof(line), err)) < 0)
		return ret;
	if (group != NULL && (ret = resolve_group(group_db, group, gid, err)) < 0)
		return ret;
	return supplementary(group_db, name, gids, n_gids, err);
}
