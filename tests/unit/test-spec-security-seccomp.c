/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp in the spec builder: the built-in default blocks at least what
 * Docker's default profile blocks (loaded for real in a forked child, as root,
 * so a syscall seccomp lets through fails for its bad arguments instead of
 * EPERM), capabilities unlock what Docker's do, and Docker-format profiles
 * are converted with includes/excludes evaluated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/spec-build.h"
#include "engine/spec-security-int.h"
#include "oci/spec-default.h"
#include "oci/spec-seccomp.h"
#include "runtime/seccomp.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json.h"

static const struct berth_userns no_userns = { .enabled = false };

/* linux.seccomp of the spec built from @body (engine @e may be NULL); the caller puts it. */
static json_object *seccomp_of(const char *body, struct berth_engine *e)
{
	json_object *b = NULL, *spec = berth_spec_default(false, 0, 0), *sc = NULL;
	struct berth_spec_ctx ctx = { .engine = e, .id = "t", .userns = &no_userns };
	struct berth_error *err = NULL;

	CHECK_OK(berth_json_parse(body, strlen(body), &b, &err), &err);
	ctx.create = b;
	CHECK_OK(berth_spec_apply_security(&ctx, spec, &err), &err);
	json_object_object_get_ex(json_object_object_get(spec, "linux"), "seccomp", &sc);
	json_object_get(sc);
	json_object_put(spec);
	json_object_put(b);
	return sc;
}

static void load(json_object *profile)
{
	struct berth_error *err = NULL;
	struct berth_seccomp *s = NULL;
	int fd = -2;

	CHECK(profile != NULL);
	CHECK_OK(berth_seccomp_parse(profile, "linux.seccomp", &s, &err), &err);
	CHECK_OK(berth_seccomp_load(s, &fd, &err), &err);
	berth_seccomp_free(s);
}

static long sys6(long nr, long a, long b, long c, long d, long e)
{
	long r = syscall(nr, a, b, c, d, e, 0);

	return r < 0 ? -errno : r;
}

/*
 * Syscalls Docker's default profile denies to a container with the default
 * capabilities, with arguments that make each fail harmlessly (for a reason
 * other than EPERM) when seccomp lets it through.
 */
static const struct blocked {
	const char *name;
	long nr, a, b, c, d, e;
} must_block[] = {
	{ "mount", SYS_mount, 0, 0, 0, 0, 0 },
	{ "umount2", SYS_umount2, (long)"/nonexistent-berth", 0, 0, 0, 0 },
	{ "unshare(NEWNS)", SYS_unshare, CLONE_NEWNS, 0, 0, 0, 0 },
	{ "unshare(NEWUSER)", SYS_unshare, CLONE_NEWUSER, 0, 0, 0, 0 },
	{ "clone(NEWNS)", SYS_clone, CLONE_NEWUSER | CLONE_FS, 0, 0, 0, 0 },
	{ "setns", SYS_setns, -1, 0, 0, 0, 0 },
	{ "keyctl", SYS_keyctl, 0x7fff, 0, 0, 0, 0 },
	{ "add_key", SYS_add_key, 0, 0, 0, 0, 0 },
	{ "request_key", SYS_request_key, 0, 0, 0, 0, 0 },
	{ "bpf", SYS_bpf, 0x7fff, 0, 0, 0, 0 },
	{ "perf_event_open", SYS_perf_event_open, 0, 0, 0, -1, 0 },
	{ "kexec_load", SYS_kexec_load, 0, 0, 0, 0x7fff0000, 0 },
	{ "open_by_handle_at", SYS_open_by_handle_at, -1, 0, 0, 0, 0 },
	{ "init_module", SYS_init_module, 0, 0, 0, 0, 0 },
	{ "finit_module", SYS_finit_module, -1, 0, 0, 0, 0 },
	{ "delete_module", SYS_delete_module, (long)"berth-no-such-module", 0, 0, 0, 0 },
	{ "pivot_root", SYS_pivot_root, 0, 0, 0, 0, 0 },
	{ "swapon", SYS_swapon, 0, 0, 0, 0, 0 },
	{ "swapoff", SYS_swapoff, 0, 0, 0, 0, 0 },
	{ "reboot", SYS_reboot, 0, 0, 0, 0, 0 },
	{ "clock_settime", SYS_clock_settime, 0x7fff, 0, 0, 0, 0 },
	{ "settimeofday", SYS_settimeofday, 1, 0, 0, 0, 0 },
	{ "acct", SYS_acct, 1, 0, 0, 0, 0 },
	{ "userfaultfd", SYS_userfaultfd, 0x7fff, 0, 0, 0, 0 },
	{ "personality(READ_IMPLIES_EXEC)", SYS_personality, 0x0400000, 0, 0, 0, 0 },
	{ "ptrace", SYS_ptrace, 0x7fff, 0, 0, 0, 0 },
	{
	    "process_vm_readv",
	    SYS_process_vm_readv,
	    0,
	    0,
	    0,
	    0,
	    0,
	},
	{ "kcmp", SYS_kcmp, 0, 0, 0x7fff, 0, 0 },
	{ "quotactl", SYS_quotactl, 0, 0, 0, 0, 0 },
	{ "syslog", SYS_syslog, 0x7fff, 0, 0, 0, 0 },
	{ "sethostname", SYS_sethostname, 0, 0x7fff, 0, 0, 0 },
	{
	    "mbind",
	    SYS_mbind,
	    0,
	    0,
	    0x7fff,
	    0,
	    0,
	},
	{ "socket(AF_VSOCK)", SYS_socket, 40, 0x7fff, 0, 0, 0 },
	{ "fsopen", SYS_fsopen, 0, 0, 0, 0, 0 },
	{ "open_tree", SYS_open_tree, -1, 0, 0, 0, 0 },
	{ "io_uring_setup", SYS_io_uring_setup, 0, 0, 0, 0, 0 },
#ifdef SYS_iopl
	{ "iopl", SYS_iopl, 99, 0, 0, 0, 0 },
#endif
};

