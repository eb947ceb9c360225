/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth logs`: the messages of a json-file log, oldest first across the
 * rotated files (<id>-json.log.N ... .1, then <id>-json.log), with --tail,
 * --since/--until, -t and -f.  All files are opened before reading, so a
 * rotation during the read renames files under us without losing any.
 * Following watches the directory with inotify: a rotation is seen as the
 * name pointing at a new inode, a max-file 1 truncation as a shrunk file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/log-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define MAX_FILES 1000
#define READ_CHUNK 65536
#define FOLLOW_POLL_MS 200

struct reader {
	const struct berth_log_read_opts *o;
	int out_fd, err_fd;
	int64_t skip; /* messages left out for --tail */
	bool done;    /* past --until */
	char *buf;    /* read but not yet a whole line */
	size_t len, cap;
};

static bool is_set(const struct timespec *t)
{
	return t->tv_sec != 0 || t->tv_nsec != 0;
}

static int cmp_time(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

static int output(struct reader *r, const char *stream, const struct timespec *t, const char *text,
		  size_t len, struct berth_error **err)
{
	int fd = strcmp(stream, "stderr") == 0 ? r->err_fd : r->out_fd;
	char ts[BERTH_LOG_TIME_LEN];
	int ret = 0;

	if (r->o->timestamps) {
		berth_log_format_time(t, ts);
		ts[BERTH_LOG_TIME_LEN - 1] = ' '; /* in place of the NUL */
		ret = berth_write_all(fd, ts, sizeof(ts));
	}
	if (ret == 0)
		ret = berth_write_all(fd, text, len);
	if (ret < 0)
		return berth_error_set(err, -ret, "logs: write: %s", strerror(-ret));
	return 0;
}

bool berth_log_parse_record(const char *line, size_t len, struct berth_log_record *out)
{
	struct berth_error *bad = NULL;
	json_object *obj = NULL, *text;
	const char *stream = "stdout", *time = NULL;
	struct timespec t = { 0 };

	if (berth_json_parse(line, len, &obj, &bad) < 0 ||
	    !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "log", &text) ||
	    !json_object_is_type(text, json_type_string) ||
	    berth_json_string(obj, "", "stream", &stream, &bad) < 0 ||
	    berth_json_string(obj, "", "time", &time, &bad) <= 0 ||
	    !berth_log_parse_rfc3339(time, &t)) {
		berth_error_free(bad);
		json_object_put(obj);
		return false;
	}
	*out = (struct berth_log_record){ .stream = stream,
					  .text = json_object_get_string(text),
					  .len = (size_t)json_object_get_string_len(text),
					  .time = t,
					  .obj = obj };
	return true;
}

/* One record; a line that is not one (a torn write after a full disk) is skipped. */
static int record(struct reader *r, const char *line, size_t len, struct berth_error **err)
{
	struct berth_log_record rec;
	int ret = 0;

	if (r->skip > 0) {
		r->skip--;
		return 0;
	}
	if (!berth_log_parse_record(line, len, &rec))
		return 0;
	if (is_set(&r->o->since) && cmp_time(&rec.time, &r->o->since) < 0)
		goto out;
	if (is_set(&r->o->until) && cmp_time(&rec.time, &r->o->until) > 0)
		r->done = true;
	else
		ret = output(r, rec.stream, &rec.time, rec.text, rec.len, err);
out:
	json_object_put(rec.obj);
	return ret;
}

/* Hand over the whole lines in r->buf; keep the rest. */
static int lines(struct reader *r, struct berth_error **err)
{
	size_t start = 0;
	char *nl;

	while (!r->done && (nl = memchr(r->buf + start, '\n', r->len - start)) != NULL) {
		size_t n = (size_t)(nl - (r->buf + start));

		if (record(r, r->buf + start, n, err) < 0)
			return berth_error_ret(err);
		start += n + 1;
	}
	memmove(r->buf, r->buf + start, r->len - start);
	r->len -= start;
	return 0;
}

/* Read @fd from its offset to the end. */
static int drain(struct reader *r, int fd, struct berth_error **err)
{
	while (!r->done) {
		ssize_t n;

		if (r->cap - r->len < READ_CHUNK) {
			char *b = realloc(r->buf, r->cap + READ_CHUNK);

			if (b == NULL)
				return berth_error_set(err, ENOMEM, "logs: out of memory");
			r->buf = b;
			r->cap += READ_CHUNK;
		}
		n = read(fd, r->buf + r->len, r->cap - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_errno(err, "logs: read");
		if (n == 0)
			break;
		r->len += (size_t)n;
		if (lines(r, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

static int64_t count_lines(int fd)
{
	char buf[READ_CHUNK];
	int64_t count = 0;
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
			count++;
		off += n;
	}
	return count;
}

struct files {
	int fds[MAX_FILES + 1]; /* oldest first; the last is the current file or -1 */
	size_t n;
};

static void files_close(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->fds[i] >= 0)
			close(f->fds[i]);
}

/* Open <id>-json.log.N ... .1 and <id>-json.log (-1 if it does not exist yet). */
static int files_open(int dirfd, const char *name, struct files *f, struct berth_error **err)
{
	char path[PATH_MAX];
	size_t rotated = 0;

	f->n = 0;
	for (;;) {
		snprintf(path, sizeof(path), "%s.%zu", name, rotated + 1);
		if (rotated >= MAX_FILES || faccessat(dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		rotated++;
	}
	for (size_t i = rotated; i >= 1; i--) {
		snprintf(path, sizeof(path), "%s.%zu", name, i);
		f->fds[f->n] = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (f->fds[f->n] >= 0)
			f->n++;
	}
	f->fds[f->n] = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f->fds[f->n] < 0 && errno != ENOENT) {
		f->n++;
		files_close(f);
		return berth_error_errno(err, "open '%s'", name);
	}
	f->n++;
	return 0;
}

static void tail_skip(struct reader *r, const struct files *f)
{
	int64_t total = 0;

	if (r->o->tail < 0)
		return;
	for (size_t i = 0; i < f->n; i++)
		if (f->fds[i] >= 0)
			total += count_lines(f->fds[i]);
	r->skip = total > r->o->tail ? total - r->o->tail : 0;
}

/*
 * After a rotation the name points at a new file: switch to it (1).  After a
 * max-file 1 truncation the file is shorter than what was read: start over.
 */
static int switch_if_rotated(struct reader *r, int dirfd, const char *name, int *fd)
{
	struct stat now, cur;
	int nfd;

	if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* not there (yet) */
	if (*fd >= 0 && fstat(*fd, &cur) == 0 && now.st_ino == cur.st_ino &&
	    now.st_dev == cur.st_dev) {
		if (cur.st_size < lseek(*fd, 0, SEEK_CUR)) {
			lseek(*fd, 0, SEEK_SET);
			r->len = 0;
		}
		return 0;
	}
	nfd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (nfd < 0)
		return 0;
	if (*fd >= 0)
		close(*fd);
	*fd = nfd;
	r->len = 0;
	return 1;
}

/* Wait for the directory to change (or FOLLOW_POLL_MS: running() is asked again). */
static void wait_change(int in)
{
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = { .fd = in, .events = POLLIN };

	if (in < 0 || poll(&p, 1, FOLLOW_POLL_MS) <= 0)
		return;
	while (read(in, events, sizeof(events)) > 0)
		;
}

/* -f: read what is appended to @fd (owned; closed here) until running() says no. */
static int follow(struct reader *r, const char *dir, int dirfd, const char *name, int fd,
		  struct berth_error **err)
{
	cleanup_close int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int ret = 0;

	/* Without inotify (no watches left) polling every FOLLOW_POLL_MS still works. */
	if (in >= 0 && inotify_add_watch(in, dir,
					 IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
					     IN_DELETE | IN_CLOSE_WRITE) < 0) {
		close(in);
		in = -1;
	}
	for (;;) {
		/* Asked first: what was written before it said no is still read. */
		bool stop = r->o->running != NULL && !r->o->running(r->o->arg);

		do {
			if (fd >= 0 && (ret = drain(r, fd, err)) < 0)
				goto out;
		} while (!r->done && switch_if_rotated(r, dirfd, name, &fd) > 0);
		if (stop || r->done)
			break;
		wait_change(in);
	}
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int berth_log_read(const char *dir, const char *id, const struct berth_log_read_opts *o, int out_fd,
		   int err_fd, struct berth_error **err)
{
	struct reader r = { .o = o, .out_fd = out_fd, .err_fd = err_fd };
	cleanup_close int dirfd = -1;
	cleanup_free char *name = NULL;
	struct files f;
	int ret = 0;

	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return berth_error_errno(err, "open '%s'", dir);
	if (asprintf(&name, "%s-json.log", id) < 0)
		return berth_error_set(err, ENOMEM, "logs: out of memory");
	if (files_open(dirfd, name, &f, err) < 0)
		return berth_error_ret(err);
	tail_skip(&r, &f);
	for (size_t i = 0; i < f.n && ret == 0 && !r.done; i++) {
		r.len = 0; /* a torn last line of a rotated file ends with it */
		if (f.fds[i] >= 0)
			ret = drain(&r, f.fds[i], err);
	}
	if (ret == 0 && o->follow && !r.done) {
		ret = follow(&r, dir, dirfd, name, f.fds[f.n - 1], err);
		f.fds[f.n - 1] = -1; /* closed by follow */
	}
	files_close(&f);
	free(r.buf);
	return ret;
}
