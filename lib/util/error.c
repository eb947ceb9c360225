/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "util/error.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static int store(struct berth_error **err, int code, char *msg)
{
	struct berth_error *e;

	if (code <= 0)
		code = EIO;
	/* Setting an error twice loses the first one: a bug in the caller. */
	assert(err == NULL || *err == NULL);
	if (err == NULL) {
		free(msg);
		return -code;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		free(msg);
		return -code;
	}
	e->code = code;
	e->msg = msg ? msg : strdup("out of memory");
	*err = e;
	return -code;
}

int berth_error_set(struct berth_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	return store(err, code, msg);
}

int berth_error_errno(struct berth_error **err, const char *fmt, ...)
{
	int code = errno;
	va_list ap;
	char *head, *msg = NULL;

	va_start(ap, fmt);
	head = vformat(fmt, ap);
	va_end(ap);
	if (head != NULL && asprintf(&msg, "%s: %s", head, strerror(code)) < 0)
		msg = NULL;
	free(head);
	return store(err, code, msg);
}

int berth_error_prefix(struct berth_error **err, const char *fmt, ...)
{
	va_list ap;
	char *head, *msg = NULL;

	if (err == NULL || *err == NULL)
		return -EIO;
	va_start(ap, fmt);
	head = vformat(fmt, ap);
	va_end(ap);
	if (head != NULL && asprintf(&msg, "%s: %s", head, (*err)->msg) >= 0) {
		free((*err)->msg);
		(*err)->msg = msg;
	}
	free(head);
	return -(*err)->code;
}

int berth_error_ret(struct berth_error **err)
{
	if (err == NULL || *err == NULL)
		return -EIO;
	return -(*err)->code;
}

void berth_error_free(struct berth_error *err)
{
	if (err == NULL)
		return;
	free(err->msg);
	free(err);
}

void berth_error_clear(struct berth_error **err)
{
	if (err == NULL)
		return;
	berth_error_free(*err);
	*err = NULL;
}
