/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "image/pull.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/blobs.h"
#include "image/driver.h"
#include "image/config.h"
#include "image/manifest.h"
#include "image/platform.h"
#include "image/reference.h"
#include "image/unpack.h"
#include "storage/snapshot.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/json.h"

/*
 * pull: registry → verified blobs in the store → snapshots → image record.
 * Each step leaves the store consistent: blobs are committed only once their
 * digest is verified, snapshots appear whole or not at all, and the record and
 * tag come last.  Manifests are kept in memory until everything else is in;
 * a pull that fails (a tampered blob, a lying config) removes the blobs and
 * snapshots it added, so the store is as it was before.
 */

struct pull {
	struct berth_store *s;
	const struct berth_pull_opts *o;
	struct berth_reference *ref;
	struct berth_registry *reg;
	char index[BERTH_DIGEST_BUF]; /* "" when the reference named a manifest */
	char manifest[BERTH_DIGEST_BUF];
	struct berth_manifest *m;
	struct berth_image_config *config;
	struct {
		char *body;
		size_t len;
		char digest[BERTH_DIGEST_BUF];
	} pending[2]; /* the index and the manifest, stored last */
	size_t n_pending;
	char (*fresh)[BERTH_DIGEST_BUF]; /* blobs this pull committed */
	size_t n_fresh;
	char **snapshots_before; /* chain IDs present before unpacking */
};

static const struct berth_registry_opts no_opts;

/* Fetch a manifest (by tag or digest) and parse it; it is stored once the pull succeeds. */
static int fetch_manifest(struct pull *p, const char *ref, char digest[BERTH_DIGEST_BUF],
			  struct berth_manifest **m, struct berth_error **err)
{
	cleanup_free char *body = NULL;
	cleanup_free char *type = NULL;
	cleanup_free char *got = NULL;
	size_t len = 0;
	int ret;

	ret = berth_registry_get_manifest(p->reg, p->ref->path, ref, NULL, &body, &len, &type, &got,
					  err);
	if (ret < 0)
		return ret;
	if ((ret = berth_manifest_parse(body, len, type, m, err)) < 0)
		return berth_error_prefix(err, "manifest %s", got);
	if ((ret = berth_digest_check(got, err)) < 0 || p->n_pending == 2)
		return ret < 0 ? ret : berth_error_set(err, EINVAL, "too many nested manifests");
	snprintf(digest, BERTH_DIGEST_BUF, "%s", got);
	snprintf(p->pending[p->n_pending].digest, BERTH_DIGEST_BUF, "%s", got);
	p->pending[p->n_pending].len = len;
	p->pending[p->n_pending++].body = steal_ptr(&body);
	return 0;
}

static int store_manifests(struct pull *p, struct berth_error **err)
{
	for (size_t i = 0; i < p->n_pending; i++) {
		bool had = berth_blob_exists(p->s, p->pending[i].digest);
		int ret = berth_blob_put(p->s, p->pending[i].body, p->pending[i].len,
					 p->pending[i].digest, NULL, err);

		if (ret < 0)
			return ret;
		if (!had)
			snprintf(p->fresh[p->n_fresh++], BERTH_DIGEST_BUF, "%s",
				 p->pending[i].digest);
	}
	return 0;
}

/* Undo a failed pull: the blobs it committed and the snapshots it made go. */
static void roll_back(struct pull *p)
{
	cleanup_strv char **now = NULL;
	struct berth_error *e = NULL;
	int rootfd = berth_store_rootfd(p->s);

	for (size_t i = 0; p->fresh && i < p->n_fresh; i++) {
		berth_blob_remove(p->s, p->fresh[i], &e);
		berth_error_clear(&e);
	}
	if (p->snapshots_before == NULL || berth_snapshot_list(rootfd, &now, &e) < 0) {
		berth_error_free(e);
		return;
	}
	for (size_t i = 0; now[i] != NULL; i++) {
		bool old = false;

		for (size_t j = 0; p->snapshots_before[j] != NULL && !old; j++)
			old = strcmp(now[i], p->snapshots_before[j]) == 0;
		if (!old && berth_snapshot_remove(rootfd, now[i], &e) < 0)
			berth_error_clear(&e);
	}
}

/* The image manifest: the reference's, or the one an index lists for our platform. */
static int resolve(struct pull *p, struct berth_error **err)
{
	struct berth_platform want;
	const struct berth_descriptor *d = NULL;
	char first[BERTH_DIGEST_BUF];
	struct berth_manifest *top = NULL;
	int ret;

	ret = fetch_manifest(p, p->ref->digest ? p->ref->digest : p->ref->tag, first, &top, err);
	if (ret < 0)
		return ret;
	if (top->kind != BERTH_MANIFEST_INDEX) {
		memcpy(p->manifest, first, sizeof(first));
		p->m = top;
		return 0;
	}
	memcpy(p->index, first, sizeof(first));
	ret = p->o->platform ? berth_platform_parse(p->o->platform, &want, err)
			     : berth_platform_host(&want, err);
	if (ret == 0)
		ret = berth_manifest_select(top, &want, &d, err);
	if (ret == 0)
		ret = fetch_manifest(p, d->digest, p->manifest, &p->m, err);
	berth_manifest_free(top);
	if (ret == 0 && p->m->kind == BERTH_MANIFEST_INDEX)
		return berth_error_set(err, EINVAL, "%s: an index inside an index is not supported",
				       p->manifest);
	return ret;
}

struct download {
	struct berth_blob_writer *w;
	char digest[BERTH_DIGEST_BUF];
};

