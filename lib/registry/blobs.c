/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry-internal.h"
#include "registry/sha256.h"
#include "util/cleanup.h"

/*
 * Parallel blob downloads on one thread: libcurl's multi interface drives
 * up to @parallel transfers; each hashes its bytes as they arrive and hands
 * them to its sink, and is cut off at the first byte past the declared size.
 */

struct xfer {
	const struct berth_blob_request *rq;
	size_t index;
	CURL *c;
	struct curl_slist *hdrs;
	struct reg_sha256 h;
	uint64_t got;  /* bytes given to the sink */
	uint64_t from; /* where this attempt started (a Range request when > 0) */
	int attempts;
	bool running;
	struct reg_resp rs;
	struct berth_error *err; /* set by the write callback (sink failure, overflow) */
	char detail[CURL_ERROR_SIZE];
};

struct batch {
	struct berth_registry *reg;
	struct reg_endpoint *ep;
	const char *repo;
	char *auth; /* Authorization header line or NULL */
	char *scope;
	CURLM *multi;
	struct xfer *x;
	size_t n, next, running;
};

static void progress(struct xfer *x, enum berth_blob_state st)
{
	if (x->rq->progress != NULL)
		x->rq->progress(x->rq->progress_ctx, x->index, st, x->got, x->rq->size);
}

static size_t write_cb(char *buf, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 && status != 206)
		return len; /* an error body: the status is reported when the transfer ends */
	if (status == 200 && x->from > 0) {
		/* The whole blob again: the sink already has the start and cannot take it twice. */
		berth_error_set(&x->err, EPROTO,
				"blob %s: the registry cannot resume the "
				"transfer (no Range support)",
				x->rq->digest);
		return 0;
	}
	if (x->got + len > x->rq->size) {
		berth_error_set(&x->err, EBADMSG, "blob %s: more bytes than the declared size %llu",
				x->rq->digest, (unsigned long long)x->rq->size);
		return 0;
	}
	if (x->rq->sink.write(x->rq->sink.ctx, buf, len, &x->err) < 0)
		return 0;
	reg_sha256_update(&x->h, buf, len);
	x->got += len;
	progress(x, BERTH_BLOB_DOWNLOADING);
	return len;
}

static void xfer_reset(struct xfer *x)
{
	if (x->c != NULL)
		curl_easy_cleanup(x->c);
	curl_slist_free_all(x->hdrs);
	reg_resp_release(&x->rs);
	x->c = NULL;
	x->hdrs = NULL;
}

