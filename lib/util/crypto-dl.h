/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_CRYPTO_DL_H
#define BERTH_UTIL_CRYPTO_DL_H

#include "util/error.h"

/*
 * libcrypto (OpenSSL) is loaded on first use (lib/util/crypto-dl.c): the
 * EVP digest functions berth calls are defined there and forward to the
 * real ones.  Load it now, or say why it cannot be (ELIBACC).  The forwarders
 * load it by themselves; this only gives a caller a clear message first.
 */
int berth_crypto_load(struct berth_error **err);

#endif
