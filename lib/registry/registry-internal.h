/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_REGISTRY_INTERNAL_H
#define BERTH_REGISTRY_INTERNAL_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "registry/auth.h"
#include "registry/client.h"

/* One place to send requests to: a mirror, or the registry itself. */
struct reg_endpoint {
	char *host;   /* as contacted: "registry-1.docker.io", "127.0.0.1:5000" */
	char *base;   /* "https://host" or "http://host", set by the ping */
	char *basic;  /* base64("user:pass") from auth.json or the options; NULL: none */
	char *ca_pem; /* system CAs + every .crt of certs.d/<host>; NULL when there is none */
	size_t ca_len;
	char *cert; /* certs.d/<host>/X.cert with its X.key, when present */
	char *key;
	bool insecure; /* plain HTTP allowed */
	bool pinged;
	struct berth_registry_challenge ch;
	struct reg_token {
		char *scope;
		char *header; /* "Authorization: Bearer ..." */
	} * tokens;
	size_t n_tokens;
};

struct berth_registry {
	char *host; /* as given: "docker.io" */
	char *user_agent;
	struct reg_endpoint *eps; /* mirrors first, the registry last */
	size_t n_eps;
	struct reg_endpoint *pull_ep; /* where the last manifest came from */
	CURLSH *share;		      /* connections, DNS and TLS sessions reused across requests */
};

/* The registry itself (pushes go only there). */
static inline struct reg_endpoint *reg_origin(struct berth_registry *reg)
{
	return &reg->eps[reg->n_eps - 1];
}

/*
 * The endpoint blobs are pulled from: the one that served the last manifest,
 * else the first one that answers the ping (mirrors before the registry).
 */
int reg_pull_endpoint(struct berth_registry *reg, struct reg_endpoint **out,
		      struct berth_error **err);

/* Read certs.d/<host> (@dir: the certs.d directory) into @ep. */
int reg_tls_load(struct reg_endpoint *ep, const char *dir, const char *cfg_host,
		 struct berth_error **err);

struct reg_req {
	const char *method; /* "GET", "HEAD", "POST", "PUT", "DELETE" */
	const char *url;
	const char *scope; /* token scope(s), space-separated; NULL for /v2/ */
	const char *accept;
	const char *content_type;
	const char *body; /* request body in memory, or */
	int body_fd;	  /* -1, or an fd read with pread from 0 */
	uint64_t body_len;
	size_t cap;  /* response bytes kept at most (0: none kept) */
	bool follow; /* follow redirects */
};

struct reg_resp {
	long status;
	char *body; /* NUL-terminated */
	size_t len;
	bool too_big;
	bool has_length;
	uint64_t length; /* Content-Length */
	char *content_type;
	char *digest;	/* Docker-Content-Digest */
	char *location; /* Location */
	char *www_auth; /* WWW-Authenticate */
	char *range;	/* Range (upload status) */
};

void reg_resp_release(struct reg_resp *rs);

/* Header callback shared with the multi transfers: fills @userdata (a struct reg_resp). */
size_t reg_header_cb(char *buf, size_t size, size_t n, void *userdata);

/* Common options: user agent, protocols, TLS material, timeouts. */
int reg_easy_setup(struct berth_registry *reg, struct reg_endpoint *ep, CURL *c,
		   struct berth_error **err);

/* One request, no auth handling: @auth is a full header line or NULL. */
int reg_perform(struct berth_registry *reg, struct reg_endpoint *ep, const struct reg_req *rq,
		const char *auth, struct reg_resp *rs, struct berth_error **err);

/*
 * A request with the auth flow: ping the endpoint if needed, send the cached
 * credentials for rq->scope, and on a 401 follow the challenge and retry once.
 * The caller interprets rs->status (401 after the retry included).
 */
int reg_request(struct berth_registry *reg, struct reg_endpoint *ep, const struct reg_req *rq,
		struct reg_resp *rs, struct berth_error **err);

/* GET /v2/: choose HTTPS or HTTP and learn the challenge; once per endpoint. */
int reg_ping(struct berth_registry *reg, struct reg_endpoint *ep, struct berth_error **err);

/* The Authorization header line for @scope (NULL when none is needed); caller frees. */
int reg_auth_header(struct berth_registry *reg, struct reg_endpoint *ep, const char *scope,
		    char **out, struct berth_error **err);

/* A 401 arrived: take its challenge and forget the token cached for @scope. */
int reg_auth_rechallenge(struct reg_endpoint *ep, const char *www_auth, const char *scope,
			 struct berth_error **err);

/* An error for an unexpected status: "GET <url>: 404 Not Found (MANIFEST_UNKNOWN: ...)". */
int reg_status_error(const struct reg_req *rq, const struct reg_resp *rs, struct berth_error **err);

/* Resolve a Location header against the endpoint's base; caller frees. */
char *reg_resolve_location(const struct reg_endpoint *ep, const char *loc);

/* curl-dl.c: load libcurl now (it is loaded on first use); fails naming why. */
int berth_curl_load(struct berth_error **err);

#endif
