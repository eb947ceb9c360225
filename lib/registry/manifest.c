/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry-internal.h"
#include "registry/sha256.h"
#include "util/cleanup.h"

/* Manifests (GET with a size cap and digest checks, PUT) and blob HEADs. */

static const char *const default_accept[] = {
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	NULL,
};

static char *accept_line(const char *const *types)
{
	size_t n = 1;
	char *out, *p;

	for (size_t i = 0; types[i] != NULL; i++)
		n += strlen(types[i]) + 2;
	out = p = malloc(n);
	if (out == NULL)
		return NULL;
	*p = '\0';
	for (size_t i = 0; types[i] != NULL; i++)
		p += snprintf(p, n - (p - out), "%s%s", i ? ", " : "", types[i]);
	return out;
}

static char *scope_for(const char *repo, const char *actions)
{
	char *s = NULL;

	if (asprintf(&s, "repository:%s:%s", repo, actions) < 0)
		return NULL;
	return s;
}

/* The body must hash to @ref when it is a digest, and to Docker-Content-Digest when sent. */
static int check_manifest(const char *url, const char *ref, const struct reg_resp *rs, char *digest,
			  struct berth_error **err)
{
	if (reg_sha256_digest(rs->body ? rs->body : "", rs->len, digest, err) < 0)
		return berth_error_ret(err);
	if (strchr(ref, ':') != NULL && strcmp(ref, digest) != 0)
		return berth_error_set(err, EBADMSG,
				       "GET %s: manifest digest mismatch: the body "
				       "hashes to %s",
				       url, digest);
	if (rs->digest != NULL && strncmp(rs->digest, "sha256:", 7) == 0 &&
	    strcmp(rs->digest, digest) != 0)
		return berth_error_set(err, EBADMSG,
				       "GET %s: manifest digest mismatch: the "
				       "registry says %.80s, the body hashes to %s",
				       url, rs->digest, digest);
	return 0;
}

struct manifest_out {
	char **body, **media_type, **digest;
	size_t *len;
};

static int get_from(struct berth_registry *reg, struct reg_endpoint *ep, const char *repo,
		    const char *ref, const char *accept, struct manifest_out *o,
		    struct berth_error **err)
{
	cleanup_free char *url = NULL;
	cleanup_free char *scope = scope_for(repo, "pull");
	char digest[REG_DIGEST_LEN + 1];
	struct reg_resp rs = { 0 };
	struct reg_req rq = { .method = "GET",
			      .body_fd = -1,
			      .accept = accept,
			      .cap = BERTH_MANIFEST_MAX,
			      .scope = scope };
	int ret;

	if (scope == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (reg_ping(reg, ep, err) < 0)
		return berth_error_ret(err);
	if (berth_registry_url(ep->base, repo, "manifests", ref, &url, err) < 0)
		return berth_error_ret(err);
	rq.url = url;
	ret = reg_request(reg, ep, &rq, &rs, err);
	if (ret == -EFBIG) {
		berth_error_clear(err);
		ret =
		    berth_error_set(err, EFBIG, "GET %s: manifest larger than 4 MiB, refused", url);
	}
	if (ret == 0 && rs.status != 200)
		ret = reg_status_error(&rq, &rs, err);
	if (ret == 0)
		ret = check_manifest(url, ref, &rs, digest, err);
	if (ret == 0) {
		const char *ct = rs.content_type ? rs.content_type : "";

		*o->media_type = strndup(ct, strcspn(ct, "; "));
		*o->digest = strdup(digest);
		*o->len = rs.len;
		*o->body = rs.body ? steal_ptr(&rs.body) : strdup("");
	}
	reg_resp_release(&rs);
	return ret;
}

int berth_registry_get_manifest(struct berth_registry *reg, const char *repo, const char *ref,
				const char *const *accept_types, char **body, size_t *len,
				char **media_type, char **digest, struct berth_error **err)
{
	cleanup_free char *accept = accept_line(accept_types ? accept_types : default_accept);
	cleanup_free char *b = NULL;
	cleanup_free char *mt = NULL;
	cleanup_free char *d = NULL;
	struct manifest_out o = { .body = &b, .media_type = &mt, .digest = &d, .len = len };

	if (accept == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	/* Mirrors first: a mirror that fails or lies is passed over for the next. */
	for (size_t i = 0; i < reg->n_eps; i++) {
		if (get_from(reg, &reg->eps[i], repo, ref, accept, &o, err) == 0) {
			reg->pull_ep = &reg->eps[i];
			break;
		}
		if (i + 1 == reg->n_eps)
			return berth_error_prefix(err, "manifest %s:%s", repo, ref);
		berth_error_clear(err);
	}
	if (b == NULL || mt == NULL || d == NULL)
		return berth_error_set(err, ENOMEM, "manifest %s:%s: out of memory", repo, ref);
	*body = steal_ptr(&b);
	*media_type = steal_ptr(&mt);
	*digest = steal_ptr(&d);
	return 0;
}

int berth_registry_put_manifest(struct berth_registry *reg, const char *repo, const char *tag,
				const char *body, size_t len, const char *media_type,
				struct berth_error **err)
{
	struct reg_endpoint *ep = reg_origin(reg);
	cleanup_free char *url = NULL;
	cleanup_free char *scope = scope_for(repo, "pull,push");
	struct reg_resp rs = { 0 };
	struct reg_req rq = { .method = "PUT",
			      .body = body,
			      .body_len = len,
			      .body_fd = -1,
			      .content_type = media_type,
			      .scope = scope };
	int ret;

	if (scope == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (reg_ping(reg, ep, err) < 0 ||
	    berth_registry_url(ep->base, repo, "manifests", tag, &url, err) < 0)
		return berth_error_prefix(err, "put manifest %s:%s", repo, tag);
	rq.url = url;
	ret = reg_request(reg, ep, &rq, &rs, err);
	if (ret == 0 && rs.status != 201 && rs.status != 200)
		ret = reg_status_error(&rq, &rs, err);
	reg_resp_release(&rs);
	if (ret < 0)
		return berth_error_prefix(err, "put manifest %s:%s", repo, tag);
	return 0;
}

int berth_registry_blob_exists(struct berth_registry *reg, const char *repo, const char *digest,
			       uint64_t *size, struct berth_error **err)
{
	struct reg_endpoint *ep = reg_origin(reg);
	cleanup_free char *url = NULL;
	cleanup_free char *scope = scope_for(repo, "pull");
	struct reg_resp rs = { 0 };
	struct reg_req rq = { .method = "HEAD", .body_fd = -1, .scope = scope, .follow = true };
	int ret;

	if (scope == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (reg_ping(reg, ep, err) < 0 ||
	    berth_registry_url(ep->base, repo, "blobs", digest, &url, err) < 0)
		return berth_error_prefix(err, "blob %s", digest);
	rq.url = url;
	ret = reg_request(reg, ep, &rq, &rs, err);
	if (ret == 0 && rs.status == 200)
		ret = 1;
	else if (ret == 0 && rs.status != 404)
		ret = reg_status_error(&rq, &rs, err);
	if (ret == 1 && size != NULL)
		*size = rs.length;
	reg_resp_release(&rs);
	if (ret < 0)
		return berth_error_prefix(err, "blob %s", digest);
	return ret;
}
