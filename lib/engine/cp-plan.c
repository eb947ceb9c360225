/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cp.h"

char *berth_cp_base(const char *path)
{
	size_t end = strlen(path), start;

	while (end > 1 && path[end - 1] == '/')
		end--;
	if (end == 1 && path[0] == '/')
		return strdup("/");
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	return strndup(path + start, end - start);
}

static bool ends_with_slash(const char *p)
{
	size_t n = strlen(p);

	return n > 0 && p[n - 1] == '/';
}

/* "dir/." or "/": the directory's contents, not the directory. */
static bool contents_only(const char *p)
{
	size_t n = strlen(p);

	return strcmp(p, "/") == 0 || strcmp(p, ".") == 0 ||
	       (n >= 2 && p[n - 1] == '.' && p[n - 2] == '/');
}

int berth_cp_plan(const char *src, bool src_is_dir, const char *dest, bool dest_exists,
		  bool dest_is_dir, struct berth_cp_plan *out, struct berth_error **err)
{
	if (!src_is_dir && ends_with_slash(src))
		return berth_error_set(err, ENOTDIR, "'%s' is not a directory", src);
	if (!dest_exists) {
		if (!src_is_dir && ends_with_slash(dest))
			return berth_error_set(err, ENOENT,
					       "destination directory '%s' does not exist", dest);
		out->into_dest = false;
		out->name = BERTH_CP_NAME_DEST;
		return 0;
	}
	if (!dest_is_dir) {
		if (src_is_dir)
			return berth_error_set(err, EINVAL,
					       "cannot copy a directory to a file: '%s'", dest);
		if (ends_with_slash(dest))
			return berth_error_set(err, ENOTDIR, "'%s' is not a directory", dest);
		out->into_dest = false;
		out->name = BERTH_CP_NAME_DEST;
		return 0;
	}
	out->into_dest = true;
	out->name = src_is_dir && contents_only(src) ? BERTH_CP_NAME_CONTENTS : BERTH_CP_NAME_SRC;
	return 0;
}