static int check_blocked(bool want_blocked, const char *only)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(must_block); i++) {
		const struct blocked *b = &must_block[i];
		long r;

		if (only != NULL && strstr(only, b->name) == NULL)
			continue;
		r = sys6(b->nr, b->a, b->b, b->c, b->d, b->e);
		if (want_blocked && r != -EPERM) {
			fprintf(stderr, "# %s not blocked: %ld\n", b->name, r);
			return 1;
		}
		if (!want_blocked && r == -EPERM) {
			fprintf(stderr, "# %s still blocked\n", b->name);
			return 1;
		}
	}
	return sys6(SYS_getpid, 0, 0, 0, 0, 0) == getpid() ? 0 : 1;
}

/* Load @profile in a child and run check_blocked(); its exit status. */
static int in_child(json_object *profile, bool want_blocked, const char *only)
{
	int status = 0;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		load(profile);
		_exit(check_blocked(want_blocked, only));
	}
	CHECK_INT(waitpid(pid, &status, 0), ==, pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

BERTH_TEST(seccomp_filter_default_blocks_what_docker_blocks)
{
	json_object *p = seccomp_of("{}", NULL);

	if (geteuid() != 0)
		SKIP("needs root: allowed syscalls must fail for their arguments, not EPERM");
	CHECK_INT(in_child(p, true, NULL), ==, 0);
	json_object_put(p);
}

BERTH_TEST(seccomp_filter_caps_unlock_like_docker)
{
	json_object *p;

	if (geteuid() != 0)
		SKIP("needs root");
	p = seccomp_of("{\"HostConfig\":{\"CapAdd\":[\"SYS_ADMIN\"]}}", NULL);
	CHECK_INT(
	    in_child(p, false,
		     "mount umount2 unshare(NEWNS) setns sethostname fsopen open_tree quotactl"),
	    ==, 0);
	/* Still denied with CAP_SYS_ADMIN. */
	CHECK_INT(in_child(p, true, "keyctl add_key pivot_root kexec_load userfaultfd swapon"), ==,
		  0);
	json_object_put(p);
	p = seccomp_of("{\"HostConfig\":{\"CapAdd\":[\"SYS_PTRACE\",\"SYS_TIME\",\"SYS_NICE\"]}}",
		       NULL);
	CHECK_INT(
	    in_child(p, false, "ptrace process_vm_readv kcmp clock_settime settimeofday mbind"), ==,
	    0);
	CHECK_INT(in_child(p, true, "mount setns"), ==, 0);
	json_object_put(p);
}

BERTH_TEST(seccomp_filter_cap_drop_closes_chroot)
{
	json_object *p = seccomp_of("{\"HostConfig\":{\"CapDrop\":[\"SYS_CHROOT\"]}}", NULL);
	const char *s = json_object_to_json_string(p);

	CHECK(strstr(s, "\"chroot\"") == NULL);
	json_object_put(p);
	p = seccomp_of("{}", NULL);
	CHECK(strstr(json_object_to_json_string(p), "\"chroot\"") != NULL);
	json_object_put(p);
}

static const char docker_profile[] =
    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
    "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":"
    "[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},{\"architecture\":\"SCMP_ARCH_AARCH64\","
    "\"subArchitectures\":[\"SCMP_ARCH_ARM\"]},{\"architecture\":\"SCMP_ARCH_S390X\","
    "\"subArchitectures\":[\"SCMP_ARCH_S390\"]}],"
    "\"syscalls\":["
    "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,\"comment\":\"c\"},"
    "{\"name\":\"rmdir\",\"action\":\"SCMP_ACT_ERRNO\"},"
    "{\"names\":[\"with_admin\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"caps\":"
    "[\"CAP_SYS_ADMIN\"]}},"
    "{\"names\":[\"without_admin\"],\"action\":\"SCMP_ACT_ERRNO\",\"excludes\":{\"caps\":"
    "[\"CAP_SYS_ADMIN\"]}},"
    "{\"names\":[\"on_s390\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"arches\":"
    "[\"s390x\"]}},"
    "{\"names\":[\"here\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"arches\":"
    "[\"amd64\",\"arm64\"]}},"
    "{\"names\":[\"old_kernel\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"minKernel\":"
    "\"99.0\"}},"
    "{\"names\":[\"new_kernel\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"minKernel\":"
    "\"3.10\"}},"
    "{\"names\":[\"not_new_kernel\"],\"action\":\"SCMP_ACT_ERRNO\",\"excludes\":{"
    "\"minKernel\":\"3.10\"}},"
    "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
    "\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]}]}";

static char *convert(const char *doc, uint64_t caps)
{
	struct berth_error *err = NULL;
	json_object *p = NULL, *out = NULL;
	char *s;

	CHECK_OK(berth_json_parse(doc, strlen(doc), &p, &err), &err);
	CHECK_OK(berth_seccomp_from_docker(p, "p.json", caps, &out, &err), &err);
	s = strdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	json_object_put(p);
	return s;
}

BERTH_TEST(spec_seccomp_docker_profile_converted)
{
	cleanup_free char *plain = convert(docker_profile, 0);
	cleanup_free char *admin = convert(docker_profile, 1ULL << CAP_SYS_ADMIN);

#if defined(__x86_64__)
	CHECK(strstr(plain, "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","
			    "\"SCMP_ARCH_X32\"]") != NULL);
#endif
	CHECK(strstr(plain, "\"defaultAction\":\"SCMP_ACT_ERRNO\"") != NULL);
	CHECK(strstr(plain, "\"defaultErrnoRet\":1") != NULL);
	CHECK(strstr(plain,
		     "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18}") !=
	      NULL);
	CHECK(strstr(plain, "{\"names\":[\"rmdir\"]") != NULL);
	CHECK(strstr(plain, "with_admin") == NULL && strstr(plain, "without_admin") != NULL);
	CHECK(strstr(admin, "with_admin") != NULL && strstr(admin, "without_admin") == NULL);
	CHECK(strstr(plain, "on_s390") == NULL && strstr(plain, "\"here\"") != NULL);
	CHECK(strstr(plain, "old_kernel") == NULL && strstr(plain, "\"new_kernel\"") != NULL);
	CHECK(strstr(plain, "not_new_kernel") == NULL);
	CHECK(strstr(plain, "\"args\":[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]") !=
	      NULL);
	CHECK(strstr(plain, "comment") == NULL && strstr(plain, "includes") == NULL);
}

static void convert_fails(const char *doc, const char *want)
{
	struct berth_error *err = NULL;
	json_object *p = NULL, *out = NULL;

	CHECK_OK(berth_json_parse(doc, strlen(doc), &p, &err), &err);
	if (berth_seccomp_from_docker(p, "p.json", 0, &out, &err) >= 0)
		FAIL("%s accepted", doc);
	if (strstr(err->msg, want) == NULL)
		FAIL("\"%s\" lacks \"%s\"", err->msg, want);
	berth_error_free(err);
	json_object_put(p);
}

BERTH_TEST(spec_seccomp_docker_profile_errors)
{
	convert_fails("{\"defaultAction\":\"SCMP_ACT_FLY\"}",
		      "p.json: linux.seccomp.defaultAction");
	convert_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\"],"
		      "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
		      "cannot both be given");
	convert_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscall\":[]}",
		      "unknown field \"syscall\"");
	convert_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":"
		      "\"SCMP_ACT_ERRNO\"}]}",
		      "syscalls[0]: no \"names\"");
	convert_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],"
		      "\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"caps\":[\"CAP_FLY\"]}}]}",
		      "syscalls[0].includes.caps: unknown capability \"CAP_FLY\"");
	convert_fails("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],"
		      "\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"minKernel\":\"new\"}}]}",
		      "bad version \"new\"");
}

