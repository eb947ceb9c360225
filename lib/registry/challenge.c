/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/auth.h"
#include "util/cleanup.h"

/* WWW-Authenticate parsing (RFC 7235 auth-params, as registries send them). */

void berth_registry_challenge_release(struct berth_registry_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

/* Read a quoted-string (with backslash escapes) or a token into a new string. */
static const char *read_value(const char *p, char **out)
{
	size_t n = 0, cap = strlen(p) + 1;
	char *v = malloc(cap);

	if (v == NULL)
		return NULL;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			v[n++] = *p;
		}
		if (*p != '"') {
			free(v);
			return NULL; /* unterminated */
		}
		p++;
	} else {
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			v[n++] = *p++;
	}
	v[n] = '\0';
	*out = v;
	return p;
}

static int store_param(struct berth_registry_challenge *c, const char *name, size_t nlen,
		       char *value)
{
	char **slot = NULL;

	if (nlen == 5 && strncasecmp(name, "realm", 5) == 0)
		slot = &c->realm;
	else if (nlen == 7 && strncasecmp(name, "service", 7) == 0)
		slot = &c->service;
	else if (nlen == 5 && strncasecmp(name, "scope", 5) == 0)
		slot = &c->scope;
	if (slot == NULL) {
		free(value); /* error=, error_description= and the like */
		return 0;
	}
	free(*slot);
	*slot = value;
	return 0;
}

static int parse_params(const char *p, struct berth_registry_challenge *c, const char *hdr,
			struct berth_error **err)
{
	for (p = skip_ws(p); *p; p = skip_ws(p)) {
		const char *name = p;
		size_t nlen = strcspn(p, "= \t,");
		char *value = NULL;

		if (nlen == 0 || name[nlen] != '=')
			return berth_error_set(err, EINVAL,
					       "WWW-Authenticate '%.200s': expected "
					       "name=value at '%.40s'",
					       hdr, name);
		p = read_value(name + nlen + 1, &value);
		if (p == NULL)
			return berth_error_set(err, EINVAL,
					       "WWW-Authenticate '%.200s': "
					       "unterminated quoted value",
					       hdr);
		store_param(c, name, nlen, value);
	}
	return 0;
}

int berth_registry_parse_challenge(const char *hdr, struct berth_registry_challenge *out,
				   struct berth_error **err)
{
	struct berth_registry_challenge c = { 0 };
	const char *p = skip_ws(hdr);
	size_t slen = strcspn(p, " \t");

	if (slen == 6 && strncasecmp(p, "Bearer", 6) == 0)
		c.scheme = BERTH_AUTH_BEARER;
	else if (slen == 5 && strncasecmp(p, "Basic", 5) == 0)
		c.scheme = BERTH_AUTH_BASIC;
	else
		return berth_error_set(err, EINVAL,
				       "WWW-Authenticate '%.200s': unsupported "
				       "scheme (want Bearer or Basic)",
				       hdr);
	if (parse_params(p + slen, &c, hdr, err) < 0) {
		berth_registry_challenge_release(&c);
		return berth_error_ret(err);
	}
	if (c.scheme == BERTH_AUTH_BEARER &&
	    (c.realm == NULL ||
	     (strncmp(c.realm, "https://", 8) != 0 && strncmp(c.realm, "http://", 7) != 0))) {
		berth_registry_challenge_release(&c);
		return berth_error_set(err, EINVAL,
				       "WWW-Authenticate '%.200s': a bearer challenge "
				       "needs an http(s) realm",
				       hdr);
	}
	*out = c;
	return 0;
}
