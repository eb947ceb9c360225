/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_REFERENCE_H
#define BERTH_IMAGE_REFERENCE_H

#include "util/error.h"

/*
 * Image references, parsed and normalised as Docker does:
 *
 *   busybox                      -> docker.io/library/busybox:latest
 *   user/app:1.0                 -> docker.io/user/app:1.0
 *   localhost:5000/a/b:t         -> localhost:5000/a/b:t
 *   name@sha256:<hex>            -> docker.io/library/name@sha256:<hex> (no tag)
 *   name:tag@sha256:<hex>        -> both kept; the digest decides what is pulled
 *
 * The first path component is a registry domain when it contains '.' or ':',
 * is "localhost", or has an upper-case letter; "index.docker.io" becomes
 * "docker.io".  Each component is checked against the distribution spec's
 * grammar: path components [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*, tags
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, domains as host names or [IPv6] with an
 * optional port, at most 255 characters for domain/path, digests sha256 only.
 */

#define BERTH_DEFAULT_DOMAIN "docker.io"
#define BERTH_DEFAULT_TAG "latest"

struct berth_reference {
	char *domain; /* "docker.io", "localhost:5000" */
	char *path;   /* "library/busybox" */
	char *tag;    /* NULL when only a digest was given */
	char *digest; /* "sha256:<hex>" or NULL */
};

/*
 * Parse and normalise @s.  On success *out is a new reference the caller
 * frees with berth_reference_free().  Errors are EINVAL and quote @s:
 * `invalid reference "Busybox": repository name must be lowercase`.
 */
int berth_reference_parse(const char *s, struct berth_reference **out, struct berth_error **err);

/* Fully qualified form "domain/path[:tag][@digest]"; the caller frees; NULL on ENOMEM. */
char *berth_reference_string(const struct berth_reference *r);

/* "domain/path" (the repository); the caller frees; NULL on ENOMEM. */
char *berth_reference_name(const struct berth_reference *r);

/*
 * The short form Docker displays: "busybox:latest", "user/app:1.0",
 * "localhost:5000/a/b:t".  The caller frees; NULL on ENOMEM.
 */
char *berth_reference_familiar(const struct berth_reference *r);

/* NULL-safe. */
void berth_reference_free(struct berth_reference *r);

#endif
