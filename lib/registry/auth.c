/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/config.h"
#include "registry/registry-internal.h"
#include "util/cleanup.h"
#include "util/json.h"

/*
 * The auth flow: ping /v2/ once per endpoint to learn the scheme and the
 * challenge, then send Basic credentials or a bearer token fetched from the
 * challenge's realm for the scope a request needs; tokens are cached per scope.
 */

#define TOKEN_MAX (1u << 20)

static int ping_at(struct berth_registry *reg, struct reg_endpoint *ep, const char *scheme,
		   struct reg_resp *rs, struct berth_error **err)
{
	cleanup_free char *url = NULL;
	struct reg_req rq = { .method = "GET", .body_fd = -1 };

	free(ep->base);
	ep->base = NULL;
	if (asprintf(&ep->base, "%s://%s", scheme, ep->host) < 0 ||
	    asprintf(&url, "%s/v2/", ep->base) < 0)
		return berth_error_set(err, ENOMEM, "%s: out of memory", ep->host);
	rq.url = url;
	return reg_perform(reg, ep, &rq, NULL, rs, err);
}

/* HTTPS first; plain HTTP only where allowed, as Docker does for insecure registries. */
static int ping_transport(struct berth_registry *reg, struct reg_endpoint *ep, struct reg_resp *rs,
			  struct berth_error **err)
{
	struct berth_error *first = NULL;

	if (ping_at(reg, ep, "https", rs, &first) == 0)
		return 0;
	if (!ep->insecure) {
		*err = first;
		return berth_error_prefix(err, "registry '%s'", ep->host);
	}
	reg_resp_release(rs);
	if (ping_at(reg, ep, "http", rs, err) == 0 && (rs->status == 200 || rs->status == 401)) {
		berth_error_free(first);
		return 0;
	}
	/* Neither worked: the HTTPS error is the telling one (an untrusted certificate, say). */
	berth_error_clear(err);
	*err = first;
	return berth_error_prefix(err, "registry '%s' (no v2 API over plain HTTP either)",
				  ep->host);
}

int reg_ping(struct berth_registry *reg, struct reg_endpoint *ep, struct berth_error **err)
{
	struct reg_resp rs = { 0 };
	int ret;

	if (ep->pinged)
		return 0;
	ret = ping_transport(reg, ep, &rs, err);
	if (ret == 0 && rs.status == 401 && rs.www_auth != NULL) {
		berth_registry_challenge_release(&ep->ch);
		ret = berth_registry_parse_challenge(rs.www_auth, &ep->ch, err);
		if (ret < 0)
			berth_error_prefix(err, "registry '%s'", ep->host);
	} else if (ret == 0 && rs.status != 200) {
		ret = berth_error_set(err, EPROTO,
				      "registry '%s': GET %s/v2/ answered %ld, not a "
				      "registry v2 API",
				      ep->host, ep->base, rs.status);
	}
	reg_resp_release(&rs);
	if (ret == 0)
		ep->pinged = true;
	return ret;
}

/* "&scope=a&scope=b" appended to *q for the space-separated scopes of @scope. */
static char *add_scopes(CURL *c, char *q, const char *scope)
{
	for (const char *p = scope; q != NULL && p != NULL && *p;) {
		size_t n = strcspn(p, " ");
		char *s = n ? curl_easy_escape(c, p, (int)n) : NULL, *nq = NULL;

		if (n > 0 &&
		    (s == NULL || asprintf(&nq, "%s%sscope=%s", q, q[0] ? "&" : "", s) < 0))
			nq = NULL;
		curl_free(s);
		if (n > 0) {
			free(q);
			q = nq;
		}
		p += n + (p[n] == ' ');
	}
	return q;
}

static char *scope_query(CURL *c, const struct reg_endpoint *ep, const char *scope)
{
	cleanup_free char *q = NULL;
	char *out = NULL;

	if (ep->ch.service != NULL) {
		char *s = curl_easy_escape(c, ep->ch.service, 0);

		if (s == NULL || asprintf(&q, "service=%s", s) < 0)
			q = NULL;
		curl_free(s);
	} else {
		q = strdup("");
	}
	q = add_scopes(c, steal_ptr(&q), scope);
	if (q != NULL &&
	    asprintf(&out, "%s%s%s", ep->ch.realm, strchr(ep->ch.realm, '?') ? "&" : "?", q) < 0)
		out = NULL;
	return out;
}

static int parse_token(const struct reg_resp *rs, const char *url, char **out,
		       struct berth_error **err)
{
	json_object *root = NULL;
	const char *tok = NULL;
	int ret;

	ret = berth_json_parse(rs->body ? rs->body : "", rs->len, &root, err);
	if (ret == 0 && berth_json_string(root, "", "token", &tok, err) == 0)
		ret = berth_json_string(root, "", "access_token", &tok, err);
	if (ret >= 0 && (tok == NULL || tok[0] == '\0' || strpbrk(tok, "\r\n") != NULL))
		ret = berth_error_set(err, EPROTO, "no usable token in the answer");
	if (ret >= 0 && asprintf(out, "Authorization: Bearer %s", tok) < 0)
		ret = berth_error_set(err, ENOMEM, "out of memory");
	json_object_put(root);
	if (ret < 0)
		return berth_error_prefix(err, "token from '%s'", url);
	return 0;
}

