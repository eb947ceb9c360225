/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_REGISTRY_CLIENT_H
#define BERTH_REGISTRY_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/*
 * The distribution-spec (Docker registry v2) client: manifests and blobs by
 * digest, parallel downloads through libcurl's multi interface (no threads),
 * monolithic uploads, cross-repository mounts, bearer and basic auth, TLS with
 * the system CAs or a per-registry certs.d directory.  See docs/registries.md.
 *
 * A client talks to one registry host.  For docker.io pulls the mirrors of
 * the registries config are tried first, then registry-1.docker.io.
 */

struct berth_registry;
struct berth_registry_config;

#include "util/sink.h"

#define BERTH_MANIFEST_MAX (4u << 20) /* manifests larger than 4 MiB are refused */

struct berth_registry_opts {
	/* Registries config (default registry, mirrors, insecure); NULL: none. Borrowed. */
	const struct berth_registry_config *config;
	/* auth.json; NULL: berth_auth_default_path(). */
	const char *auth_path;
	/* certs.d directory; NULL: $BERTH_CERTS_D or /etc/berth/certs.d. */
	const char *certs_dir;
	/* User-Agent; NULL: "berth/<version>". */
	const char *user_agent;
	/* Credentials that override auth.json (login); both or neither. Borrowed. */
	const char *username;
	const char *password;
};

/*
 * A client for @host ("docker.io", "quay.io", "127.0.0.1:5000").  No network
 * traffic happens here: the first request pings /v2/ to pick HTTPS or (for
 * localhost and insecure registries only) plain HTTP and learn the auth
 * challenge.  The caller frees *out with berth_registry_free().
 */
int berth_registry_open(const char *host, const struct berth_registry_opts *o,
			struct berth_registry **out, struct berth_error **err);
void berth_registry_free(struct berth_registry *reg);

/*
 * Fetch the manifest @ref (a tag or "sha256:<hex>") of @repo ("library/busybox").
 * @accept_types is a NULL-terminated list of media types for the Accept header
 * (NULL: OCI and Docker schema 2 manifests and indexes).  On success *body
 * (NUL-terminated, *len bytes), *media_type (Content-Type without parameters)
 * and *digest ("sha256:<hex>" of the body) are set; the caller frees them.
 * A body over 4 MiB is refused while downloading (EFBIG); when @ref is a digest
 * the body must hash to it, and a Docker-Content-Digest header must match the
 * body (EBADMSG otherwise).  ENOENT when the registry does not know @ref.
 */
int berth_registry_get_manifest(struct berth_registry *reg, const char *repo, const char *ref,
				const char *const *accept_types, char **body, size_t *len,
				char **media_type, char **digest, struct berth_error **err);

enum berth_blob_state {
	BERTH_BLOB_WAITING,
	BERTH_BLOB_DOWNLOADING,
	BERTH_BLOB_VERIFIED, /* all bytes arrived and hash to the digest */
	BERTH_BLOB_FAILED,
};

/* Called as bytes arrive and when a blob changes state. */
typedef void (*berth_blob_progress_fn)(void *ctx, size_t index, enum berth_blob_state state,
				       uint64_t done, uint64_t total);

struct berth_blob_request {
	const char *digest; /* "sha256:<hex>" */
	uint64_t size;	    /* the size the manifest declares; more bytes abort the transfer */
	/*
	 * Gets the bytes in order as they arrive.  They are hashed on the way, but
	 * the blob is only known good when berth_registry_fetch_blobs() returns 0:
	 * a sink must not commit anything before that.
	 */
	struct berth_sink sink;
	berth_blob_progress_fn progress; /* may be NULL */
	void *progress_ctx;
};

#define BERTH_REGISTRY_PARALLEL 3

/*
 * Download @n blobs of @repo, @parallel at a time (<= 0: 3), following
 * redirects to storage.  Each transfer is verified as bytes arrive: more bytes
 * than declared or a digest mismatch abort it (EBADMSG).  A transfer that fails
 * on the network or with a 5xx is retried once, resuming with a Range request
 * where bytes already went to the sink.  Returns 0 when all blobs arrived
 * verified; else the first failure (the other transfers are stopped).
 */
int berth_registry_fetch_blobs(struct berth_registry *reg, const char *repo,
			       const struct berth_blob_request *reqs, size_t n, int parallel,
			       struct berth_error **err);

/* HEAD the blob: 1 when it exists (*size set if non-NULL), 0 when not, -errno. */
int berth_registry_blob_exists(struct berth_registry *reg, const char *repo, const char *digest,
			       uint64_t *size, struct berth_error **err);

/*
 * Upload @size bytes read from @fd (from offset 0, with pread) as blob @digest
 * of @repo: a POST to open an upload session, then one PUT with ?digest=.
 * Skipped when a HEAD says the registry has the blob: returns 0 when uploaded,
 * 1 when it was already there.  @fd stays the caller's.
 */
int berth_registry_push_blob(struct berth_registry *reg, const char *repo, const char *digest,
			     uint64_t size, int fd, struct berth_error **err);

/*
 * Ask the registry to mount blob @digest of @from_repo into @repo without an
 * upload.  Returns 1 when mounted, 0 when the registry declined (it answered
 * 202 with an upload session, which is cancelled): the caller then uploads
 * with berth_registry_push_blob().
 */
int berth_registry_mount_blob(struct berth_registry *reg, const char *repo, const char *from_repo,
			      const char *digest, struct berth_error **err);

/* PUT a manifest of @media_type under @tag (a tag or its digest) in @repo. */
int berth_registry_put_manifest(struct berth_registry *reg, const char *repo, const char *tag,
				const char *body, size_t len, const char *media_type,
				struct berth_error **err);

/* "docker.io" -> "registry-1.docker.io"; others unchanged.  Static string or @host. */
const char *berth_registry_endpoint_host(const char *host);

/*
 * The URL of @kind ("manifests", "blobs", "blobs/uploads") for @repo and @ref
 * (may be NULL) under @base ("https://host"); @repo and @ref are checked
 * against the distribution spec's grammar (EINVAL).  The caller frees *out.
 */
int berth_registry_url(const char *base, const char *repo, const char *kind, const char *ref,
		       char **out, struct berth_error **err);

#endif
