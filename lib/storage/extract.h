/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_STORAGE_EXTRACT_H
#define BERTH_STORAGE_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

/*
 * Safe extraction of one layer tar stream into a directory.
 *
 * libarchive parses the tar format only (ustar, pax, GNU: long names and
 * links, sparse maps); every file is created here, relative to the target
 * directory fd, one path component at a time with O_NOFOLLOW, so nothing in
 * the layer can make a write land outside the target.  Policy (docs/storage.md):
 *  - absolute names and any ".." component are refused, "./" is dropped;
 *  - a path whose parent is a symlink is refused (never written through);
 *  - hardlinks must name an existing non-directory inside the target;
 *  - character and block devices only when @allow_devices, fifos always;
 *  - xattrs: user.*, security.capability, trusted.* (not trusted.overlay.*)
 *    only when @allow_trusted_xattrs; others are skipped;
 *  - whiteouts become overlay whiteouts or deletions, per @whiteouts.
 */

enum berth_whiteout_mode {
	BERTH_WHITEOUT_OVERLAY, /* 0:0 char devices and trusted.overlay.opaque=y */
	BERTH_WHITEOUT_DELETE,	/* delete the path / clear the directory (vfs) */
};

struct berth_extract_opts {
	const char *name;   /* the layer in messages (its digest); NULL = the chain ID */
	uint64_t max_total; /* cap on the uncompressed stream, 0 = 64 GiB */
	uint64_t max_entry; /* cap on one file's declared size, 0 = max_total */
	int whiteouts;	    /* enum berth_whiteout_mode */
	bool allow_devices; /* create char/block devices (root outside a userns) */
	bool allow_trusted_xattrs;
	bool chown; /* apply the entries' uid/gid (needs CAP_CHOWN) */
	/* overlay: the lower diff dirs, top first; implicit parent dirs copy their attributes */
	const int *lowers;
	size_t nlowers;
};

/*
 * Unpack the layer blob read from @blob_fd (media type @media_type, NULL to
 * sniff; @name for messages) into directory @dirfd.  On success writes the
 * DiffID ("sha256:<hex>", 72 bytes) into @diffid.  On failure the directory
 * holds a partial tree: callers extract into a temporary directory.
 */
int berth_layer_extract(int dirfd, int blob_fd, const char *media_type, const char *name,
			const struct berth_extract_opts *opts, char *diffid,
			struct berth_error **err);

/* Whether this process may create device nodes: root in the initial user namespace. */
bool berth_storage_devices_allowed(void);

#endif
