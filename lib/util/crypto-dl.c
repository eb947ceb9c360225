/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcrypto, loaded on first use (as libcurl is: lib/registry/curl-dl.c).
 * Linked, it costs every start of `berth` the binding of its symbols by the
 * dynamic loader, and its initialisation reads openssl.cnf; yet only the
 * SHA-256 of big blobs (layers during pull, load and push) needs OpenSSL's
 * hardware-accelerated code.  Small in-memory digests use util/sha256.h.
 * So the EVP functions berth calls are defined here and forward to the real
 * ones, looked up with dlopen()/dlsym() the first time any is called; the
 * linker then leaves libcrypto out (--as-needed).  If it cannot be loaded,
 * the calls fail as OpenSSL's own do (NULL, 0) and berth_crypto_load() says
 * why.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/crypto-dl.h"

#define CRYPTO_SONAME "libcrypto.so.3"

#define CRYPTO_FUNCS(X)                                                                            \
	X(EVP_DigestFinal_ex)                                                                      \
	X(EVP_DigestInit_ex)                                                                       \
	X(EVP_DigestUpdate)                                                                        \
	X(EVP_MD_CTX_free)                                                                         \
	X(EVP_MD_CTX_new)                                                                          \
	X(EVP_sha256)

static struct {
#define FIELD(name) __typeof__(&name) name;
	CRYPTO_FUNCS(FIELD)
#undef FIELD
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256];

static void load(void)
{
	void *h = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (h == NULL) {
		e = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s", CRYPTO_SONAME,
			 e ? e : "unknown error");
		return;
	}
#define LOOKUP(name)                                                                               \
	if ((real.name = (__typeof__(real.name))dlsym(h, #name)) == NULL) {                        \
		snprintf(load_error, sizeof(load_error), "%s: no symbol %s", CRYPTO_SONAME,        \
			 #name);                                                                   \
		return;                                                                            \
	}
	CRYPTO_FUNCS(LOOKUP)
#undef LOOKUP
}

static bool loaded(void)
{
	pthread_once(&once, load);
	return load_error[0] == '\0';
}

int berth_crypto_load(struct berth_error **err)
{
	if (!loaded())
		return berth_error_set(err, ELIBACC, "%s", load_error);
	return 0;
}

EVP_MD_CTX *EVP_MD_CTX_new(void)
{
	return loaded() ? real.EVP_MD_CTX_new() : NULL;
}

void EVP_MD_CTX_free(EVP_MD_CTX *ctx)
{
	if (ctx != NULL && loaded())
		real.EVP_MD_CTX_free(ctx);
}

const EVP_MD *EVP_sha256(void)
{
	return loaded() ? real.EVP_sha256() : NULL;
}

int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl)
{
	return loaded() ? real.EVP_DigestInit_ex(ctx, type, impl) : 0;
}

int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt)
{
	return loaded() ? real.EVP_DigestUpdate(ctx, d, cnt) : 0;
}

int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s)
{
	return loaded() ? real.EVP_DigestFinal_ex(ctx, md, s) : 0;
}
