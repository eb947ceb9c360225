/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_TOP_H
#define BERTH_ENGINE_TOP_H

#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "util/error.h"

/*
 * `berth top`: the processes of a running container (every pid of its
 * cgroup), with the columns of `ps -ef` as Docker prints them by default:
 * UID PID PPID C STIME TTY TIME CMD.  Pids are the host's, as in Docker.
 */

#define BERTH_TOP_COLUMNS 8

struct berth_top {
	char **rows; /* n_rows * BERTH_TOP_COLUMNS strings, row-major */
	size_t n_rows;
};

extern const char *const berth_top_titles[BERTH_TOP_COLUMNS];

int berth_ctr_top(struct berth_engine *e, const char *ref, struct berth_top *out,
		  struct berth_error **err);
void berth_top_release(struct berth_top *t);

/* One process's row from /proc/<pid> (@procfd: /proc); the strings are the caller's. -errno. */
int berth_top_row(int procfd, pid_t pid, char **cols);

/*
 * Parse /proc/<pid>/stat: ppid, tty_nr, utime+stime (ticks), starttime
 * (ticks after boot) and the command in parentheses (@comm, @comm_size).
 */
int berth_proc_stat_parse(const char *buf, pid_t *ppid, int *tty, uint64_t *cpu_ticks,
			  uint64_t *start_ticks, char *comm, size_t comm_size);

#endif
