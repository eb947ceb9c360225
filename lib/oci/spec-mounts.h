/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SPEC_MOUNTS_H
#define BERTH_OCI_SPEC_MOUNTS_H

#include "oci/spec.h"

/*
 * Parse the "mounts" array (@path is its JSON path, "mounts") into
 * struct berth_mount, translating every option of the runtime spec
 * (ro/rw, nosuid/suid, nodev/dev, noexec/exec, sync, remount, mand, dirsync,
 * atime family and their recursive r* forms, bind/rbind, propagation, idmap/ridmap,
 * tmpcopyup refused clearly, ...).  Unknown options are passed on as
 * file-system data, as runc does.
 */
int berth_spec_parse_mounts(json_object *arr, const char *path, struct berth_mount **out, size_t *n,
			    struct berth_error **err);

/* Free the members of one mount (not the struct itself). */
void berth_mount_release(struct berth_mount *m);

/* Every option name the parser accepts, for `features` (the caller puts it). */
json_object *berth_mount_option_names(void);

#endif
