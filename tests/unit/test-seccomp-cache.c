/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compiled seccomp program cache: a second lookup reads the stored
 * program, a corrupted or foreign entry is refused and rebuilt, and what the
 * cache returns is a working filter (loaded into a forked child).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/seccomp-default.h"
#include "oci/spec-seccomp.h"
#include "runtime/seccomp-cache.h"
#include "runtime/seccomp.h"
#include "runtime/sha256.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

static const char profile[] =
    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
    "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18},"
    "{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
    " \"args\":[{\"index\":0,\"value\":4660,\"op\":\"SCMP_CMP_EQ\"}]}]}";

static char root[64];

static void rm_root(void)
{
	if (root[0])
		berth_rm_rf_at(AT_FDCWD, root);
	root[0] = '\0';
}

/* Each test gets a fresh root; the previous one goes first, so one atexit suffices. */
static void make_root(void)
{
	static bool registered;

	rm_root();
	snprintf(root, sizeof(root), "/tmp/berth-bpfcache-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	if (!registered)
		atexit(rm_root);
	registered = true;
}

static struct berth_seccomp *parse_ok(const char *doc)
{
	struct berth_error *err = NULL;
	struct berth_seccomp *s = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_json_parse(doc, strlen(doc), &o, &err), &err);
	CHECK_OK(berth_seccomp_parse(o, "linux.seccomp", &s, &err), &err);
	json_object_put(o);
	return s;
}

static struct berth_seccomp_prog *get(const struct berth_seccomp *s)
{
	struct berth_seccomp_prog *p = NULL;
	struct berth_error *err = NULL;

	CHECK_OK(berth_seccomp_prog_get(s, root, &p, &err), &err);
	CHECK(p != NULL && p->n > 0);
	return p;
}

/* The path of the only entry in the cache directory. */
static void entry_path(char *out, size_t len)
{
	char cmd[256];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls %s/%s/*.bpf", root, BERTH_SECCOMP_CACHE_DIR);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	CHECK(fgets(out, (int)len, f) != NULL);
	pclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static void same_program(const struct berth_seccomp_prog *a, const struct berth_seccomp_prog *b)
{
	CHECK_INT(a->n, ==, b->n);
	CHECK_INT(a->flags, ==, b->flags);
	CHECK(memcmp(a->insns, b->insns, a->n * sizeof(*a->insns)) == 0);
}

BERTH_TEST(seccomp_cache_sha256_vectors)
{
	static const char q[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];

	berth_sha256_lite_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	berth_sha256_lite_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	berth_sha256_lite_hex(q, strlen(q), hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

BERTH_TEST(seccomp_cache_second_lookup_reads_the_cache)
{
	struct berth_seccomp *s;
	struct berth_seccomp_prog *first, *second;
	struct berth_error *err = NULL;
	struct sock_filter *insns = NULL;
	size_t n = 0;
	char path[512];
	struct stat st;

	make_root();
	s = parse_ok(profile);
	first = get(s);
	CHECK(!first->cached);
	entry_path(path, sizeof(path));
	CHECK(stat(path, &st) == 0);
	CHECK_INT(st.st_mode & 0777, ==, 0600);
	second = get(s);
	CHECK(second->cached);
	same_program(first, second);
	/* Exactly what libseccomp compiles. */
	CHECK_OK(berth_seccomp_export(s, &insns, &n, &err), &err);
	CHECK_INT(n, ==, second->n);
	CHECK(memcmp(insns, second->insns, n * sizeof(*insns)) == 0);
	free(insns);
	berth_seccomp_prog_free(first);
	berth_seccomp_prog_free(second);
	berth_seccomp_free(s);
	rm_root();
}

/* Corrupt the entry with @how, then check that it is refused, rebuilt, and read again. */
static void corrupt_and_rebuild(void (*how)(const char *path))
{
	struct berth_seccomp *s;
	struct berth_seccomp_prog *good, *after, *again;
	char path[512];

	make_root();
	s = parse_ok(profile);
	berth_seccomp_prog_free(get(s));
	good = get(s);
	CHECK(good->cached);
	entry_path(path, sizeof(path));
	how(path);
	after = get(s);
	CHECK(!after->cached);
	same_program(good, after);
	again = get(s);
	CHECK(again->cached);
	same_program(good, again);
	berth_seccomp_prog_free(good);
	berth_seccomp_prog_free(after);
	berth_seccomp_prog_free(again);
	berth_seccomp_free(s);
	rm_root();
}

