/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/top.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "engine/live.h"
#include "util/cleanup.h"
#include "util/fs.h"

const char *const berth_top_titles[BERTH_TOP_COLUMNS] = { "UID",   "PID", "PPID", "C",
							  "STIME", "TTY", "TIME", "CMD" };

int berth_proc_stat_parse(const char *buf, pid_t *ppid, int *tty, uint64_t *cpu_ticks,
			  uint64_t *start_ticks, char *comm, size_t comm_size)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	unsigned long long ut, st, start;
	int pp, tt;
	size_t n;

	/* comm may hold spaces and parentheses: it ends at the last ')' */
	if (open == NULL || close == NULL || close < open)
		return -EINVAL;
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
	 * cutime cstime priority nice num_threads itrealvalue starttime */
	if (sscanf(close + 1,
		   " %*c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
		   "%llu",
		   &pp, &tt, &ut, &st, &start) != 5)
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n >= comm_size)
		n = comm_size - 1;
	memcpy(comm, open + 1, n);
	comm[n] = '\0';
	*ppid = pp;
	*tty = tt;
	*cpu_ticks = ut + st;
	*start_ticks = start;
	return 0;
}

static char *tty_name(int tty)
{
	unsigned maj = major((dev_t)tty), min = minor((dev_t)tty);
	char *s = NULL;

	if (tty == 0)
		return strdup("?");
	if (maj >= 136 && maj <= 143)
		return asprintf(&s, "pts/%u", (maj - 136) * 256 + min) < 0 ? NULL : s;
	if (maj == 4 && min < 64)
		return asprintf(&s, "tty%u", min) < 0 ? NULL : s;
	if (maj == 4)
		return asprintf(&s, "ttyS%u", min - 64) < 0 ? NULL : s;
	return asprintf(&s, "%u:%u", maj, min) < 0 ? NULL : s;
}

/* The command line with spaces between words; "[comm]" for a kernel-like empty one. */
static char *cmdline(int procfd, pid_t pid, const char *comm)
{
	char path[64], *buf = NULL, *s = NULL;
	struct berth_error *err = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%d/cmdline", (int)pid);
	if (berth_read_file_at(procfd, path, 1 << 16, &buf, &len, &err) < 0 || len == 0) {
		berth_error_free(err);
		free(buf);
		return asprintf(&s, "[%s]", comm) < 0 ? NULL : s;
	}
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	return buf;
}

static char *uid_name(int procfd, pid_t pid)
{
	char path[64], *buf = NULL, *s = NULL, *line;
	struct berth_error *err = NULL;
	unsigned uid = 0;
	struct passwd *pw;

	snprintf(path, sizeof(path), "%d/status", (int)pid);
	if (berth_read_file_at(procfd, path, 1 << 16, &buf, NULL, &err) < 0) {
		berth_error_free(err);
		return NULL;
	}
	line = strstr(buf, "\nUid:");
	if (line == NULL || sscanf(line, "\nUid: %u", &uid) != 1) {
		free(buf);
		return NULL;
	}
	free(buf);
	/* Docker runs ps on the host: names come from the host's passwd. */
	pw = getpwuid(uid);
	if (pw != NULL)
		return strdup(pw->pw_name);
	return asprintf(&s, "%u", uid) < 0 ? NULL : s;
}

static char *stime(uint64_t start_ticks, long hz)
{
	struct timespec boot;
	time_t started, now = time(NULL);
	struct tm st, nt;
	char buf[16];

	clock_gettime(CLOCK_BOOTTIME, &boot);
	started = now - boot.tv_sec + (time_t)(start_ticks / (uint64_t)hz);
	localtime_r(&started, &st);
	localtime_r(&now, &nt);
	if (st.tm_yday == nt.tm_yday && st.tm_year == nt.tm_year)
		strftime(buf, sizeof(buf), "%H:%M", &st);
	else if (st.tm_year == nt.tm_year)
		strftime(buf, sizeof(buf), "%b%d", &st);
	else
		strftime(buf, sizeof(buf), "%Y", &st);
	return strdup(buf);
}

