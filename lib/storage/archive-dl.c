/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libarchive, loaded on first use (as libcurl is: lib/registry/curl-dl.c).
 * Linked, it costs every start of `berth` about 2 ms of CPU: it brings in
 * libxml2, ICU and libstdc++, whose symbols the dynamic loader binds at once.
 * Only load, save, import, export and layer unpacking read or write tar, so
 * the functions berth calls are defined here and forward to the real ones,
 * looked up with dlopen()/dlsym() the first time any is called; the linker
 * then leaves libarchive out (--as-needed).  If it cannot be loaded, the
 * calls fail as libarchive's own do (NULL, ARCHIVE_FATAL) and
 * archive_error_string() says why.
 */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

#define ARCHIVE_SONAME "libarchive.so.13"

#define ARCHIVE_FUNCS(X)                                                                           \
	X(archive_entry_atime)                                                                     \
	X(archive_entry_atime_is_set)                                                              \
	X(archive_entry_atime_nsec)                                                                \
	X(archive_entry_filetype)                                                                  \
	X(archive_entry_free)                                                                      \
	X(archive_entry_gid)                                                                       \
	X(archive_entry_hardlink)                                                                  \
	X(archive_entry_mtime)                                                                     \
	X(archive_entry_mtime_nsec)                                                                \
	X(archive_entry_new)                                                                       \
	X(archive_entry_pathname)                                                                  \
	X(archive_entry_pathname_utf8)                                                             \
	X(archive_entry_perm)                                                                      \
	X(archive_entry_rdev)                                                                      \
	X(archive_entry_set_filetype)                                                              \
	X(archive_entry_set_mtime)                                                                 \
	X(archive_entry_set_pathname)                                                              \
	X(archive_entry_set_perm)                                                                  \
	X(archive_entry_set_size)                                                                  \
	X(archive_entry_size)                                                                      \
	X(archive_entry_symlink)                                                                   \
	X(archive_entry_uid)                                                                       \
	X(archive_entry_xattr_next)                                                                \
	X(archive_entry_xattr_reset)                                                               \
	X(archive_errno)                                                                           \
	X(archive_error_string)                                                                    \
	X(archive_read_data)                                                                       \
	X(archive_read_data_block)                                                                 \
	X(archive_read_free)                                                                       \
	X(archive_read_new)                                                                        \
	X(archive_read_next_header)                                                                \
	X(archive_read_open2)                                                                      \
	X(archive_read_open_fd)                                                                    \
	X(archive_read_support_filter_gzip)                                                        \
	X(archive_read_support_filter_zstd)                                                        \
	X(archive_read_support_format_gnutar)                                                      \
	X(archive_read_support_format_tar)                                                         \
	X(archive_write_close)                                                                     \
	X(archive_write_data)                                                                      \
	X(archive_write_free)                                                                      \
	X(archive_write_header)                                                                    \
	X(archive_write_new)                                                                       \
	X(archive_write_open_fd)                                                                   \
	X(archive_write_set_bytes_in_last_block)                                                   \
	X(archive_write_set_format_pax_restricted)                                                 \
	X(archive_entry_copy_stat)                                                                 \
	X(archive_entry_set_dev)                                                                   \
	X(archive_entry_set_gid)                                                                   \
	X(archive_entry_set_hardlink)                                                              \
	X(archive_entry_set_ino)                                                                   \
	X(archive_entry_set_nlink)                                                                 \
	X(archive_entry_set_symlink)                                                               \
	X(archive_entry_set_uid)                                                                   \
	X(archive_read_support_filter_all)                                                         \
	X(archive_set_error)

static struct {
#define FIELD(name) __typeof__(&name) name;
	ARCHIVE_FUNCS(FIELD)
#undef FIELD
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256];

