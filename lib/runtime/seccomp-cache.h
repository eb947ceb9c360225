/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_SECCOMP_CACHE_H
#define BERTH_RUNTIME_SECCOMP_CACHE_H

/*
 * Compiled seccomp programs, cached.  libseccomp takes ~6 ms of CPU to compile
 * berth's default profile (about 1000 BPF instructions), and it did so in
 * every container init.  The runtime now compiles a profile once, before the
 * init exists, into <state root>/.seccomp-cache/<key>.bpf, and the init loads
 * the program with seccomp(2) directly.
 *
 * The key is the SHA-256 of everything the compiler reads: the parsed profile
 * (default action, flags, architectures, rules with names, actions and
 * argument conditions: listenerPath and its metadata are not compiled), the
 * libseccomp version, its API level (what the kernel supports) and the native
 * architecture.  The directory is the caller's own, mode 0700 (a directory or
 * file someone else owns or can write to is never read); an entry is written
 * with a temp file and rename, and on read its size, header (magic, version,
 * key, instruction count) and the SHA-256 of its instructions are checked: a
 * torn, truncated or corrupted entry is ignored and rebuilt.  No cache (a
 * root that cannot hold one) only means compiling every time.
 *
 * Profiles with a SCMP_ACT_NOTIFY rule are not cached: they are loaded
 * through libseccomp (berth_seccomp_load), which returns the listener fd.
 */

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "oci/spec-seccomp.h"
#include "util/error.h"

struct berth_seccomp_prog {
	struct sock_filter *insns;
	size_t n;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	bool cached;	    /* read from the cache rather than compiled */
};

/* The cache directory's name in the state root (ids never start with '.'). */
#define BERTH_SECCOMP_CACHE_DIR ".seccomp-cache"

/*
 * The program for @s: from the cache under @state_root (NULL: no cache), or
 * compiled and then stored there.  *@out is NULL when @s is NULL or must go
 * through libseccomp at load time (a NOTIFY rule).  Failing to store is not
 * an error; a profile that does not compile is (prefixed "linux.seccomp").
 */
int berth_seccomp_prog_get(const struct berth_seccomp *s, const char *state_root,
			   struct berth_seccomp_prog **out, struct berth_error **err);

/* Load @p into the calling thread (and with TSYNC its siblings). */
int berth_seccomp_prog_load(const struct berth_seccomp_prog *p, struct berth_error **err);

/* NULL-safe. */
void berth_seccomp_prog_free(struct berth_seccomp_prog *p);

#endif