static int open_writers(struct pull *p, const struct berth_descriptor **want, size_t n,
			struct download *dl, struct berth_blob_request *reqs,
			struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		int ret =
		    berth_blob_writer_open(p->s, want[i]->digest, want[i]->size, &dl[i].w, err);

		if (ret < 0)
			return ret;
		reqs[i] = (struct berth_blob_request){
			.digest = want[i]->digest,
			.size = (uint64_t)want[i]->size,
			.sink = berth_blob_sink(dl[i].w),
			.progress = p->o->events ? p->o->events->progress : NULL,
			.progress_ctx = p->o->events ? p->o->events->ctx : NULL,
		};
	}
	return 0;
}

/* Download @want (blobs absent from the store) in parallel; commit them only when all verified. */
static int download(struct pull *p, const struct berth_descriptor **want, size_t n,
		    struct berth_error **err)
{
	cleanup_free struct download *dl = calloc(n ? n : 1, sizeof(*dl));
	cleanup_free struct berth_blob_request *reqs = calloc(n ? n : 1, sizeof(*reqs));
	int ret;

	if (dl == NULL || reqs == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	ret = open_writers(p, want, n, dl, reqs, err);
	if (ret == 0 && n > 0)
		ret =
		    berth_registry_fetch_blobs(p->reg, p->ref->path, reqs, n, p->o->parallel, err);
	for (size_t i = 0; i < n; i++) {
		if (dl[i].w == NULL)
			continue;
		if (ret == 0)
			ret = berth_blob_writer_commit(dl[i].w, dl[i].digest, err);
		else
			berth_blob_writer_abort(dl[i].w);
		if (ret == 0)
			snprintf(p->fresh[p->n_fresh++], BERTH_DIGEST_BUF, "%s", dl[i].digest);
	}
	return ret;
}

/* Which of config + layers the store lacks; reports the plan to the caller's events. */
static void plan(struct pull *p, const struct berth_descriptor **want, size_t *n)
{
	const struct berth_pull_events *ev = p->o->events;

	*n = 0;
	if (!berth_blob_exists(p->s, p->m->config.digest))
		want[(*n)++] = &p->m->config;
	for (size_t i = 0; i < p->m->n_layers; i++) {
		const struct berth_descriptor *d = &p->m->layers[i];

		if (!berth_blob_exists(p->s, d->digest))
			want[(*n)++] = d;
		else if (ev && ev->present)
			ev->present(ev->ctx, d->digest);
	}
	if (ev && ev->begin)
		ev->begin(ev->ctx, *n);
	for (size_t i = 0; ev && ev->blob && i < *n; i++)
		ev->blob(ev->ctx, i, want[i]->digest, (uint64_t)want[i]->size);
}

static int load_config(struct pull *p, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = berth_blob_read(p->s, p->m->config.digest, 1u << 24, &buf, &len, err);
	if (ret < 0)
		return ret;
	ret = berth_image_config_parse(buf, len, &p->config, err);
	if (ret < 0)
		return berth_error_prefix(err, "config %s", p->m->config.digest);
	if (p->config->n_diff_ids != p->m->n_layers)
		return berth_error_set(err, EINVAL, "image %s: %zu layers but %zu diff IDs",
				       p->manifest, p->m->n_layers, p->config->n_diff_ids);
	return 0;
}

static void unpacked(void *ctx, size_t index, const char *digest)
{
	const struct berth_pull_events *ev = ctx;

	if (ev && ev->unpacked)
		ev->unpacked(ev->ctx, index, digest);
}

static int pull_steps(struct pull *p, struct berth_image **out, struct berth_error **err)
{
	cleanup_free const struct berth_descriptor **want = NULL;
	cleanup_free char *name = NULL;
	size_t n = 0;
	int ret;

	if ((ret = berth_registry_open(p->ref->domain, p->o->registry ? p->o->registry : &no_opts,
				       &p->reg, err)) < 0 ||
	    (ret = resolve(p, err)) < 0)
		return ret;
	want = calloc(p->m->n_layers + 1, sizeof(*want));
	p->fresh = calloc(p->m->n_layers + 3, BERTH_DIGEST_BUF);
	if (want == NULL || p->fresh == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	plan(p, want, &n);
	if ((ret = download(p, want, n, err)) < 0 || (ret = load_config(p, err)) < 0 ||
	    (ret = berth_snapshot_list(berth_store_rootfd(p->s), &p->snapshots_before, err)) < 0 ||
	    (ret = berth_image_unpack(p->s, p->m->layers, p->m->n_layers, p->config->diff_ids,
				      unpacked, (void *)p->o->events, err)) < 0 ||
	    (ret = store_manifests(p, err)) < 0)
		return ret;
	name = berth_reference_string(p->ref);
	return berth_image_add(p->s,
			       &(struct berth_image_add_opts){
				   .manifest = p->manifest,
				   .index = p->index[0] ? p->index : NULL,
				   .reference = name,
			       },
			       out, err);
}

int berth_image_pull(struct berth_store *s, const struct berth_pull_opts *o,
		     struct berth_image **out, struct berth_error **err)
{
	struct pull p = { .s = s, .o = o };
	int ret;

	ret = berth_reference_parse(o->reference, &p.ref, err);
	if (ret < 0)
		return ret;
	/* The lease keeps GC off the blobs written before the record that refers to them. */
	ret = berth_store_lease(s, err);
	if (ret == 0) {
		ret = pull_steps(&p, out, err);
		if (ret < 0)
			roll_back(&p);
		berth_store_unlease(s);
	}
	if (ret < 0)
		berth_error_prefix(err, "pull %s", o->reference);
	for (size_t i = 0; i < p.n_pending; i++)
		free(p.pending[i].body);
	free(p.fresh);
	berth_strv_free(p.snapshots_before);
	berth_image_config_free(p.config);
	berth_manifest_free(p.m);
	berth_registry_free(p.reg);
	berth_reference_free(p.ref);
	return ret;
}
