/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/monitor-internal.h"

/*
 * An idle monitor should cost next to nothing.  After setup it gives back
 * the free heap (malloc_trim) and drops the pages of its clean file-backed
 * private mappings (the text and read-only data of the binary and of the
 * libraries): those pages are identical to the file, so dropping them loses
 * nothing and the few the idle loop touches fault back in from the page
 * cache.  A mapping with any anonymous page (written: .data, relocated
 * RELRO) is never touched, since dropping it would lose what was written.
 */

struct mapping {
	unsigned long start, end;
	bool candidate; /* private, not writable, backed by a file */
};

static bool parse_header(const char *line, struct mapping *mp)
{
	char perms[5] = "";
	unsigned long inode = 0;
	int path = 0;

	if (sscanf(line, "%lx-%lx %4s %*x %*x:%*x %lu %n", &mp->start, &mp->end, perms, &inode,
		   &path) < 4)
		return false;
	mp->candidate = perms[1] != 'w' && perms[3] == 'p' && inode != 0 && path > 0 &&
			line[path] == '/';
	return true;
}

/* Drop the clean file-backed private mappings (their smaps say Anonymous: 0). */
static void drop_clean_mappings(void)
{
	static char line[512]; /* static: keep the stack we touch small */
	struct mapping cur = { 0 };
	bool have = false;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long anon;

		if (line[0] >= 'A' && line[0] <= 'Z') {
			if (have && cur.candidate && sscanf(line, "Anonymous: %lu", &anon) == 1 &&
			    anon == 0)
				madvise((void *)cur.start, cur.end - cur.start, MADV_DONTNEED);
			continue;
		}
		have = parse_header(line, &cur);
	}
	fclose(f);
}

void mon_trim_memory(void)
{
	malloc_trim(0);
	drop_clean_mappings();
}
