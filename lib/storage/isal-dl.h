/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_STORAGE_ISAL_DL_H
#define BERTH_STORAGE_ISAL_DL_H

#include <isa-l/igzip_lib.h>
#include <stdbool.h>

/*
 * ISA-L's igzip is loaded on first use (lib/storage/isal-dl.c).  True when it
 * could be: gzip layers then inflate with igzip, else with zlib.
 */
bool berth_isal_available(void);

#endif
