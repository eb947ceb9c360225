/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define STATE_MAX_BYTES (1u << 20)

int berth_state_check_id(const char *id, struct berth_error **err)
{
	size_t len = strlen(id);

	if (len == 0 || len > 1024)
		return berth_error_set(err, EINVAL,
				       "invalid container id: must be 1 to 1024 "
				       "characters");
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && strchr("_.+-", c) != NULL)
			continue;
		goto bad;
	}
	return 0;
bad:
	return berth_error_set(err, EINVAL,
			       "invalid container id \"%s\": only letters, digits and _.+- "
			       "are allowed, starting with a letter or digit",
			       id);
}

static int mkdir_parents(const char *root, struct berth_error **err)
{
	cleanup_free char *p = strdup(root);

	if (p == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0711) < 0 && errno != EEXIST)
			return berth_error_errno(err, "mkdir '%s'", p);
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return berth_error_errno(err, "mkdir '%s'", p);
	return 0;
}

int berth_state_dir_create(const char *root, const char *id, struct berth_error **err)
{
	cleanup_close int rfd = -1;
	int fd, ret;

	if ((ret = berth_state_check_id(id, err)) < 0)
		return ret;
	/* The root exists but for the first container: make its parents only then. */
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 && errno == ENOENT) {
		if ((ret = mkdir_parents(root, err)) < 0)
			return ret;
		rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (rfd < 0)
		return berth_error_errno(err, "open '%s'", root);
	if (mkdirat(rfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return berth_error_set(err, EEXIST, "container \"%s\" already exists", id);
		return berth_error_errno(err, "mkdir '%s/%s'", root, id);
	}
	fd = openat(rfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open '%s/%s'", root, id);
	return fd;
}

int berth_state_dir_open(const char *root, const char *id, struct berth_error **err)
{
	cleanup_free char *p = NULL;
	int fd, ret;

	if ((ret = berth_state_check_id(id, err)) < 0)
		return ret;
	if (asprintf(&p, "%s/%s", root, id) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return berth_error_set(err, ENOENT, "container \"%s\" does not exist", id);
	if (fd < 0)
		return berth_error_errno(err, "open '%s'", p);
	return fd;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

int berth_state_save(int dirfd, const struct berth_state *st, struct berth_error **err)
{
	json_object *o = json_object_new_object();
	cleanup_free char *s = NULL;

	add_str(o, "id", st->id);
	add_str(o, "bundle", st->bundle);
	add_str(o, "rootfs", st->rootfs);
	add_str(o, "created", st->created);
	add_str(o, "cgroup", st->cgroup);
	json_object_object_add(o, "owner", json_object_new_int64(st->owner));
	json_object_object_add(o, "pid", json_object_new_int64(st->pid));
	json_object_object_add(o, "startTime", json_object_new_uint64(st->start_time));
	if (st->annotations != NULL)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	if (st->poststop >= 0)
		json_object_object_add(o, "poststop", json_object_new_int(st->poststop));
	s = berth_json_dump(o);
	json_object_put(o);
	if (s == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return berth_write_file_replace(dirfd, "state.json", s, strlen(s), 0600, err);
}

static int load_fields(json_object *o, struct berth_state *st, struct berth_error **err)
{
	const char *keys[] = { "id", "bundle", "rootfs", "created", "cgroup" };
	char **dst[] = { &st->id, &st->bundle, &st->rootfs, &st->created, &st->cgroup };
	int64_t v = 0;
	int ret;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(keys); i++) {
		const char *s = NULL;

		if ((ret = berth_json_string(o, "state", keys[i], &s, err)) < 0)
			return ret;
		if (s != NULL)
			*dst[i] = strdup(s);
	}
	if ((ret = berth_json_int(o, "state", "pid", 0, INT32_MAX, &v, err)) < 0)
		return ret;
	st->pid = (pid_t)v;
	if ((ret = berth_json_int(o, "state", "owner", 0, UINT32_MAX, &v, err)) < 0)
		return ret;
	st->owner = (uid_t)v;
	if ((ret = berth_json_uint64(o, "state", "startTime", &st->start_time, err)) < 0)
		return ret;
	v = -1; /* absent: unknown, delete reads config.json to find out */
	if ((ret = berth_json_int(o, "state", "poststop", 0, INT32_MAX, &v, err)) < 0)
		return ret;
	st->poststop = (int)v;
	if (json_object_object_get_ex(o, "annotations", &st->annotations))
		json_object_get(st->annotations);
	if (st->id == NULL)
		return berth_error_set(err, EINVAL, "state.id: missing");
	return 0;
}

int berth_state_load(const char *root, const char *id, struct berth_state **out,
		     struct berth_error **err)
{
	cleanup_close int dfd = -1;
	json_object *o = NULL;
	struct berth_state *st;
	int ret;

	dfd = berth_state_dir_open(root, id, err);
	if (dfd < 0)
		return dfd;
	ret = berth_json_parse_file(dfd, "state.json", STATE_MAX_BYTES, &o, err);
	if (ret == -ENOENT) {
		berth_error_clear(err);
		return berth_error_set(err, ENOENT,
				       "container \"%s\" is still being created or "
				       "its creation failed",
				       id);
	}
	if (ret < 0)
		return berth_error_prefix(err, "container \"%s\"", id);
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		json_object_put(o);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	ret = load_fields(o, st, err);
	json_object_put(o);
	if (ret < 0) {
		berth_state_free(st);
		return berth_error_prefix(err, "container \"%s\"", id);
	}
	*out = st;
	return 0;
}

void berth_state_free(struct berth_state *st)
{
	if (st == NULL)
		return;
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup);
	json_object_put(st->annotations);
	free(st);
}

uint64_t berth_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	ssize_t n;
	char *p;
	unsigned long long t;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip past the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] == '\0')
		return 0;
	/* Field 3 (state) follows; a zombie has exited. */
	if (p[2] == 'Z' || p[2] == 'X')
		return 0;
	if (sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
		   "%*d %*d %llu",
		   &t) != 1)
		return 0;
	return t;
}

