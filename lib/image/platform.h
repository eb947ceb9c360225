/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_IMAGE_PLATFORM_H
#define BERTH_IMAGE_PLATFORM_H

#include <stdbool.h>

#include "util/error.h"

/*
 * Platforms as the OCI image index names them: os, architecture in GOARCH
 * spelling (amd64, arm64, arm, 386, ppc64le, s390x, riscv64, …) and an
 * optional variant (v6, v7, v8).  Normalised as containerd does: "arm"
 * without a variant means arm/v7, and arm64/v8 is written arm64.
 */

#define BERTH_PLATFORM_FIELD 32

struct berth_platform {
	char os[BERTH_PLATFORM_FIELD];
	char arch[BERTH_PLATFORM_FIELD];
	char variant[BERTH_PLATFORM_FIELD]; /* "" when none */
};

/*
 * Parse "os/arch[/variant]" (the --platform flag), lower-cased and
 * normalised ("linux/aarch64" → linux/arm64, "linux/x86_64" → linux/amd64).
 */
int berth_platform_parse(const char *s, struct berth_platform *out, struct berth_error **err);

/* Build a normalised platform from index fields (@variant may be NULL or ""). */
int berth_platform_set(struct berth_platform *out, const char *os, const char *arch,
		       const char *variant, struct berth_error **err);

/*
 * The platform of a uname(2) machine string: x86_64 → amd64, aarch64 → arm64,
 * armv7l → arm/v7, armv6l → arm/v6, i686 → 386, ppc64le, s390x, riscv64, …
 * EINVAL for an unknown machine.
 */
int berth_platform_from_machine(const char *machine, struct berth_platform *out,
				struct berth_error **err);

/* The host's platform (linux + uname's machine). */
int berth_platform_host(struct berth_platform *out, struct berth_error **err);

/*
 * How well an image for @have runs on @want: 0 = not at all; higher is better.
 * Same os and arch are required.  An exact variant scores highest, then an
 * image without a variant, then (arm only) an older variant the CPU also
 * runs (v7 runs v6 and v5 code).
 */
int berth_platform_score(const struct berth_platform *want, const struct berth_platform *have);

/* "os/arch[/variant]" into @buf (3 * BERTH_PLATFORM_FIELD bytes suffice). */
void berth_platform_format(const struct berth_platform *p, char *buf, size_t size);

#endif
