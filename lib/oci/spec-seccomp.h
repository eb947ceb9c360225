/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SPEC_SECCOMP_H
#define BERTH_OCI_SPEC_SECCOMP_H

#include <json-c/json.h>

#include "util/error.h"

struct berth_seccomp; /* defined in spec-seccomp.c's header section below */

/* Parse and validate linux.seccomp (@path: "linux.seccomp"). */
int berth_seccomp_parse(json_object *obj, const char *path, struct berth_seccomp **out,
			struct berth_error **err);
void berth_seccomp_free(struct berth_seccomp *s);

#endif