static bool is_frozen(const struct berth_state *st)
{
	struct berth_cgroup *cg = NULL;
	struct berth_error *err = NULL;
	int frozen;

	if (st->cgroup == NULL || berth_cgroup_open(st->cgroup, &cg, &err) < 0) {
		berth_error_free(err);
		return false;
	}
	frozen = berth_cgroup_frozen(cg);
	berth_cgroup_free(cg);
	return frozen == 1;
}

enum berth_status berth_state_status(const char *root, const struct berth_state *st)
{
	cleanup_free char *fifo = NULL;

	/* A start time of 0 is what a process gone reads as: never "alive". */
	if (st->pid <= 0 || st->start_time == 0 || berth_proc_start_time(st->pid) != st->start_time)
		return BERTH_STATUS_STOPPED;
	if (asprintf(&fifo, "%s/%s/exec.fifo", root, st->id) >= 0 && access(fifo, F_OK) == 0)
		return BERTH_STATUS_CREATED;
	if (is_frozen(st))
		return BERTH_STATUS_PAUSED;
	return BERTH_STATUS_RUNNING;
}

const char *berth_status_name(enum berth_status s)
{
	static const char *const names[] = { "creating", "created", "running", "paused",
					     "stopped" };

	return names[s];
}

json_object *berth_state_to_json(const struct berth_state *st, enum berth_status status)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ociVersion", json_object_new_string(BERTH_OCI_VERSION));
	add_str(o, "id", st->id);
	add_str(o, "status", berth_status_name(status));
	json_object_object_add(o, "pid",
			       json_object_new_int64(status == BERTH_STATUS_STOPPED ? 0 : st->pid));
	add_str(o, "bundle", st->bundle);
	add_str(o, "rootfs", st->rootfs);
	add_str(o, "created", st->created);
	json_object_object_add(o, "owner", json_object_new_string(st->owner == 0 ? "root" : ""));
	if (st->annotations != NULL)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	return o;
}

int berth_state_remove(const char *root, const char *id, struct berth_error **err)
{
	cleanup_close int rfd = -1;
	int ret;

	if ((ret = berth_state_check_id(id, err)) < 0)
		return ret;
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return berth_error_errno(err, "open '%s'", root);
	ret = berth_rm_rf_at(rfd, id);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "remove '%s/%s'", root, id);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int berth_state_list(const char *root, char ***ids, struct berth_error **err)
{
	DIR *d = opendir(root);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	if (d == NULL && errno == ENOENT) {
		*ids = calloc(1, sizeof(char *));
		return *ids ? 0 : berth_error_set(err, ENOMEM, "out of memory");
	}
	if (d == NULL)
		return berth_error_errno(err, "open '%s'", root);
	while ((de = readdir(d)) != NULL) {
		char **nv;

		if (de->d_name[0] == '.' || berth_state_check_id(de->d_name, NULL) < 0)
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		v[n++] = strdup(de->d_name);
		v[n] = NULL;
	}
	closedir(d);
	if (v == NULL)
		v = calloc(1, sizeof(*v));
	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	qsort(v, n, sizeof(*v), cmp_str);
	*ids = v;
	return 0;
}

/*
 * The civil date of day @days since 1970-01-01 (proleptic Gregorian), from
 * the era/day-of-era decomposition: eras of 400 years are 146097 days.
 */
static void civil_from_days(int64_t days, int64_t *y, unsigned int *m, unsigned int *d)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned int doe = (unsigned int)(z - era * 146097);			  /* [0, 146096] */
	unsigned int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	unsigned int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		  /* [0, 365] */
	unsigned int mp = (5 * doy + 2) / 153;					  /* [0, 11] */

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/*
 * Formatted by hand: glibc's gmtime_r and strftime read /etc/localtime first
 * (tzset), for a time that is UTC anyway (a syscall a container start pays).
 */
void berth_rfc3339_format(const struct timespec *ts, char *buf, size_t size)
{
	int64_t secs = ts->tv_sec, days, y;
	unsigned int m, d, sod;

	days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	sod = (unsigned int)(secs - days * 86400);
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02u.%09ldZ", (long long)y, m, d,
		 sod / 3600, sod / 60 % 60, sod % 60, ts->tv_nsec);
}

void berth_rfc3339_now(char *buf, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	berth_rfc3339_format(&ts, buf, size);
}

char *berth_now_rfc3339(void)
{
	char buf[64];

	berth_rfc3339_now(buf, sizeof(buf));
	return strdup(buf);
}