static void flip_last_byte(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	off_t end = lseek(fd, 0, SEEK_END);
	unsigned char c = 0;

	CHECK(fd >= 0 && end > 0);
	CHECK(pread(fd, &c, 1, end - 1) == 1);
	c ^= 0x01;
	CHECK(pwrite(fd, &c, 1, end - 1) == 1);
	close(fd);
}

static void truncate_half(const char *path)
{
	struct stat st;

	CHECK(stat(path, &st) == 0);
	CHECK(truncate(path, st.st_size / 2) == 0);
}

static void bad_magic(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0);
	CHECK(pwrite(fd, "NOTBPF!!", 8, 0) == 8);
	close(fd);
}

static void group_writable(const char *path)
{
	CHECK(chmod(path, 0620) == 0);
}

BERTH_TEST(seccomp_cache_flipped_byte_is_refused_and_rebuilt)
{
	corrupt_and_rebuild(flip_last_byte);
}

BERTH_TEST(seccomp_cache_truncated_entry_is_refused_and_rebuilt)
{
	corrupt_and_rebuild(truncate_half);
}

BERTH_TEST(seccomp_cache_bad_header_is_refused_and_rebuilt)
{
	corrupt_and_rebuild(bad_magic);
}

BERTH_TEST(seccomp_cache_writable_entry_is_refused_and_rebuilt)
{
	corrupt_and_rebuild(group_writable);
}

BERTH_TEST(seccomp_cache_key_follows_the_profile)
{
	struct berth_seccomp *a, *b;
	struct berth_seccomp_prog *pa, *pb;

	make_root();
	a = parse_ok(profile);
	/* errnoRet 19 instead of 18: a different program, never the cached one. */
	b = parse_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		     "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\","
		     "\"errnoRet\":19},"
		     "{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
		     " \"args\":[{\"index\":0,\"value\":4660,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	pa = get(a);
	pb = get(b);
	CHECK(!pa->cached && !pb->cached);
	CHECK(pa->n != pb->n || memcmp(pa->insns, pb->insns, pa->n * sizeof(*pa->insns)) != 0);
	berth_seccomp_prog_free(pa);
	berth_seccomp_prog_free(pb);
	berth_seccomp_free(a);
	berth_seccomp_free(b);
	rm_root();
}

BERTH_TEST(seccomp_cache_notify_goes_through_libseccomp)
{
	struct berth_seccomp *s;
	struct berth_seccomp_prog *p = (void *)1;
	struct berth_error *err = NULL;

	make_root();
	s = parse_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/tmp/x.sock\","
		     "\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}");
	CHECK_OK(berth_seccomp_prog_get(s, root, &p, &err), &err);
	CHECK(p == NULL);
	berth_seccomp_free(s);
	rm_root();
}

static long sys1(long nr, unsigned long a, unsigned long b)
{
	long r = syscall(nr, a, b);

	return r < 0 ? -errno : r;
}

/* The cached program, loaded with seccomp(2), filters as the profile says. */
BERTH_TEST(seccomp_cache_loaded_program_filters)
{
	struct berth_seccomp *s;
	struct berth_seccomp_prog *p;
	struct berth_error *err = NULL;

	make_root();
	s = parse_ok(profile);
	berth_seccomp_prog_free(get(s));
	p = get(s);
	CHECK(p->cached);
	/* The forked test process; no_new_privs is the caller's business, and we are root. */
	CHECK_OK(berth_seccomp_prog_load(p, &err), &err);
	CHECK_INT(sys1(SYS_mkdir, (unsigned long)"/tmp/berth-bpfcache-never", 0700), ==, -EXDEV);
	CHECK_INT(sys1(SYS_getpgid, 4660, 0), ==, -EXDEV);
	CHECK_INT(sys1(SYS_getpgid, 0, 0), ==, getpgrp());
	berth_seccomp_prog_free(p);
	berth_seccomp_free(s);
	rm_root();
}

/* berth's default profile (the one `berth run` uses) round-trips through the cache. */
BERTH_TEST(seccomp_cache_default_profile)
{
	struct berth_seccomp *s;
	struct berth_seccomp_prog *a, *b;

	struct berth_error *err = NULL;
	json_object *o = berth_seccomp_default_profile();

	make_root();
	CHECK(o != NULL);
	CHECK_OK(berth_seccomp_parse(o, "linux.seccomp", &s, &err), &err);
	json_object_put(o);
	a = get(s);
	b = get(s);
	CHECK(!a->cached && b->cached);
	same_program(a, b);
	CHECK_INT(b->n, >, 500);
	berth_seccomp_prog_free(a);
	berth_seccomp_prog_free(b);
	berth_seccomp_free(s);
	rm_root();
}
