/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/seccomp-cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "runtime/sha256.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define CACHE_MAGIC "BERTHBPF"
#define CACHE_VERSION 1
/* Beyond this many entries a miss empties the directory first (bounded size). */
#define CACHE_MAX_ENTRIES 64
#define HEX_BUF 65

struct cache_header {
	char magic[8];
	uint32_t version;
	uint32_t n;	/* instructions after the header */
	uint32_t flags; /* SECCOMP_FILTER_FLAG_* */
	uint32_t reserved;
	char key[HEX_BUF];  /* SHA-256 of the compiler's input, hex */
	char body[HEX_BUF]; /* SHA-256 of the instructions, hex */
};

/*
 * The key covers every field of the parsed profile that the compiler reads.
 * A tripwire for whoever adds a field: these sizes change, and the field must
 * then be hashed in key_profile() (or said to be irrelevant) before updating.
 */
#if __SIZEOF_POINTER__ == 8
_Static_assert(sizeof(struct berth_seccomp) == 64, "hash the new field in key_profile()");
_Static_assert(sizeof(struct berth_seccomp_rule) == 32, "hash the new field in key_rule()");
_Static_assert(sizeof(struct berth_seccomp_arg) == 24, "hash the new field in key_rule()");
#endif

static void feed_u64(struct berth_sha256_lite *h, uint64_t v)
{
	berth_sha256_lite_update(h, &v, sizeof(v));
}

static void feed_str(struct berth_sha256_lite *h, const char *s)
{
	berth_sha256_lite_update(h, s, strlen(s) + 1);
}

static void key_rule(struct berth_sha256_lite *h, const struct berth_seccomp_rule *r)
{
	size_t n_names = 0;

	while (r->names[n_names] != NULL)
		n_names++;
	feed_u64(h, r->action);
	feed_u64(h, n_names);
	for (size_t i = 0; i < n_names; i++)
		feed_str(h, r->names[i]);
	feed_u64(h, r->n_args);
	for (size_t i = 0; i < r->n_args; i++) {
		const struct berth_seccomp_arg *a = &r->args[i];
		uint64_t v[4] = { a->index, (uint64_t)a->op, a->value, a->value_two };

		berth_sha256_lite_update(h, v, sizeof(v));
	}
}

