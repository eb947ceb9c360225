/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_TESTS_STORAGE_H
#define BERTH_TESTS_STORAGE_H

#include <stddef.h>
#include <sys/types.h>

/* One tar entry for storage_tar(): type 'f' file, 'd' dir, 'l' symlink, 'h' hardlink, 'c' chr. */
struct tar_spec {
	char type;
	const char *name;
	const char *data; /* file content, or link target */
	mode_t mode;
	const char *xattr; /* "name=value" or NULL */
};

/* A pax tar of @n entries in a fresh memfd (offset 0); the raw bytes in *raw (caller frees). */
int storage_tar(const struct tar_spec *spec, size_t n, char **raw, size_t *len);

/* @len bytes of @buf in a memfd, gzip (@how 'g'), zstd ('z') or as is ('t'). */
int storage_blob(const void *buf, size_t len, char how, size_t *out_len);

/* "sha256:<hex>" of @buf into @out (72 bytes). */
void storage_sha256(const void *buf, size_t len, char *out);

/* A fresh temp dir; returns an fd on it and its path in @tmpl. */
int storage_tmpdir(char *tmpl);

#endif