/* A Docker-format profile that blocks mkdir, from a file, inline, and as the engine's default. */
BERTH_TEST(spec_seccomp_profile_sources)
{
	static const char doc[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
				  "[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
	char path[] = "/tmp/berth-seccomp-XXXXXX", body[512];
	struct berth_engine e = { 0 };
	json_object *p;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_INT(write(fd, doc, strlen(doc)), ==, (ssize_t)strlen(doc));
	close(fd);
	snprintf(body, sizeof(body), "{\"HostConfig\":{\"SecurityOpt\":[\"seccomp=%s\"]}}", path);
	p = seccomp_of(body, NULL);
	CHECK_STR(json_object_get_string(json_object_object_get(p, "defaultAction")),
		  "SCMP_ACT_ALLOW");
	json_object_put(p);
	p = seccomp_of("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp={\\\"defaultAction\\\":"
		       "\\\"SCMP_ACT_LOG\\\"}\"]}}",
		       NULL);
	CHECK_STR(json_object_get_string(json_object_object_get(p, "defaultAction")),
		  "SCMP_ACT_LOG");
	json_object_put(p);
	e.conf.seccomp_profile = path;
	p = seccomp_of("{}", &e);
	CHECK_STR(json_object_get_string(json_object_object_get(p, "defaultAction")),
		  "SCMP_ACT_ALLOW");
	json_object_put(p);
	/* --security-opt wins over the engine's default. */
	p = seccomp_of("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp=unconfined\"]}}", &e);
	CHECK(p == NULL);
	unlink(path);
}
