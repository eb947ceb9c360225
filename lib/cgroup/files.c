/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Knob files are small; 1 MiB covers memory.stat, io.stat and cgroup.procs of big cgroups. */
#define KNOB_MAX (1 << 20)

/* The error of writing @val to @file (-@ret), naming the JSON field @key. */
static int set_failed(struct berth_cg_dir *d, const char *key, const char *file, const char *val,
		      int ret, struct berth_error **err)
{
	const char *pre = key ? "linux.resources." : "";

	if (key == NULL)
		key = "cgroup";
	if (ret == -ENOENT)
		return berth_error_set(err, ENOTSUP,
				       "%s%s: '%s' does not exist in '%s' "
				       "(not supported by this kernel or controller not enabled)",
				       pre, key, file, d->full);
	return berth_error_set(err, -ret, "%s%s: write '%s' to '%s/%s': %s", pre, key, val, d->full,
			       file, strerror(-ret));
}

int berth_cg_set(struct berth_cg_dir *d, const char *key, const char *file,
		 struct berth_error **err, const char *fmt, ...)
{
	cleanup_free char *val = NULL;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	ret = d->fd < 0 ? -EBADF : berth_write_file_at(d->fd, file, val, strlen(val));
	return ret < 0 ? set_failed(d, key, file, val, ret, err) : 0;
}

int berth_cg_set_fd(struct berth_cg_dir *d, int *fd, const char *key, const char *file,
		    struct berth_error **err, const char *fmt, ...)
{
	cleanup_free char *val = NULL;
	va_list ap;
	ssize_t w;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (*fd < 0 && d->fd < 0)
		return set_failed(d, key, file, val, -EBADF, err);
	if (*fd < 0 && (*fd = openat(d->fd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return set_failed(d, key, file, val, -errno, err);
	/* One write per value, as berth_cg_set: the kernel takes each on its own. */
	do
		w = write(*fd, val, strlen(val));
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return set_failed(d, key, file, val, -errno, err);
	return (size_t)w == strlen(val) ? 0 : set_failed(d, key, file, val, -EIO, err);
}

int berth_cg_read(struct berth_cg_dir *d, const char *file, char **out, struct berth_error **err)
{
	int ret = berth_read_file_at(d->fd, file, KNOB_MAX, out, NULL, err);

	if (ret < 0)
		return berth_error_prefix(err, "cgroup '%s'", d->full);
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (strncmp(s, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *s == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

int berth_cg_read_u64(struct berth_cg_dir *d, const char *file, uint64_t *out)
{
	struct berth_error *err = NULL;
	cleanup_free char *buf = NULL;
	int ret = berth_read_file_at(d->fd, file, KNOB_MAX, &buf, NULL, &err);

	if (ret < 0) {
		berth_error_free(err);
		return ret;
	}
	return parse_u64(buf, out);
}

int berth_cg_read_keyed(struct berth_cg_dir *d, const char *file, const char *key, uint64_t *out)
{
	struct berth_error *err = NULL;
	cleanup_free char *buf = NULL;
	size_t klen = strlen(key);
	int ret = berth_read_file_at(d->fd, file, KNOB_MAX, &buf, NULL, &err);

	if (ret < 0) {
		berth_error_free(err);
		return ret;
	}
	for (char *line = buf; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return parse_u64(line + klen + 1, out);
	return -ENOENT;
}

int berth_cg_has(struct berth_cg_dir *d, const char *file)
{
	return d != NULL && d->fd >= 0 && faccessat(d->fd, file, F_OK, 0) == 0;
}