static int xfer_headers(struct batch *b, struct xfer *x, struct berth_error **err)
{
	char range[64];

	if (b->auth != NULL)
		x->hdrs = curl_slist_append(x->hdrs, b->auth);
	if (x->got > 0) {
		/* A retry resumes where the sink stopped: it cannot take the bytes twice. */
		snprintf(range, sizeof(range), "Range: bytes=%llu-", (unsigned long long)x->got);
		x->hdrs = curl_slist_append(x->hdrs, range);
	}
	if ((b->auth != NULL || x->got > 0) && x->hdrs == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int xfer_start(struct batch *b, struct xfer *x, struct berth_error **err)
{
	cleanup_free char *url = NULL;
	CURLcode r = CURLE_OK;

	if (berth_registry_url(b->ep->base, b->repo, "blobs", x->rq->digest, &url, err) < 0)
		return berth_error_ret(err);
	x->from = x->got;
	x->c = curl_easy_init();
	if (x->c == NULL || xfer_headers(b, x, err) < 0)
		return *err ? berth_error_ret(err) : berth_error_set(err, ENOMEM, "out of memory");
	if (reg_easy_setup(b->reg, b->ep, x->c, err) < 0)
		return berth_error_ret(err);
	r |= curl_easy_setopt(x->c, CURLOPT_URL, url);
	r |= curl_easy_setopt(x->c, CURLOPT_HTTPHEADER, x->hdrs);
	/* Registries redirect blobs to storage; curl drops Authorization on another host. */
	r |= curl_easy_setopt(x->c, CURLOPT_FOLLOWLOCATION, 1L);
	r |= curl_easy_setopt(x->c, CURLOPT_HEADERFUNCTION, reg_header_cb);
	r |= curl_easy_setopt(x->c, CURLOPT_HEADERDATA, &x->rs);
	r |= curl_easy_setopt(x->c, CURLOPT_WRITEFUNCTION, write_cb);
	r |= curl_easy_setopt(x->c, CURLOPT_WRITEDATA, x);
	r |= curl_easy_setopt(x->c, CURLOPT_PRIVATE, x);
	r |= curl_easy_setopt(x->c, CURLOPT_ERRORBUFFER, x->detail);
	x->detail[0] = '\0';
	if (r != CURLE_OK || curl_multi_add_handle(b->multi, x->c) != CURLM_OK)
		return berth_error_set(err, EINVAL, "GET %s: cannot start the transfer", url);
	x->attempts++;
	x->running = true;
	b->running++;
	progress(x, BERTH_BLOB_DOWNLOADING);
	return 0;
}

/* Whether a failed transfer is worth one more try. */
static bool retriable(const struct xfer *x, CURLcode r, long status)
{
	if (x->attempts >= 2 || x->err != NULL)
		return false;
	if (r != CURLE_OK)
		return r != CURLE_WRITE_ERROR;
	return status >= 500 || status == 401 || status == 408 || status == 429;
}

static int xfer_result(struct xfer *x, CURLcode r, long status, struct berth_error **err)
{
	char digest[REG_DIGEST_LEN + 1];

	if (x->err != NULL) {
		*err = steal_ptr(&x->err);
		return berth_error_ret(err);
	}
	if (r != CURLE_OK)
		return berth_error_set(err, EIO, "blob %s: %s", x->rq->digest,
				       x->detail[0] ? x->detail : curl_easy_strerror(r));
	if (status != 200 && status != 206)
		return berth_error_set(err,
				       status == 404   ? ENOENT
				       : status == 401 ? EACCES
						       : EIO,
				       "blob %s: HTTP status %ld", x->rq->digest, status);
	if (x->got != x->rq->size)
		return berth_error_set(err, EBADMSG, "blob %s: truncated: %llu of %llu bytes",
				       x->rq->digest, (unsigned long long)x->got,
				       (unsigned long long)x->rq->size);
	reg_sha256_final(&x->h, digest);
	if (strcmp(digest, x->rq->digest) != 0)
		return berth_error_set(err, EBADMSG,
				       "blob %s: digest mismatch: the bytes hash to %s",
				       x->rq->digest, digest);
	return 0;
}

static int refresh_auth(struct batch *b, struct xfer *x, struct berth_error **err)
{
	free(b->auth);
	b->auth = NULL;
	if (reg_auth_rechallenge(b->ep, x->rs.www_auth, b->scope, err) < 0)
		return berth_error_ret(err);
	return reg_auth_header(b->reg, b->ep, b->scope, &b->auth, err);
}

/* A transfer ended: verify it, or retry it once, or fail the batch. */
static int xfer_done(struct batch *b, struct xfer *x, CURLcode r, struct berth_error **err)
{
	long status = 0;

	curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(b->multi, x->c);
	x->running = false;
	b->running--;
	if (retriable(x, r, status)) {
		if (status == 401 && refresh_auth(b, x, err) < 0)
			return berth_error_ret(err);
		xfer_reset(x);
		return xfer_start(b, x, err);
	}
	if (xfer_result(x, r, status, err) < 0) {
		progress(x, BERTH_BLOB_FAILED);
		return berth_error_ret(err);
	}
	progress(x, BERTH_BLOB_VERIFIED);
	xfer_reset(x);
	return 0;
}

static int drain(struct batch *b, struct berth_error **err)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(b->multi, &left)) != NULL) {
		struct xfer *x = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (xfer_done(b, x, m->data.result, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

static int run(struct batch *b, size_t parallel, struct berth_error **err)
{
	int still = 0;

	while (b->next < b->n || b->running > 0) {
		while (b->next < b->n && b->running < parallel)
			if (xfer_start(b, &b->x[b->next++], err) < 0)
				return berth_error_ret(err);
		if (curl_multi_perform(b->multi, &still) != CURLM_OK)
			return berth_error_set(err, EIO, "blob downloads: curl multi failed");
		if (drain(b, err) < 0)
			return berth_error_ret(err);
		if (b->running > 0 && curl_multi_poll(b->multi, NULL, 0, 1000, NULL) != CURLM_OK)
			return berth_error_set(err, EIO, "blob downloads: curl multi poll failed");
	}
	return 0;
}

static void batch_release(struct batch *b)
{
	for (size_t i = 0; b->x != NULL && i < b->n; i++) {
		if (b->x[i].running)
			curl_multi_remove_handle(b->multi, b->x[i].c);
		xfer_reset(&b->x[i]);
		reg_sha256_release(&b->x[i].h);
		berth_error_free(b->x[i].err);
	}
	free(b->x);
	if (b->multi != NULL)
		curl_multi_cleanup(b->multi);
	free(b->auth);
	free(b->scope);
}

static int batch_init(struct batch *b, const struct berth_blob_request *reqs,
		      struct berth_error **err)
{
	b->x = calloc(b->n ? b->n : 1, sizeof(*b->x));
	b->multi = curl_multi_init();
	if (b->x == NULL || b->multi == NULL ||
	    asprintf(&b->scope, "repository:%s:pull", b->repo) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < b->n; i++) {
		b->x[i].rq = &reqs[i];
		b->x[i].index = i;
		if (reg_digest_check(reqs[i].digest, err) < 0 ||
		    reg_sha256_init(&b->x[i].h, err) < 0)
			return berth_error_ret(err);
		if (reqs[i].sink.write == NULL)
			return berth_error_set(err, EINVAL, "blob %s: no sink", reqs[i].digest);
	}
	return reg_auth_header(b->reg, b->ep, b->scope, &b->auth, err);
}

int berth_registry_fetch_blobs(struct berth_registry *reg, const char *repo,
			       const struct berth_blob_request *reqs, size_t n, int parallel,
			       struct berth_error **err)
{
	struct batch b = { .reg = reg, .repo = repo, .n = n };
	int ret;

	if (n == 0)
		return 0;
	ret = reg_pull_endpoint(reg, &b.ep, err);
	if (ret == 0)
		ret = batch_init(&b, reqs, err);
	if (ret == 0)
		ret = run(&b, parallel > 0 ? (size_t)parallel : BERTH_REGISTRY_PARALLEL, err);
	batch_release(&b);
	if (ret < 0)
		return berth_error_prefix(err, "pull from %s/%s", reg->host, repo);
	return 0;
}
