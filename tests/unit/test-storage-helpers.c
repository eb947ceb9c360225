/* SPDX-License-Identifier: Apache-2.0 */
/* Fixtures for the storage unit tests: tars built with libarchive's writer, compressed blobs. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "test-storage.h"
#include "unit.h"
#include "util/fs.h"

static void add_entry(struct archive *a, const struct tar_spec *s)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = s->type == 'f' && s->data ? strlen(s->data) : 0;
	static const mode_t types[128] = {['f'] = AE_IFREG,
					  ['d'] = AE_IFDIR,
					  ['l'] = AE_IFLNK,
					  ['c'] = AE_IFCHR,
					  ['h'] = AE_IFREG};

	archive_entry_set_pathname(e, s->name);
	archive_entry_set_filetype(e, types[(int)s->type]);
	archive_entry_set_perm(e, s->mode ? s->mode : 0644);
	archive_entry_set_mtime(e, 1600000000, 0);
	archive_entry_set_size(e, len);
	if (s->type == 'l')
		archive_entry_set_symlink(e, s->data);
	if (s->type == 'h')
		archive_entry_set_hardlink(e, s->data);
	if (s->type == 'c')
		archive_entry_set_rdev(e, makedev(1, 3));
	if (s->xattr) {
		const char *eq = strchr(s->xattr, '=');
		char name[128];

		snprintf(name, sizeof(name), "%.*s", (int)(eq - s->xattr), s->xattr);
		archive_entry_xattr_add_entry(e, name, eq + 1, strlen(eq + 1));
	}
	CHECK(archive_write_header(a, e) == ARCHIVE_OK);
	if (len)
		CHECK(archive_write_data(a, s->data, len) == (la_ssize_t)len);
	archive_entry_free(e);
}

int storage_tar(const struct tar_spec *spec, size_t n, char **raw, size_t *len)
{
	size_t cap = 1 << 20, used = 0;
	char *buf = malloc(cap);
	struct archive *a = archive_write_new();

	CHECK(buf != NULL && a != NULL);
	CHECK(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
	CHECK(archive_write_open_memory(a, buf, cap, &used) == ARCHIVE_OK);
	for (size_t i = 0; i < n; i++)
		add_entry(a, &spec[i]);
	CHECK(archive_write_close(a) == ARCHIVE_OK);
	archive_write_free(a);
	*raw = buf;
	*len = used;
	return storage_blob(buf, used, 't', NULL);
}

static size_t gzip_buf(const void *in, size_t len, unsigned char *out, size_t cap)
{
	z_stream z = {0};

	CHECK(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = (unsigned char *)in;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

int storage_blob(const void *buf, size_t len, char how, size_t *out_len)
{
	size_t cap = len + len / 2 + 1024, n = len;
	unsigned char *out = malloc(cap);
	int fd = memfd_create("layer", MFD_CLOEXEC);

	CHECK(fd >= 0 && out != NULL);
	if (how == 'g')
		n = gzip_buf(buf, len, out, cap);
	else if (how == 'z')
		CHECK(!ZSTD_isError(n = ZSTD_compress(out, cap, buf, len, 3)));
	else
		memcpy(out, buf, len);
	CHECK(berth_write_all(fd, out, n) == 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	free(out);
	if (out_len)
		*out_len = n;
	return fd;
}

void storage_sha256(const void *buf, size_t len, char *out)
{
	unsigned char md[32];
	unsigned int n;

	EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

int storage_tmpdir(char *tmpl)
{
	int fd;

	CHECK(mkdtemp(tmpl) != NULL);
	fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	return fd;
}