/* The compiler's input: the library and kernel it compiles for, then the profile. */
static void cache_key(const struct berth_seccomp *s, char out[HEX_BUF])
{
	static const char hex[] = "0123456789abcdef";
	const struct scmp_version *lv = seccomp_version();
	uint64_t v[7] = {
		lv->major,	   lv->minor, lv->micro, seccomp_api_get(), seccomp_arch_native(),
		s->default_action, s->flags
	};
	struct berth_sha256_lite h;
	unsigned char d[32];

	berth_sha256_lite_init(&h);
	feed_str(&h, "berth seccomp bpf 2");
	berth_sha256_lite_update(&h, v, sizeof(v));
	feed_u64(&h, s->n_archs);
	for (size_t i = 0; i < s->n_archs; i++)
		feed_u64(&h, s->archs[i]);
	feed_u64(&h, s->n_rules);
	for (size_t i = 0; i < s->n_rules; i++)
		key_rule(&h, &s->rules[i]);
	berth_sha256_lite_final(&h, d);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

/* The cache directory, created 0700; -1 when there is none we may trust. */
static int open_cache_dir(const char *state_root)
{
	cleanup_close int rfd = -1;
	int fd;
	struct stat st;

	rfd = open(state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	if (mkdirat(rfd, BERTH_SECCOMP_CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = openat(rfd, BERTH_SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool header_ok(const struct cache_header *hd, const char *key, size_t size)
{
	return memcmp(hd->magic, CACHE_MAGIC, sizeof(hd->magic)) == 0 &&
	       hd->version == CACHE_VERSION && hd->n >= 1 && hd->n <= BPF_MAXINSNS &&
	       size == sizeof(*hd) + hd->n * sizeof(struct sock_filter) &&
	       memchr(hd->key, '\0', sizeof(hd->key)) != NULL && strcmp(hd->key, key) == 0 &&
	       memchr(hd->body, '\0', sizeof(hd->body)) != NULL;
}

/* 1 and *@out filled on a verified hit; 0 on any miss (absent, foreign, corrupt). */
static int cache_read(int dfd, const char *name, const char *key, struct berth_seccomp_prog *out)
{
	const size_t max = sizeof(struct cache_header) + BPF_MAXINSNS * sizeof(struct sock_filter);
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	struct cache_header hd;
	char body[HEX_BUF];
	struct stat st;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0 || st.st_size < (off_t)sizeof(hd) || (size_t)st.st_size > max)
		return 0;
	buf = malloc((size_t)st.st_size);
	if (buf == NULL || read(fd, buf, (size_t)st.st_size) != st.st_size)
		return 0;
	memcpy(&hd, buf, sizeof(hd));
	if (!header_ok(&hd, key, (size_t)st.st_size))
		return 0;
	berth_sha256_lite_hex(buf + sizeof(hd), hd.n * sizeof(struct sock_filter), body);
	if (strcmp(body, hd.body) != 0)
		return 0;
	out->insns = malloc(hd.n * sizeof(struct sock_filter));
	if (out->insns == NULL)
		return 0;
	memcpy(out->insns, buf + sizeof(hd), hd.n * sizeof(struct sock_filter));
	out->n = hd.n;
	out->flags = hd.flags;
	out->cached = true;
	return 1;
}

/* Too many entries (many distinct profiles): start over rather than grow. */
static void cache_trim(int dfd)
{
	cleanup_close int fd = dup(dfd);
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL)
		return;
	fd = -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	if (n >= CACHE_MAX_ENTRIES) {
		rewinddir(d);
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* Best effort: a failure only means compiling next time too. */
static void cache_write(int dfd, const char *name, const char *key,
			const struct berth_seccomp_prog *p)
{
	const size_t body = p->n * sizeof(struct sock_filter);
	struct cache_header hd = { .version = CACHE_VERSION,
				   .n = (uint32_t)p->n,
				   .flags = p->flags };
	cleanup_free char *buf = NULL;

	memcpy(hd.magic, CACHE_MAGIC, sizeof(hd.magic));
	snprintf(hd.key, sizeof(hd.key), "%s", key);
	berth_sha256_lite_hex(p->insns, body, hd.body);
	buf = malloc(sizeof(hd) + body);
	if (buf == NULL)
		return;
	memcpy(buf, &hd, sizeof(hd));
	memcpy(buf + sizeof(hd), p->insns, body);
	cache_trim(dfd);
	berth_write_file_replace(dfd, name, buf, sizeof(hd) + body, 0600, NULL);
}

int berth_seccomp_prog_get(const struct berth_seccomp *s, const char *state_root,
			   struct berth_seccomp_prog **out, struct berth_error **err)
{
	struct berth_seccomp_prog *p;
	char key[HEX_BUF], name[HEX_BUF + 8] = "";
	cleanup_close int dfd = -1;
	int ret;

	*out = NULL;
	if (s == NULL || berth_seccomp_has_notify(s))
		return 0;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (state_root != NULL && (dfd = open_cache_dir(state_root)) >= 0) {
		cache_key(s, key);
		snprintf(name, sizeof(name), "%s.bpf", key);
		if (cache_read(dfd, name, key, p) == 1) {
			*out = p;
			return 0;
		}
	}
	if ((ret = berth_seccomp_export(s, &p->insns, &p->n, err)) < 0)
		goto fail;
	p->flags = berth_seccomp_kernel_flags(s);
	if (dfd >= 0)
		cache_write(dfd, name, key, p);
	*out = p;
	return 0;
fail:
	berth_seccomp_prog_free(p);
	return berth_error_prefix(err, "linux.seccomp");
}

int berth_seccomp_prog_load(const struct berth_seccomp_prog *p, struct berth_error **err)
{
	struct sock_fprog prog = { .len = (unsigned short)p->n, .filter = p->insns };
	long r;

	/* As libseccomp's seccomp_load: no_new_privs is the caller's business. */
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
	if (r < 0 && errno == ENOSYS && p->flags == 0)
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	if (r < 0)
		return berth_error_errno(err, "seccomp: load filter");
	/* With TSYNC a positive result is a thread that could not be synchronised. */
	if (r > 0)
		return berth_error_set(
		    err, ESRCH, "seccomp: load filter: thread %ld cannot be synchronised", r);
	return 0;
}

void berth_seccomp_prog_free(struct berth_seccomp_prog *p)
{
	if (p == NULL)
		return;
	free(p->insns);
	free(p);
}