static int fetch_token(struct berth_registry *reg, struct reg_endpoint *ep, const char *scope,
		       char **out, struct berth_error **err)
{
	cleanup_free char *url = NULL;
	cleanup_free char *basic = NULL;
	struct reg_resp rs = { 0 };
	struct reg_req rq = { .method = "GET", .body_fd = -1, .cap = TOKEN_MAX };
	CURL *c = curl_easy_init();
	int ret;

	url = c ? scope_query(c, ep, scope) : NULL;
	if (c != NULL)
		curl_easy_cleanup(c);
	if (url == NULL)
		return berth_error_set(err, ENOMEM, "%s: out of memory", ep->host);
	/* Credentials travel in clear to an http realm only where plain HTTP is allowed anyway. */
	if (ep->basic != NULL && strncmp(ep->ch.realm, "http://", 7) == 0 && !ep->insecure)
		return berth_error_set(err, EPERM,
				       "registry '%s': refusing to send credentials to "
				       "the plain-HTTP token realm '%s'",
				       ep->host, ep->ch.realm);
	if (ep->basic != NULL && asprintf(&basic, "Authorization: Basic %s", ep->basic) < 0)
		return berth_error_set(err, ENOMEM, "%s: out of memory", ep->host);
	rq.url = url;
	ret = reg_perform(reg, ep, &rq, basic, &rs, err);
	if (ret == 0 && rs.status != 200)
		ret = reg_status_error(&rq, &rs, err);
	if (ret == 0)
		ret = parse_token(&rs, ep->ch.realm, out, err);
	reg_resp_release(&rs);
	if (ret < 0)
		return berth_error_prefix(err, "registry '%s': bearer token", ep->host);
	return 0;
}

static struct reg_token *find_token(struct reg_endpoint *ep, const char *scope)
{
	for (size_t i = 0; i < ep->n_tokens; i++)
		if (strcmp(ep->tokens[i].scope, scope ? scope : "") == 0)
			return &ep->tokens[i];
	return NULL;
}

static int bearer_header(struct berth_registry *reg, struct reg_endpoint *ep, const char *scope,
			 char **out, struct berth_error **err)
{
	struct reg_token *t = find_token(ep, scope), *n;
	char *hdr = NULL;

	if (t == NULL) {
		if (fetch_token(reg, ep, scope, &hdr, err) < 0)
			return berth_error_ret(err);
		n = realloc(ep->tokens, (ep->n_tokens + 1) * sizeof(*n));
		if (n == NULL) {
			free(hdr);
			return berth_error_set(err, ENOMEM, "%s: out of memory", ep->host);
		}
		ep->tokens = n;
		t = &n[ep->n_tokens];
		t->scope = strdup(scope ? scope : "");
		t->header = hdr;
		if (t->scope == NULL) {
			free(hdr);
			return berth_error_set(err, ENOMEM, "%s: out of memory", ep->host);
		}
		ep->n_tokens++;
	}
	*out = strdup(t->header);
	return *out ? 0 : berth_error_set(err, ENOMEM, "%s: out of memory", ep->host);
}

int reg_auth_header(struct berth_registry *reg, struct reg_endpoint *ep, const char *scope,
		    char **out, struct berth_error **err)
{
	*out = NULL;
	if (reg_ping(reg, ep, err) < 0)
		return berth_error_ret(err);
	switch (ep->ch.scheme) {
	case BERTH_AUTH_NONE:
		return 0;
	case BERTH_AUTH_BASIC:
		if (ep->basic == NULL)
			return berth_error_set(err, EACCES,
					       "registry '%s' wants a user name and "
					       "password: run berth login %s",
					       ep->host, ep->host);
		if (asprintf(out, "Authorization: Basic %s", ep->basic) < 0)
			return berth_error_set(err, ENOMEM, "%s: out of memory", ep->host);
		return 0;
	case BERTH_AUTH_BEARER:
		return bearer_header(reg, ep, scope, out, err);
	}
	return 0;
}

int reg_auth_rechallenge(struct reg_endpoint *ep, const char *www_auth, const char *scope,
			 struct berth_error **err)
{
	struct reg_token *t = find_token(ep, scope);

	if (t != NULL) {
		free(t->scope);
		free(t->header);
		*t = ep->tokens[--ep->n_tokens];
	}
	if (www_auth == NULL)
		return 0;
	berth_registry_challenge_release(&ep->ch);
	if (berth_registry_parse_challenge(www_auth, &ep->ch, err) < 0)
		return berth_error_prefix(err, "registry '%s'", ep->host);
	return 0;
}

/* Whether @url is on the endpoint itself (an upload Location may point elsewhere). */
static bool same_origin(const struct reg_endpoint *ep, const char *url)
{
	size_t n = strlen(ep->base);

	return strncmp(url, ep->base, n) == 0 && (url[n] == '/' || url[n] == '\0');
}

int reg_request(struct berth_registry *reg, struct reg_endpoint *ep, const struct reg_req *rq,
		struct reg_resp *rs, struct berth_error **err)
{
	for (int attempt = 0;; attempt++) {
		cleanup_free char *auth = NULL;

		if (reg_auth_header(reg, ep, rq->scope, &auth, err) < 0)
			return berth_error_ret(err);
		/* Credentials and tokens go only to the registry, never to another host. */
		if (auth != NULL && !same_origin(ep, rq->url)) {
			free(auth);
			auth = NULL;
		}
		if (reg_perform(reg, ep, rq, auth, rs, err) < 0)
			return berth_error_ret(err);
		/* A token may have expired, or the scope needs another grant: once more. */
		if (rs->status != 401 || attempt > 0 || ep->ch.scheme == BERTH_AUTH_BASIC)
			return 0;
		if (reg_auth_rechallenge(ep, rs->www_auth, rq->scope, err) < 0)
			return berth_error_ret(err);
		if (ep->ch.scheme == BERTH_AUTH_NONE)
			return 0;
		reg_resp_release(rs);
	}
}
