/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_SHA256_H
#define BERTH_RUNTIME_SHA256_H

/* The portable SHA-256 moved to lib/util (util/digest.h uses it too). */
#include "util/sha256.h"

#endif
