/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_ERROR_H
#define BERTH_UTIL_ERROR_H

/*
 * The error contract of the whole library.
 *
 * Every function that can fail takes `struct berth_error **err` as its last
 * parameter.  On failure it returns a negative errno (or NULL) and sets *err
 * exactly once; callers add context going up with berth_error_prefix().  The
 * library never prints and never exits: only cmd/ does.
 */

struct berth_error {
	int code;  /* positive errno value */
	char *msg; /* heap string, owned by the error */
};

/* Set *err to a formatted message with errno @code; returns -@code. */
int berth_error_set(struct berth_error **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like berth_error_set() with code = errno and ": strerror(errno)" appended. */
int berth_error_errno(struct berth_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepend "<fmt>: " to the existing message; returns -(*err)->code. */
int berth_error_prefix(struct berth_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Code of a set error as a negative value (for `return berth_error_ret(err)`). */
int berth_error_ret(struct berth_error **err);

/* NULL-safe. */
void berth_error_free(struct berth_error *err);

/* Free *err and set it to NULL (used when an error is handled). */
void berth_error_clear(struct berth_error **err);

#endif
