/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/sealed-exe.h"

#include <errno.h>
#include <fcntl.h>
#include <elf.h>
#include <linux/memfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

int berth_sealed_exe_active(void)
{
	cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int seals;

	if (fd < 0)
		return 0;
	seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & SEALS) == SEALS;
}

static int copy_all(int out, int in, off_t size)
{
	off_t done = 0;

	while (done < size) {
		ssize_t n = sendfile(out, in, NULL, (size_t)(size - done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

/*
 * F_SEAL_WRITE fails with EBUSY while something (page migration, compaction
 * under memory pressure) holds a transient reference to one of the memfd's
 * pages; the kernel waits a little, then gives up.  Try again for a while.
 */
static int add_seals(int fd)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 50; i++) {
		if (fcntl(fd, F_ADD_SEALS, SEALS) == 0)
			return 0;
		if (errno != EBUSY)
			return -1;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/*
 * How much of the binary execve needs: up to the end of its last loaded
 * segment.  Debug sections and the section table come after it and are left
 * out of the copy (they are most of a -g build).  The whole file otherwise.
 */
static off_t loaded_extent(int fd, off_t size)
{
	Elf64_Ehdr eh;
	off_t end = 0;

#if defined(__SANITIZE_ADDRESS__)
	/* The sanitizers symbolize their reports from /proc/self/exe: keep it whole. */
	return size;
#endif
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return size;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		off_t at = (off_t)eh.e_phoff + (off_t)i * (off_t)sizeof(ph);

		if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
			return size;
		if ((off_t)(ph.p_offset + ph.p_filesz) > end)
			end = (off_t)(ph.p_offset + ph.p_filesz);
	}
	if ((off_t)(eh.e_phoff + (Elf64_Off)eh.e_phnum * sizeof(Elf64_Phdr)) > end)
		end = (off_t)(eh.e_phoff + (Elf64_Off)eh.e_phnum * sizeof(Elf64_Phdr));
	return end > 0 && end <= size ? end : size;
}

int berth_sealed_exe_ensure(char **argv, struct berth_error **err)
{
	cleanup_close int self = -1;
	cleanup_close int mem = -1;
	struct stat st;
	int ret;

	if (berth_sealed_exe_active())
		return 0;
	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0 || fstat(self, &st) < 0)
		return berth_error_errno(err, "open /proc/self/exe");
	mem = memfd_create("berth-runc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem < 0)
		return berth_error_errno(err, "memfd_create");
	ret = copy_all(mem, self, loaded_extent(self, st.st_size));
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "copy /proc/self/exe");
	}
	if (add_seals(mem) < 0)
		return berth_error_errno(err, "seal the runtime copy");
	fexecve(mem, argv, environ);
	return berth_error_errno(err, "re-exec from the sealed copy");
}
