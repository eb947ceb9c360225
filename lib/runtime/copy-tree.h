/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_COPY_TREE_H
#define BERTH_RUNTIME_COPY_TREE_H

#include "util/error.h"

/*
 * Copy the contents of directory @src into directory @dst (both fds open on
 * directories): regular files, directories, symlinks and special files, with
 * mode, owner and times.  Symlinks are copied, never followed.  Used for the
 * "tmpcopyup" mount option, where a tmpfs starts with what the image had at
 * its mount point.
 */
int berth_copy_tree(int src, int dst, struct berth_error **err);

#endif