static char *num(unsigned long long v)
{
	char *s = NULL;

	return asprintf(&s, "%llu", v) < 0 ? NULL : s;
}

/* [DD-]HH:MM:SS as ps prints TIME. */
static char *cputime(uint64_t secs)
{
	char *s = NULL;
	int r;

	if (secs >= 86400)
		r = asprintf(&s, "%llu-%02llu:%02llu:%02llu", (unsigned long long)(secs / 86400),
			     (unsigned long long)(secs / 3600 % 24),
			     (unsigned long long)(secs / 60 % 60), (unsigned long long)(secs % 60));
	else
		r = asprintf(&s, "%02llu:%02llu:%02llu", (unsigned long long)(secs / 3600),
			     (unsigned long long)(secs / 60 % 60), (unsigned long long)(secs % 60));
	return r < 0 ? NULL : s;
}

int berth_top_row(int procfd, pid_t pid, char **cols)
{
	long hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	cleanup_free char *buf = NULL;
	struct berth_error *err = NULL;
	uint64_t cpu, start, secs, age;
	struct timespec boot;
	char path[64], comm[64];
	pid_t ppid;
	int tty;

	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	if (berth_read_file_at(procfd, path, 4096, &buf, NULL, &err) < 0) {
		berth_error_free(err);
		return -ESRCH;
	}
	if (berth_proc_stat_parse(buf, &ppid, &tty, &cpu, &start, comm, sizeof(comm)) < 0)
		return -EINVAL;
	clock_gettime(CLOCK_BOOTTIME, &boot);
	age = (uint64_t)boot.tv_sec * (uint64_t)hz - start;
	secs = cpu / (uint64_t)hz;
	cols[0] = uid_name(procfd, pid);
	cols[1] = num((unsigned long long)pid);
	cols[2] = num((unsigned long long)ppid);
	/* ps's C: lifetime CPU use in percent */
	cols[3] = num(age ? (unsigned long long)(cpu * 100 / age) : 0);
	cols[4] = stime(start, hz);
	cols[5] = tty_name(tty);
	cols[6] = cputime(secs);
	cols[7] = cmdline(procfd, pid, comm);
	for (int i = 0; i < BERTH_TOP_COLUMNS; i++)
		if (cols[i] == NULL)
			return -ENOMEM;
	return 0;
}

void berth_top_release(struct berth_top *t)
{
	for (size_t i = 0; t->rows && i < t->n_rows * BERTH_TOP_COLUMNS; i++)
		free(t->rows[i]);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int collect(pid_t *pids, size_t n, struct berth_top *out, struct berth_error **err)
{
	cleanup_close int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (procfd < 0)
		return berth_error_errno(err, "open /proc");
	qsort(pids, n, sizeof(*pids), cmp_pid);
	out->rows = calloc(n * BERTH_TOP_COLUMNS + 1, sizeof(char *));
	if (out->rows == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		char **row = out->rows + out->n_rows * BERTH_TOP_COLUMNS;
		int ret = berth_top_row(procfd, pids[i], row);

		if (ret == -ENOMEM)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (ret < 0) { /* gone meanwhile */
			for (int k = 0; k < BERTH_TOP_COLUMNS; k++) {
				free(row[k]);
				row[k] = NULL;
			}
			continue;
		}
		out->n_rows++;
	}
	return 0;
}

int berth_ctr_top(struct berth_engine *e, const char *ref, struct berth_top *out,
		  struct berth_error **err)
{
	struct berth_cgroup *cg = NULL;
	struct berth_ctr *c = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = berth_ctr_get(e, ref, &c, err)) < 0)
		return ret;
	if ((ret = berth_ctr_require_running(c, true, err)) == 0 &&
	    (ret = berth_ctr_cgroup(e, c->id, &cg, err)) == 0 &&
	    (ret = berth_cgroup_pids(cg, &pids, &n, err)) == 0 &&
	    (ret = collect(pids, n, out, err)) < 0)
		berth_top_release(out);
	free(pids);
	berth_cgroup_free(cg);
	berth_ctr_free(c);
	return ret;
}
