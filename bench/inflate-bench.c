/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inflate benchmark for bench/unpack.sh: decompresses one gzip file with zlib,
 * ISA-L igzip (streaming isal_inflate) and libdeflate (whole buffer only) and
 * prints MB/s of uncompressed output.  Input is read into memory first so the
 * figures measure inflate alone, not the disk.
 */
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (256 * 1024)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t run_zlib(const unsigned char *in, size_t len, unsigned char *out)
{
	z_stream z = {0};
	size_t total = 0;
	int ret;

	inflateInit2(&z, 15 + 32);
	z.next_in = (unsigned char *)in;
	z.avail_in = len;
	do {
		z.next_out = out;
		z.avail_out = CHUNK;
		ret = inflate(&z, Z_NO_FLUSH);
		total += CHUNK - z.avail_out;
	} while (ret == Z_OK);
	inflateEnd(&z);
	return ret == Z_STREAM_END ? total : 0;
}

static size_t run_isal(const unsigned char *in, size_t len, unsigned char *out)
{
	static struct inflate_state st;
	size_t total = 0;

	isal_inflate_init(&st);
	st.crc_flag = ISAL_GZIP;
	st.next_in = (unsigned char *)in;
	st.avail_in = len;
	do {
		st.next_out = out;
		st.avail_out = CHUNK;
		if (isal_inflate(&st) != ISAL_DECOMP_OK)
			return 0;
		total += CHUNK - st.avail_out;
	} while (st.block_state != ISAL_BLOCK_FINISH);
	return total;
}

static size_t run_deflate(const unsigned char *in, size_t len, unsigned char *out, size_t outlen)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t got = 0;

	if (libdeflate_gzip_decompress(d, in, len, out, outlen, &got) != LIBDEFLATE_SUCCESS)
		got = 0;
	libdeflate_free_decompressor(d);
	return got;
}

int main(int argc, char **argv)
{
	struct stat st;
	unsigned char *in, *chunk, *whole;
	size_t outlen, n;
	double t;
	int fd;

	if (argc != 3 || (fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
		return fprintf(stderr, "usage: inflate-bench FILE.gz UNCOMPRESSED_SIZE\n"), 2;
	outlen = strtoull(argv[2], NULL, 10);
	in = malloc(st.st_size);
	chunk = malloc(CHUNK);
	whole = malloc(outlen + 1);
	if (!in || !chunk || !whole || read(fd, in, st.st_size) != st.st_size)
		return perror("read"), 1;
	for (int round = 0; round < 3; round++) {
		t = now();
		n = run_zlib(in, st.st_size, chunk);
		printf("zlib       %8.0f MB/s (%zu bytes)\n", n / 1e6 / (now() - t), n);
		t = now();
		n = run_isal(in, st.st_size, chunk);
		printf("isal       %8.0f MB/s (%zu bytes)\n", n / 1e6 / (now() - t), n);
		t = now();
		n = run_deflate(in, st.st_size, whole, outlen + 1);
		printf("libdeflate %8.0f MB/s (%zu bytes, whole buffer)\n", n / 1e6 / (now() - t),
		       n);
	}
	return 0;
}
