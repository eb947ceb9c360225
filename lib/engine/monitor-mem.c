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
	mp->candidate =
	    perms[1] != 'w' && perms[3] == 'p' && inode != 0 && path > 0 && line[path] == '/';
	return true;
}

#define MAX_RANGES 64
#define STACK_KEEP (4u << 10) /* below our frame: what the calls after the trim use (poll) */

struct ranges {
	struct mapping r[MAX_RANGES];
	size_t n;
	unsigned long stack_start;
};

static void note(struct ranges *rs, const struct mapping *mp, const char *line)
{
	if (strstr(line, "[stack]") != NULL)
		rs->stack_start = mp->start;
}

/* Read smaps whole first: dropping pages while still parsing would fault them back. */
static void collect(struct ranges *rs)
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
			if (have && cur.candidate && rs->n < MAX_RANGES &&
			    sscanf(line, "Anonymous: %lu", &anon) == 1 && anon == 0)
				rs->r[rs->n++] = cur;
			continue;
		}
		have = parse_header(line, &cur);
		if (have)
			note(rs, &cur, line);
	}
	fclose(f);
}

/*
 * The stack below the current frame is dead (nothing lives under the stack
 * pointer but the red zone of a running leaf function): setup went deep
 * (the runtime's create), idle does not.
 */
static __attribute__((noinline)) void drop_dead_stack(unsigned long stack_start)
{
	unsigned long sp = (unsigned long)__builtin_frame_address(0);
	unsigned long end = (sp - STACK_KEEP) & ~((unsigned long)getpagesize() - 1);

	if (stack_start != 0 && end > stack_start)
		madvise((void *)stack_start, end - stack_start, MADV_DONTNEED);
}

/*
 * Before the first allocation.  Blocks of 24 KiB and more (the log driver's
 * line buffers) come from mmap: calloc then needs no memset, so only the
 * pages really used are ever resident, and free gives them back.  The heap
 * grows by what is asked (no top pad) and gives back a free top of 16 KiB.
 */
void mon_mem_init(void)
{
	mallopt(M_MMAP_THRESHOLD, 24 << 10);
	mallopt(M_TOP_PAD, 0);
	mallopt(M_TRIM_THRESHOLD, 16 << 10);
	mallopt(M_ARENA_MAX, 1);
}

/* hot: its last instructions run after the drop, next to the loop's (monitor-loop.c) */
__attribute__((hot)) void mon_trim_memory(void)
{
	static struct ranges rs;

	rs.n = 0;
	rs.stack_start = 0;
	collect(&rs);
	malloc_trim(0); /* after collect: its stdio buffer is free now */
	drop_dead_stack(rs.stack_start);
	for (size_t i = 0; i < rs.n; i++)
		madvise((void *)rs.r[i].start, rs.r[i].end - rs.r[i].start, MADV_DONTNEED);
}