static void load(void)
{
	void *h = dlopen(ARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (h == NULL) {
		e = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s", ARCHIVE_SONAME,
			 e ? e : "unknown error");
		return;
	}
#define LOOKUP(name)                                                                               \
	if ((real.name = (__typeof__(real.name))dlsym(h, #name)) == NULL) {                        \
		snprintf(load_error, sizeof(load_error), "%s: no symbol %s", ARCHIVE_SONAME,       \
			 #name);                                                                   \
		return;                                                                            \
	}
	ARCHIVE_FUNCS(LOOKUP)
#undef LOOKUP
}

static bool loaded(void)
{
	pthread_once(&once, load);
	return load_error[0] == '\0';
}

time_t archive_entry_atime(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_atime(e) : 0;
}

int archive_entry_atime_is_set(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_atime_is_set(e) : 0;
}

long archive_entry_atime_nsec(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_atime_nsec(e) : 0;
}

__LA_MODE_T archive_entry_filetype(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_filetype(e) : 0;
}

void archive_entry_free(struct archive_entry *e)
{
	if (loaded())
		real.archive_entry_free(e);
}

la_int64_t archive_entry_gid(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_gid(e) : 0;
}

const char *archive_entry_hardlink(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_hardlink(e) : NULL;
}

time_t archive_entry_mtime(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_mtime(e) : 0;
}

long archive_entry_mtime_nsec(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_mtime_nsec(e) : 0;
}

struct archive_entry *archive_entry_new(void)
{
	return loaded() ? real.archive_entry_new() : NULL;
}

const char *archive_entry_pathname(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_pathname(e) : NULL;
}

const char *archive_entry_pathname_utf8(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_pathname_utf8(e) : NULL;
}

__LA_MODE_T archive_entry_perm(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_perm(e) : 0;
}

dev_t archive_entry_rdev(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_rdev(e) : 0;
}

void archive_entry_set_filetype(struct archive_entry *e, unsigned int t)
{
	if (loaded())
		real.archive_entry_set_filetype(e, t);
}

void archive_entry_set_mtime(struct archive_entry *e, time_t t, long ns)
{
	if (loaded())
		real.archive_entry_set_mtime(e, t, ns);
}

void archive_entry_set_pathname(struct archive_entry *e, const char *p)
{
	if (loaded())
		real.archive_entry_set_pathname(e, p);
}

void archive_entry_set_perm(struct archive_entry *e, __LA_MODE_T m)
{
	if (loaded())
		real.archive_entry_set_perm(e, m);
}

void archive_entry_set_size(struct archive_entry *e, la_int64_t s)
{
	if (loaded())
		real.archive_entry_set_size(e, s);
}

la_int64_t archive_entry_size(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_size(e) : 0;
}

const char *archive_entry_symlink(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_symlink(e) : NULL;
}

la_int64_t archive_entry_uid(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_uid(e) : 0;
}

int archive_entry_xattr_next(struct archive_entry *e, const char **name, const void **value,
			     size_t *size)
{
	return loaded() ? real.archive_entry_xattr_next(e, name, value, size) : ARCHIVE_FATAL;
}

int archive_entry_xattr_reset(struct archive_entry *e)
{
	return loaded() ? real.archive_entry_xattr_reset(e) : 0;
}

int archive_errno(struct archive *a)
{
	return loaded() ? real.archive_errno(a) : ELIBACC;
}

const char *archive_error_string(struct archive *a)
{
	return loaded() ? real.archive_error_string(a) : load_error;
}

la_ssize_t archive_read_data(struct archive *a, void *buf, size_t len)
{
	return loaded() ? real.archive_read_data(a, buf, len) : ARCHIVE_FATAL;
}

int archive_read_data_block(struct archive *a, const void **buf, size_t *size, la_int64_t *off)
{
	return loaded() ? real.archive_read_data_block(a, buf, size, off) : ARCHIVE_FATAL;
}

int archive_read_free(struct archive *a)
{
	return loaded() ? real.archive_read_free(a) : ARCHIVE_FATAL;
}

struct archive *archive_read_new(void)
{
	return loaded() ? real.archive_read_new() : NULL;
}

int archive_read_next_header(struct archive *a, struct archive_entry **e)
{
	return loaded() ? real.archive_read_next_header(a, e) : ARCHIVE_FATAL;
}

int archive_read_open2(struct archive *a, void *data, archive_open_callback *o,
		       archive_read_callback *r, archive_skip_callback *s,
		       archive_close_callback *c)
{
	return loaded() ? real.archive_read_open2(a, data, o, r, s, c) : ARCHIVE_FATAL;
}

int archive_read_open_fd(struct archive *a, int fd, size_t block)
{
	return loaded() ? real.archive_read_open_fd(a, fd, block) : ARCHIVE_FATAL;
}

int archive_read_support_filter_gzip(struct archive *a)
{
	return loaded() ? real.archive_read_support_filter_gzip(a) : ARCHIVE_FATAL;
}

int archive_read_support_filter_zstd(struct archive *a)
{
	return loaded() ? real.archive_read_support_filter_zstd(a) : ARCHIVE_FATAL;
}

int archive_read_support_format_gnutar(struct archive *a)
{
	return loaded() ? real.archive_read_support_format_gnutar(a) : ARCHIVE_FATAL;
}

int archive_read_support_format_tar(struct archive *a)
{
	return loaded() ? real.archive_read_support_format_tar(a) : ARCHIVE_FATAL;
}

int archive_write_close(struct archive *a)
{
	return loaded() ? real.archive_write_close(a) : ARCHIVE_FATAL;
}

la_ssize_t archive_write_data(struct archive *a, const void *buf, size_t len)
{
	return loaded() ? real.archive_write_data(a, buf, len) : ARCHIVE_FATAL;
}

int archive_write_free(struct archive *a)
{
	return loaded() ? real.archive_write_free(a) : ARCHIVE_FATAL;
}

int archive_write_header(struct archive *a, struct archive_entry *e)
{
	return loaded() ? real.archive_write_header(a, e) : ARCHIVE_FATAL;
}

struct archive *archive_write_new(void)
{
	return loaded() ? real.archive_write_new() : NULL;
}

int archive_write_open_fd(struct archive *a, int fd)
{
	return loaded() ? real.archive_write_open_fd(a, fd) : ARCHIVE_FATAL;
}

int archive_write_set_bytes_in_last_block(struct archive *a, int n)
{
	return loaded() ? real.archive_write_set_bytes_in_last_block(a, n) : ARCHIVE_FATAL;
}

int archive_write_set_format_pax_restricted(struct archive *a)
{
	return loaded() ? real.archive_write_set_format_pax_restricted(a) : ARCHIVE_FATAL;
}

void archive_entry_copy_stat(struct archive_entry *e, const struct stat *st)
{
	if (loaded())
		real.archive_entry_copy_stat(e, st);
}

void archive_entry_set_dev(struct archive_entry *e, dev_t d)
{
	if (loaded())
		real.archive_entry_set_dev(e, d);
}

void archive_entry_set_gid(struct archive_entry *e, la_int64_t g)
{
	if (loaded())
		real.archive_entry_set_gid(e, g);
}

void archive_entry_set_hardlink(struct archive_entry *e, const char *p)
{
	if (loaded())
		real.archive_entry_set_hardlink(e, p);
}

void archive_entry_set_ino(struct archive_entry *e, la_int64_t i)
{
	if (loaded())
		real.archive_entry_set_ino(e, i);
}

void archive_entry_set_nlink(struct archive_entry *e, unsigned int n)
{
	if (loaded())
		real.archive_entry_set_nlink(e, n);
}

void archive_entry_set_symlink(struct archive_entry *e, const char *p)
{
	if (loaded())
		real.archive_entry_set_symlink(e, p);
}

void archive_entry_set_uid(struct archive_entry *e, la_int64_t u)
{
	if (loaded())
		real.archive_entry_set_uid(e, u);
}

int archive_read_support_filter_all(struct archive *a)
{
	return loaded() ? real.archive_read_support_filter_all(a) : ARCHIVE_FATAL;
}

/* Variadic: formatted here, handed on as one string. */
void archive_set_error(struct archive *a, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!loaded())
		return;
	if (fmt == NULL) {
		real.archive_set_error(a, code, NULL);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	real.archive_set_error(a, code, "%s", msg);
}
