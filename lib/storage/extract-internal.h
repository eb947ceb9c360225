/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_STORAGE_EXTRACT_INTERNAL_H
#define BERTH_STORAGE_EXTRACT_INTERNAL_H

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include "storage/decompress.h"
#include "storage/extract.h"

struct dir_time {
	char *path;
	struct timespec times[2];
};

/* State of one extraction (extract.c), shared with the entry writers. */
struct extract {
	int root;
	const struct berth_extract_opts *opts;
	const char *layer;
	struct archive *ar;
	struct berth_layer_reader *reader;
	struct berth_error *read_err; /* error of the read callback, handed up once */
	unsigned char *buf;
	char *parent_path; /* cache of the last parent directory walked */
	int parent_fd;
	struct dir_time *dirs;
	size_t ndirs, dirs_cap;
	char **seen; /* paths this layer created (vfs opaque dirs keep them) */
	size_t nseen, seen_cap;
};

/*
 * Open directory @path (relative, cleaned) under @x->root one component at a
 * time with O_NOFOLLOW, creating missing ones (0755) when @create.  A symlink
 * or non-directory on the way fails with ELOOP / ENOTDIR and a message naming
 * @entry. * Returns an O_PATH fd owned by the caller.
 */
int extract_walk(struct extract *x, const char *path, bool create, const char *entry,
		 struct berth_error **err);

/* Parent fd of @path (cached, owned by @x; do not close) and its last component. */
int extract_parent(struct extract *x, const char *path, const char **base,
		   struct berth_error **err);

/* Drop the cached parent (a directory was removed; the fd may name a deleted one). */
void extract_forget_parent(struct extract *x);

/* An archive failure: the reader's own error when it caused it, else libarchive's. */
int extract_archive_fail(struct extract *x, const char *what, struct berth_error **err);

/* Note that @path was written by this layer (vfs mode only). */
int extract_seen(struct extract *x, const char *path, struct berth_error **err);

/* Entry writers (extract-entry.c); @path is cleaned, @e the archive entry. */
int extract_entry(struct extract *x, const char *path, struct archive_entry *e,
		  struct berth_error **err);

/* Set the times of directory @path once everything is extracted. */
int extract_defer_times(struct extract *x, const char *path, const struct timespec t[2],
			struct berth_error **err);

/* A parent directory @name (@path) just created implicitly: take the lower layers' attributes. */
int extract_implicit_dir(struct extract *x, int parent, const char *name, const char *path,
			 struct berth_error **err);

/* Whiteouts (whiteout.c): @base starts with ".wh."; @dir is the directory path. */
int extract_whiteout(struct extract *x, const char *path, struct berth_error **err);

/* Make room for a new entry @base in @parent: remove what is there unless both are dirs. */
int extract_clear_slot(struct extract *x, int parent, const char *base, bool is_dir,
		       const char *path, struct berth_error **err);

/*
 * Clean a tar name: drop "./" and "//", refuse absolute names and "..".  @what
 * starts the message ("entry ").  Caller frees *out.
 */
int extract_clean_name(const char *layer, const char *what, const char *name, char **out,
		       struct berth_error **err);

#endif
