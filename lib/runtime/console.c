/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "runtime/console.h"
#include "util/cleanup.h"
#include "util/fs.h"

int berth_rootfs_bind_console(const char *slave, struct berth_error **err)
{
	cleanup_close int root = -1;
	cleanup_close int dst = -1;
	cleanup_close int tree = -1;

	/* After pivot_root "/" is the container's root: resolve inside it, never through links. */
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return berth_error_errno(err, "open /");
	dst = berth_openat_in_root(root, "dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW, 0600);
	if (dst < 0) {
		errno = -dst;
		return berth_error_errno(err, "create /dev/console");
	}
	tree = open_tree(AT_FDCWD, slave, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return berth_error_errno(err, "open_tree '%s'", slave);
	if (move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return berth_error_errno(err, "bind '%s' on /dev/console", slave);
	return 0;
}
