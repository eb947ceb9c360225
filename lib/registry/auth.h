/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_REGISTRY_AUTH_H
#define BERTH_REGISTRY_AUTH_H

#include <stddef.h>

#include "util/error.h"

struct berth_registry_opts;

enum berth_auth_scheme {
	BERTH_AUTH_NONE,
	BERTH_AUTH_BASIC,
	BERTH_AUTH_BEARER,
};

/* A parsed WWW-Authenticate header. */
struct berth_registry_challenge {
	enum berth_auth_scheme scheme;
	char *realm;   /* bearer: the token endpoint URL; basic: the realm (may be NULL) */
	char *service; /* may be NULL */
	char *scope;   /* may be NULL */
};

/*
 * Parse a WWW-Authenticate value ("Bearer realm=\"...\",service=\"...\"" or
 * "Basic realm=..."): quoted and bare values, backslash escapes, any order.
 * EINVAL for an unknown scheme or a bearer challenge without realm.  Fills
 * *out (fields owned by it: berth_registry_challenge_release()).
 */
int berth_registry_parse_challenge(const char *hdr, struct berth_registry_challenge *out,
				   struct berth_error **err);
void berth_registry_challenge_release(struct berth_registry_challenge *c);

/*
 * auth.json in Docker's format: {"auths":{"<host>":{"auth":"base64(user:pass)"}}}.
 * berth_auth_default_path(): $BERTH_AUTH_FILE, else $XDG_CONFIG_HOME/berth/auth.json,
 * else $HOME/.config/berth/auth.json.  The caller frees *out.
 */
int berth_auth_default_path(char **out, struct berth_error **err);

/*
 * The stored "auth" value (base64 of user:pass) for @host, or NULL in *out
 * when there is none (or no file).  For docker.io the keys Docker uses are
 * accepted too.  The caller frees *out.
 */
int berth_auth_lookup(const char *auth_path, const char *host, char **out,
		      struct berth_error **err);

/* Store credentials for @host (file 0600, directory 0700, crash-safe, other entries kept). */
int berth_auth_store(const char *auth_path, const char *host, const char *user,
		     const char *password, struct berth_error **err);

/* Check @user/@password against @host (GET /v2/ with the auth flow), then store them. */
int berth_auth_login(const char *host, const char *user, const char *password,
		     const struct berth_registry_opts *o, const char *auth_path,
		     struct berth_error **err);

/* Remove the entry of @host; ENOENT when there was none. */
int berth_auth_logout(const char *host, const char *auth_path, struct berth_error **err);

/* base64 helpers (RFC 4648, padded); the caller frees. */
char *berth_base64_encode(const void *buf, size_t len);
/* Decode; NULL on malformed input.  *len gets the decoded length. */
char *berth_base64_decode(const char *s, size_t *len);

#endif
