/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_CTR_INTERNAL_H
#define BERTH_ENGINE_CTR_INTERNAL_H

#include "engine/ctr.h"

int berth_ctr_reserve_name(struct berth_engine *e, const char *name, const char *id,
			   struct berth_error **err);
void berth_ctr_release_name(struct berth_engine *e, const char *name, const char *id);
/* Whether names/@name points at @id. */
bool berth_ctr_name_owned(struct berth_engine *e, const char *name, const char *id);
/* The record first, then every file of the container but its root filesystem's parts. */
void berth_ctr_remove_outside_rootfs(struct berth_engine *e, const char *id);

#endif
