/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ISA-L, loaded on first use (as libcurl is: lib/registry/curl-dl.c).  Only
 * the unpacking of gzip layers (pull, load) uses igzip, yet linked, libisal
 * costs every start of `berth` its relocations.  So the two functions berth
 * calls are defined here and forward to the real ones, looked up with
 * dlopen()/dlsym() the first time berth_isal_available() is asked; the
 * linker then leaves libisal out (--as-needed).  When it cannot be loaded,
 * gzip layers are inflated by zlib (lib/storage/decompress.c), which gives
 * the same bytes, only slower.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "storage/isal-dl.h"

#define ISAL_SONAME "libisal.so.2"

static struct {
	__typeof__(&isal_inflate_init) isal_inflate_init;
	__typeof__(&isal_inflate) isal_inflate;
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool ok;

static void load(void)
{
	void *h = dlopen(ISAL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL)
		return;
	real.isal_inflate_init = (__typeof__(real.isal_inflate_init))dlsym(h, "isal_inflate_init");
	real.isal_inflate = (__typeof__(real.isal_inflate))dlsym(h, "isal_inflate");
	ok = real.isal_inflate_init != NULL && real.isal_inflate != NULL;
}

bool berth_isal_available(void)
{
	pthread_once(&once, load);
	return ok;
}

/* Only called once berth_isal_available() said yes. */
void isal_inflate_init(struct inflate_state *state)
{
	if (berth_isal_available())
		real.isal_inflate_init(state);
}

int isal_inflate(struct inflate_state *state)
{
	return berth_isal_available() ? real.isal_inflate(state) : ISAL_INVALID_STATE;
}
