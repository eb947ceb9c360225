/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_SHA256_X86_H
#define BERTH_UTIL_SHA256_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The CPU has the SHA extensions (and SSSE3, SSE4.1); always false off x86. */
bool berth_sha256_x86_usable(void);

/* @n 64-byte blocks at @p into the state @h, with the round constants @k. */
void berth_sha256_x86_blocks(uint32_t h[8], const unsigned char *p, size_t n, const uint32_t k[64]);

#endif
