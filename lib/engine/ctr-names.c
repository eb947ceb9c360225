/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr-internal.h"
#include "util/cleanup.h"

/* Container names and ids: names/<name> is a symlink to the id, made atomically. */

static const char *const adjectives[] = {
	"amber",  "brave",  "calm",   "deft",	"eager",   "fair",  "gentle", "hardy",
	"keen",	  "lively", "mellow", "nimble", "patient", "quiet", "rapid",  "steady",
	"sturdy", "swift",  "tidy",   "trusty", "vivid",   "wise",  "bold",   "clever",
};
static const char *const nouns[] = {
	"anchor", "beacon", "bollard", "buoy",	"capstan",  "dinghy",  "dock", "ferry",
	"galley", "harbor", "hull",    "jetty", "keel",	    "lantern", "mast", "mooring",
	"pier",	  "quay",   "rudder",  "sail",	"schooner", "skiff",   "tide", "wharf",
};

int berth_ctr_check_name(const char *name, struct berth_error **err)
{
	const char *p = name[0] == '/' ? name + 1 : name;
	size_t n = strlen(p);

	if (n < 2 || n > 128)
		goto bad;
	if (!((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') ||
	      (p[0] >= '0' && p[0] <= '9')))
		goto bad;
	for (size_t i = 1; i < n; i++) {
		char ch = p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			goto bad;
	}
	return 0;
bad:
	return berth_error_set(err, EINVAL,
			       "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
			       "allowed",
			       name);
}

static int random_bytes(void *buf, size_t n, struct berth_error **err)
{
	if (getrandom(buf, n, 0) != (ssize_t)n)
		return berth_error_errno(err, "getrandom");
	return 0;
}

static int new_id(char *id, struct berth_error **err)
{
	unsigned char b[BERTH_CTR_ID_LEN / 2];

	do {
		if (random_bytes(b, sizeof(b), err) < 0)
			return berth_error_ret(err);
		for (size_t i = 0; i < sizeof(b); i++)
			sprintf(id + 2 * i, "%02x", b[i]);
		/* Docker avoids all-digit short ids: they read as numbers. */
	} while (strspn(id, "0123456789") >= 12);
	return 0;
}

/* Reserve @name for @id; EEXIST with Docker's message naming the owner. */
int berth_ctr_reserve_name(struct berth_engine *e, const char *name, const char *id,
			   struct berth_error **err)
{
	char owner[BERTH_CTR_ID_LEN + 1];
	ssize_t n;

	if (symlinkat(id, e->namesfd, name) == 0)
		return 0;
	if (errno != EEXIST)
		return berth_error_errno(err, "reserve name %s", name);
	n = readlinkat(e->namesfd, name, owner, sizeof(owner) - 1);
	owner[n > 0 ? n : 0] = '\0';
	return berth_error_set(err, EEXIST,
			       "Conflict. The container name \"/%s\" is already in use by "
			       "container \"%s\". You have to remove (or rename) that container "
			       "to be able to reuse that name.",
			       name, owner);
}

static int generate_name(struct berth_engine *e, const char *id, char **out,
			 struct berth_error **err)
{
	for (int attempt = 0; attempt < 64; attempt++) {
		unsigned char r[3];
		cleanup_free char *name = NULL;

		if (random_bytes(r, sizeof(r), err) < 0)
			return berth_error_ret(err);
		if (asprintf(&name, attempt < 16 ? "%s_%s" : "%s_%s%u",
			     adjectives[r[0] % BERTH_ARRAY_SIZE(adjectives)],
			     nouns[r[1] % BERTH_ARRAY_SIZE(nouns)], r[2]) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (symlinkat(id, e->namesfd, name) == 0) {
			*out = steal_ptr(&name);
			return 0;
		}
		if (errno != EEXIST)
			return berth_error_errno(err, "reserve name %s", name);
	}
	return berth_error_set(err, EEXIST, "could not find a free container name");
}

int berth_ctr_alloc(struct berth_engine *e, const char *name, char *id, char **name_out,
		    struct berth_error **err)
{
	cleanup_free char *n = NULL;

	if (name != NULL && berth_ctr_check_name(name, err) < 0)
		return berth_error_ret(err);
	if (new_id(id, err) < 0)
		return berth_error_ret(err);
	if (name != NULL) {
		n = strdup(name[0] == '/' ? name + 1 : name);
		if (n == NULL)
			return -ENOMEM;
		if (berth_ctr_reserve_name(e, n, id, err) < 0)
			return berth_error_ret(err);
	} else if (generate_name(e, id, &n, err) < 0) {
		return berth_error_ret(err);
	}
	if (mkdirat(e->ctrfd, id, 0710) < 0) {
		berth_error_errno(err, "mkdir containers/%s", id);
		unlinkat(e->namesfd, n, 0);
		return berth_error_ret(err);
	}
	*name_out = steal_ptr(&n);
	return 0;
}

bool berth_ctr_name_owned(struct berth_engine *e, const char *name, const char *id)
{
	char owner[BERTH_CTR_ID_LEN + 1];
	ssize_t n = readlinkat(e->namesfd, name, owner, sizeof(owner) - 1);

	return n == BERTH_CTR_ID_LEN && memcmp(owner, id, BERTH_CTR_ID_LEN) == 0;
}

/* Drop names/@name if it still points at @id. */
void berth_ctr_release_name(struct berth_engine *e, const char *name, const char *id)
{
	if (berth_ctr_name_owned(e, name, id))
		unlinkat(e->namesfd, name, 0);
}
