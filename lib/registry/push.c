/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry-internal.h"
#include "registry/sha256.h"
#include "util/cleanup.h"

/* Blob uploads: monolithic (POST then one PUT) and cross-repository mounts. */

static char *push_scope(const char *repo, const char *from)
{
	char *s = NULL;

	if (from != NULL &&
	    asprintf(&s, "repository:%s:pull,push repository:%s:pull", repo, from) < 0)
		return NULL;
	if (from == NULL && asprintf(&s, "repository:%s:pull,push", repo) < 0)
		return NULL;
	return s;
}

/* POST to @url; 202 gives an upload session in *location, 201 a mounted blob. */
static int start_upload(struct berth_registry *reg, const char *url, const char *scope,
			long *status, char **location, struct berth_error **err)
{
	struct reg_endpoint *ep = reg_origin(reg);
	struct reg_resp rs = { 0 };
	struct reg_req rq = { .method = "POST", .url = url, .body_fd = -1, .scope = scope };
	int ret = reg_request(reg, ep, &rq, &rs, err);

	if (ret == 0 && rs.status != 201 && rs.status != 202)
		ret = reg_status_error(&rq, &rs, err);
	if (ret == 0 && rs.status == 202) {
		*location = reg_resolve_location(ep, rs.location);
		if (*location == NULL)
			ret = berth_error_set(err, EPROTO, "POST %s: 202 without a usable Location",
					      url);
	}
	if (ret == 0)
		*status = rs.status;
	reg_resp_release(&rs);
	return ret;
}

static int finish_upload(struct berth_registry *reg, const char *location, const char *scope,
			 const char *digest, uint64_t size, int fd, struct berth_error **err)
{
	cleanup_free char *url = NULL;
	struct reg_resp rs = { 0 };
	struct reg_req rq = { .method = "PUT", .body_fd = fd, .body_len = size, .scope = scope };
	int ret;

	if (asprintf(&url, "%s%cdigest=%s", location, strchr(location, '?') ? '&' : '?', digest) <
	    0)
		return berth_error_set(err, ENOMEM, "out of memory");
	rq.url = url;
	ret = reg_request(reg, reg_origin(reg), &rq, &rs, err);
	if (ret == 0 && rs.status != 201)
		ret = reg_status_error(&rq, &rs, err);
	reg_resp_release(&rs);
	return ret;
}

static void cancel_upload(struct berth_registry *reg, const char *location, const char *scope)
{
	struct berth_error *ignored = NULL;
	struct reg_resp rs = { 0 };
	struct reg_req rq = { .method = "DELETE", .url = location, .body_fd = -1, .scope = scope };

	/* Best effort: an abandoned session expires on the registry anyway. */
	reg_request(reg, reg_origin(reg), &rq, &rs, &ignored);
	berth_error_free(ignored);
	reg_resp_release(&rs);
}

int berth_registry_push_blob(struct berth_registry *reg, const char *repo, const char *digest,
			     uint64_t size, int fd, struct berth_error **err)
{
	cleanup_free char *url = NULL;
	cleanup_free char *location = NULL;
	cleanup_free char *scope = push_scope(repo, NULL);
	long status = 0;
	int ret;

	if (scope == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (reg_digest_check(digest, err) < 0)
		return berth_error_prefix(err, "push blob");
	ret = berth_registry_blob_exists(reg, repo, digest, NULL, err);
	if (ret != 0)
		return ret < 0 ? berth_error_prefix(err, "push") : 1;
	if (berth_registry_url(reg_origin(reg)->base, repo, "blobs/uploads", NULL, &url, err) < 0 ||
	    start_upload(reg, url, scope, &status, &location, err) < 0)
		return berth_error_prefix(err, "push blob %s", digest);
	if (status != 202)
		return berth_error_set(err, EPROTO, "push blob %s: POST %s answered %ld, not 202",
				       digest, url, status);
	if (finish_upload(reg, location, scope, digest, size, fd, err) < 0)
		return berth_error_prefix(err, "push blob %s", digest);
	return 0;
}

int berth_registry_mount_blob(struct berth_registry *reg, const char *repo, const char *from_repo,
			      const char *digest, struct berth_error **err)
{
	cleanup_free char *base = NULL;
	cleanup_free char *url = NULL;
	cleanup_free char *location = NULL;
	cleanup_free char *scope = push_scope(repo, from_repo);
	long status = 0;

	if (scope == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (reg_ping(reg, reg_origin(reg), err) < 0 ||
	    berth_registry_url(reg_origin(reg)->base, repo, "blobs/uploads", NULL, &base, err) <
		0 ||
	    berth_registry_url(reg_origin(reg)->base, from_repo, "blobs", digest, &url, err) < 0)
		return berth_error_prefix(err, "mount blob %s", digest);
	free(url);
	url = NULL;
	if (asprintf(&url, "%s?mount=%s&from=%s", base, digest, from_repo) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (start_upload(reg, url, scope, &status, &location, err) < 0)
		return berth_error_prefix(err, "mount blob %s from %s", digest, from_repo);
	if (status == 201)
		return 1;
	cancel_upload(reg, location, scope);
	return 0;
}
