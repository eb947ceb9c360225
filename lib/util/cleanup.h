/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_UTIL_CLEANUP_H
#define BERTH_UTIL_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * Scope-bound cleanup.  Declare cleanup variables first and initialise them:
 * clang refuses a goto that jumps over one, gcc silently frees garbage.
 */

static inline void berth_freep(void *p)
{
	free(*(void **)p);
}

static inline void berth_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

static inline void berth_fclosep(FILE **f)
{
	if (*f != NULL)
		fclose(*f);
}

static inline void berth_strvfreep(char ***v)
{
	if (*v == NULL)
		return;
	for (char **p = *v; *p != NULL; p++)
		free(*p);
	free(*v);
}

#define cleanup_free __attribute__((cleanup(berth_freep)))
#define cleanup_close __attribute__((cleanup(berth_closep)))
#define cleanup_fclose __attribute__((cleanup(berth_fclosep)))
#define cleanup_strv __attribute__((cleanup(berth_strvfreep)))

/* Hand ownership of *pp to the caller, leaving NULL behind. */
static inline void *berth_steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;

	*p = NULL;
	return v;
}
#define steal_ptr(pp) berth_steal_ptr(pp)

static inline int steal_fd(int *fd)
{
	int v = *fd;

	*fd = -1;
	return v;
}

#define BERTH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
