/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded on first use.  Linking libcurl costs every start of
 * `berth` about 5.5 ms of CPU: it pulls in some 30 libraries (gnutls, krb5,
 * ldap, ssh2, ...) whose symbols the dynamic loader binds at once (they are
 * all linked -z now).  Only pull, push and login talk to registries, so the
 * libcurl functions berth calls are defined here and forward to the real
 * ones, looked up with dlopen()/dlsym() the first time any is called; the
 * linker then finds libcurl unneeded (--as-needed) and leaves it out.
 *
 * The variadic setters forward their one argument by the type libcurl gives
 * the option (its number range: long, pointer, function pointer, curl_off_t,
 * blob), as curl/curl.h defines them.
 */
#define _GNU_SOURCE
#define CURL_DISABLE_TYPECHECK 1
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "registry/registry-internal.h"

#define CURL_SONAME "libcurl.so.4"

#define CURL_FUNCS(X)                                                                              \
	X(curl_easy_cleanup)                                                                       \
	X(curl_easy_escape)                                                                        \
	X(curl_easy_getinfo)                                                                       \
	X(curl_easy_init)                                                                          \
	X(curl_easy_perform)                                                                       \
	X(curl_easy_setopt)                                                                        \
	X(curl_easy_strerror)                                                                      \
	X(curl_free)                                                                               \
	X(curl_multi_add_handle)                                                                   \
	X(curl_multi_cleanup)                                                                      \
	X(curl_multi_info_read)                                                                    \
	X(curl_multi_init)                                                                         \
	X(curl_multi_perform)                                                                      \
	X(curl_multi_poll)                                                                         \
	X(curl_multi_remove_handle)                                                                \
	X(curl_share_cleanup)                                                                      \
	X(curl_share_init)                                                                         \
	X(curl_share_setopt)                                                                       \
	X(curl_slist_append)                                                                       \
	X(curl_slist_free_all)

static struct {
#define FIELD(name) __typeof__(&name) name;
	CURL_FUNCS(FIELD)
#undef FIELD
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256];

static void load(void)
{
	void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (h == NULL) {
		e = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s", CURL_SONAME,
			 e ? e : "unknown error");
		return;
	}
#define LOOKUP(name)                                                                               \
	if ((real.name = (__typeof__(real.name))dlsym(h, #name)) == NULL) {                        \
		snprintf(load_error, sizeof(load_error), "%s: no symbol %s", CURL_SONAME, #name);  \
		real.curl_easy_init = NULL;                                                        \
		return;                                                                            \
	}
	CURL_FUNCS(LOOKUP)
#undef LOOKUP
}

static bool loaded(void)
{
	pthread_once(&once, load);
	return load_error[0] == '\0';
}

int berth_curl_load(struct berth_error **err)
{
	if (!loaded())
		return berth_error_set(err, ELIBACC, "%s", load_error);
	return 0;
}

CURL *curl_easy_init(void)
{
	return loaded() ? real.curl_easy_init() : NULL;
}

void curl_easy_cleanup(CURL *c)
{
	if (c != NULL && loaded())
		real.curl_easy_cleanup(c);
}

char *curl_easy_escape(CURL *c, const char *s, int len)
{
	return loaded() ? real.curl_easy_escape(c, s, len) : NULL;
}

CURLcode curl_easy_perform(CURL *c)
{
	return loaded() ? real.curl_easy_perform(c) : CURLE_FAILED_INIT;
}

const char *curl_easy_strerror(CURLcode code)
{
	return loaded() ? real.curl_easy_strerror(code) : load_error;
}

void curl_free(void *p)
{
	if (p != NULL && loaded())
		real.curl_free(p);
}

CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	va_list ap;
	CURLcode r;

	if (!loaded())
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = real.curl_easy_setopt(c, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		r = real.curl_easy_setopt(c, opt, va_arg(ap, curl_off_t));
	else /* object, function pointer, blob: a pointer in the same register */
		r = real.curl_easy_setopt(c, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	va_list ap;
	CURLcode r;

	if (!loaded())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = real.curl_easy_getinfo(c, info, va_arg(ap, void *)); /* always a pointer */
	va_end(ap);
	return r;
}

CURLM *curl_multi_init(void)
{
	return loaded() ? real.curl_multi_init() : NULL;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *c)
{
	return loaded() ? real.curl_multi_add_handle(m, c) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *c)
{
	return loaded() ? real.curl_multi_remove_handle(m, c) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return loaded() ? real.curl_multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	return loaded() ? real.curl_multi_info_read(m, left) : NULL;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	return loaded() ? real.curl_multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms,
			  int *numfds)
{
	return loaded() ? real.curl_multi_poll(m, extra, n, timeout_ms, numfds)
			: CURLM_INTERNAL_ERROR;
}

CURLSH *curl_share_init(void)
{
	return loaded() ? real.curl_share_init() : NULL;
}

CURLSHcode curl_share_cleanup(CURLSH *s)
{
	return loaded() ? real.curl_share_cleanup(s) : CURLSHE_NOT_BUILT_IN;
}

CURLSHcode curl_share_setopt(CURLSH *s, CURLSHoption opt, ...)
{
	va_list ap;
	CURLSHcode r;

	if (!loaded())
		return CURLSHE_NOT_BUILT_IN;
	va_start(ap, opt);
	if (opt == CURLSHOPT_SHARE || opt == CURLSHOPT_UNSHARE)
		r = real.curl_share_setopt(s, opt, va_arg(ap, int)); /* curl_lock_data */
	else
		r = real.curl_share_setopt(s, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	return loaded() ? real.curl_slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
	if (l != NULL && loaded())
		real.curl_slist_free_all(l);
}
