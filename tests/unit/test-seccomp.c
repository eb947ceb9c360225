/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp: every filter is a real one, loaded into the forked test process or
 * into a grandchild when the filter kills or denies what the harness needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/seccomp-default.h"
#include "oci/spec-seccomp.h"
#include "runtime/seccomp.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/json.h"

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

/* Parse and load @doc into the calling process; returns the notify fd or -1. */
static int load(const char *doc)
{
	struct berth_seccomp *s = parse_ok(doc);
	struct berth_error *err = NULL;
	int fd = -2;

	CHECK_OK(berth_seccomp_load(s, &fd, &err), &err);
	berth_seccomp_free(s);
	return fd;
}

/* Run @fn in a grandchild; its wait status. */
static int in_child(int (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0)
		_exit(fn());
	CHECK_INT(waitpid(pid, &status, 0), ==, pid);
	return status;
}

/* -errno of a failed raw syscall, or its non-negative result. */
static long sys(long nr, unsigned long a, unsigned long b)
{
	long r = syscall(nr, a, b);

	return r < 0 ? -errno : r;
}

BERTH_TEST(seccomp_errno_ret_and_default_eperm)
{
	load("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	     "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18},"
	     "{\"names\":[\"rmdir\",\"no_such_syscall_yet\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
	CHECK_INT(sys(SYS_mkdir, (unsigned long)"/tmp/berth-seccomp-never", 0700), ==, -EXDEV);
	CHECK_INT(sys(SYS_rmdir, (unsigned long)"/tmp/berth-seccomp-never", 0), ==, -EPERM);
	CHECK_INT(sys(SYS_getpid, 0, 0), ==, getpid());
}

BERTH_TEST(seccomp_argument_conditions)
{
	load("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	     "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
	     " \"args\":[{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]},"
	     "{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
	     " \"args\":[{\"index\":0,\"value\":65280,\"valueTwo\":16896,"
	     "\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	     "{\"names\":[\"getpriority\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
	     " \"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
	     "          {\"index\":1,\"value\":12345,\"op\":\"SCMP_CMP_EQ\"}]},"
	     "{\"names\":[\"getsid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
	     " \"args\":[{\"index\":0,\"value\":1111,\"op\":\"SCMP_CMP_EQ\"},"
	     "          {\"index\":0,\"value\":2222,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	/* personality(0xffffffff) only queries; other values are allowed. */
	CHECK_INT(sys(SYS_personality, 0xffffffffUL, 0), ==, -EXDEV);
	CHECK_INT(sys(SYS_personality, 0, 0), >=, 0);
	/* (pid & 0xff00) == 0x4200 */
	CHECK_INT(sys(SYS_getpgid, 0x4217, 0), ==, -EXDEV);
	CHECK_INT(sys(SYS_getpgid, 0, 0), ==, getpgrp());
	CHECK_INT(sys(SYS_getpgid, 0x4317, 0), !=, -EXDEV);
	/* Different indexes: ANDed. */
	CHECK_INT(sys(SYS_getpriority, 0, 12345), ==, -EXDEV);
	CHECK_INT(sys(SYS_getpriority, 0, 0), >=, 0);
	CHECK_INT(sys(SYS_getpriority, 1, 12345), !=, -EXDEV);
	/* The same index twice: one rule each (ORed), as runc does. */
	CHECK_INT(sys(SYS_getsid, 1111, 0), ==, -EXDEV);
	CHECK_INT(sys(SYS_getsid, 2222, 0), ==, -EXDEV);
	CHECK_INT(sys(SYS_getsid, 0, 0), ==, getsid(0));
}

static int kill_child(void)
{
	load("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	     "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}");
	syscall(SYS_getppid);
	return 0;
}

BERTH_TEST(seccomp_kill_process_sends_sigsys)
{
	int status = in_child(kill_child);

	CHECK(WIFSIGNALED(status));
	CHECK_INT(WTERMSIG(status), ==, SIGSYS);
}

BERTH_TEST(seccomp_log_allows)
{
	pid_t parent = getppid();

	load("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\","
	     "\"SECCOMP_FILTER_FLAG_TSYNC\"],\"syscalls\":["
	     "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_LOG\"}]}");
	CHECK_INT(sys(SYS_getppid, 0, 0), ==, parent);
}

/* Memory syscalls stay allowed so that the sanitizers' allocator keeps working. */
static int default_child(void)
{
	load("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":18,"
	     "\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\",\"SCMP_ARCH_X86_64\"],"
	     "\"syscalls\":[{\"names\":[\"exit_group\",\"exit\",\"getpid\",\"write\","
	     "\"mmap\",\"munmap\",\"madvise\",\"mprotect\",\"brk\",\"futex\",\"sigaltstack\","
	     "\"rt_sigaction\",\"rt_sigprocmask\",\"prlimit64\",\"sched_yield\"],"
	     "\"action\":\"SCMP_ACT_ALLOW\"}]}");
	if (sys(SYS_getppid, 0, 0) != -EXDEV)
		return 2;
	if (sys(SYS_getuid, 0, 0) != -EXDEV)
		return 3;
	return sys(SYS_getpid, 0, 0) > 0 ? 0 : 4;
}

BERTH_TEST(seccomp_default_action_applies_to_unlisted)
{
	int status = in_child(default_child);

	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), ==, 0);
}

/* A listening unix socket in a fresh directory; @dir receives the directory. */
static int listen_in_tmp(char dir[static 64], char path[static 128])
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock;

	snprintf(dir, 64, "%s", "/tmp/berth-seccomp-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, 128, "%s/agent.sock", dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(sock >= 0);
	CHECK_INT(bind(sock, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	CHECK_INT(listen(sock, 1), ==, 0);
	return sock;
}

static void remove_tmp(const char *dir, const char *path)
{
	unlink(path);
	rmdir(dir);
}

/* Accept one connection; read the whole message and its fd. */
static json_object *receive_state(int lsock, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { 0 };
	static char buf[65536];
	struct berth_error *err = NULL;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	cleanup_close int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	json_object *o = NULL;
	ssize_t n, len;

	CHECK(conn >= 0);
	len = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	CHECK(len > 0);
	CHECK(CMSG_FIRSTHDR(&mh) != NULL);
	CHECK_INT(CMSG_FIRSTHDR(&mh)->cmsg_type, ==, SCM_RIGHTS);
	memcpy(fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	while ((n = read(conn, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	CHECK_INT(n, ==, 0); /* the runtime closed the connection */
	CHECK_OK(berth_json_parse(buf, (size_t)len, &o, &err), &err);
	return o;
}

static const char *str_at(json_object *o, const char *key)
{
	json_object *v = NULL;

	CHECK(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

BERTH_TEST(seccomp_send_listener_sends_state_and_fd)
{
	char dir[64], path[128], doc[512];
	cleanup_close int lsock = listen_in_tmp(dir, path);
	struct berth_error *err = NULL;
	struct berth_seccomp *s;
	struct stat a, b;
	json_object *o, *fds, *state;
	int pipefd[2], got = -1;

	snprintf(doc, sizeof(doc),
		 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"%s\","
		 "\"listenerMetadata\":\"MKNOD=/dev/null\"}",
		 path);
	s = parse_ok(doc);
	CHECK_INT(pipe2(pipefd, O_CLOEXEC), ==, 0);
	CHECK_OK(
	    berth_seccomp_send_listener(s, pipefd[1],
					"{\"ociVersion\":\"1.1.0\",\"id\":\"c1\","
					"\"status\":\"creating\",\"pid\":4422,\"bundle\":\"/b\"}",
					&err),
	    &err);
	o = receive_state(lsock, &got);
	CHECK_STR(str_at(o, "ociVersion"), "1.1.0");
	CHECK_STR(str_at(o, "pid"), "4422");
	CHECK_STR(str_at(o, "metadata"), "MKNOD=/dev/null");
	CHECK(json_object_object_get_ex(o, "fds", &fds));
	CHECK_INT(json_object_array_length(fds), ==, 1);
	CHECK_STR(json_object_get_string(json_object_array_get_idx(fds, 0)), "seccompFd");
	CHECK(json_object_object_get_ex(o, "state", &state));
	CHECK_STR(str_at(state, "id"), "c1");
	CHECK_INT(fstat(got, &a), ==, 0);
	CHECK_INT(fstat(pipefd[1], &b), ==, 0);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	remove_tmp(dir, path);
	/* Nobody listening any more: the error names the socket. */
	CHECK_INT(
	    berth_seccomp_send_listener(s, pipefd[1], "{\"ociVersion\":\"1.1.0\",\"pid\":1}", &err),
	    ==, -ENOENT);
	CHECK(strstr(err->msg, path) != NULL);
	berth_error_free(err);
	json_object_put(o);
	berth_seccomp_free(s);
}

static char agent_path[128];

static int notify_child(void)
{
	char doc[512], state[128];
	struct berth_error *err = NULL;
	struct berth_seccomp *s;
	int fd = -1;

	snprintf(doc, sizeof(doc),
		 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"%s\",\"syscalls\":["
		 "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		 agent_path);
	snprintf(state, sizeof(state), "{\"ociVersion\":\"1.1.0\",\"pid\":%d}", getpid());
	s = parse_ok(doc);
	CHECK(berth_seccomp_has_notify(s));
	CHECK_OK(berth_seccomp_load(s, &fd, &err), &err);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_OK(berth_seccomp_send_listener(s, fd, state, &err), &err);
	close(fd);
	berth_seccomp_free(s);
	/* Blocks until the agent answers. */
	return sys(SYS_getppid, 0, 0) == 4242 ? 0 : 5;
}

BERTH_TEST(seccomp_notify_delivers_a_listener)
{
	char dir[64];
	cleanup_close int lsock = listen_in_tmp(dir, agent_path);
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	json_object *o;
	int status = 0, fd = -1;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0)
		_exit(notify_child());
	o = receive_state(lsock, &fd);
	CHECK_INT(strtol(str_at(o, "pid"), NULL, 10), ==, pid);
	CHECK_INT(seccomp_notify_alloc(&req, &resp), ==, 0);
	CHECK_INT(seccomp_notify_receive(fd, req), ==, 0);
	CHECK_INT(req->pid, ==, pid);
	CHECK_INT(req->data.nr, ==, SYS_getppid);
	resp->id = req->id;
	resp->val = 4242;
	resp->error = 0;
	resp->flags = 0;
	CHECK_INT(seccomp_notify_respond(fd, resp), ==, 0);
	CHECK_INT(waitpid(pid, &status, 0), ==, pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), ==, 0);
	seccomp_notify_free(req, resp);
	json_object_put(o);
	close(fd);
	remove_tmp(dir, agent_path);
}

static void parse_fails(const char *body, const char *want)
{
	char doc[1024];
	struct berth_error *err = NULL;
	struct berth_seccomp *s = NULL;
	json_object *root = NULL, *o;

	snprintf(doc, sizeof(doc), "{\"linux\":{\"seccomp\":%s}}", body);
	CHECK_OK(berth_json_parse(doc, strlen(doc), &root, &err), &err);
	o = json_object_object_get(json_object_object_get(root, "linux"), "seccomp");
	if (berth_seccomp_parse(o, "linux.seccomp", &s, &err) >= 0)
		FAIL("%s: parsed", body);
	CHECK(s == NULL);
	CHECK_STR(err->msg, want);
	berth_error_free(err);
	json_object_put(root);
}

#define ALLOW "\"defaultAction\":\"SCMP_ACT_ALLOW\""

BERTH_TEST(seccomp_parse_errors_name_the_path)
{
	parse_fails("{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_FOO\"}]}",
		    "linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_FOO\"");
	parse_fails("{" ALLOW ",\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_Z80\"]}",
		    "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"");
	parse_fails("{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_LOG\"},"
		    "{\"names\":[\"b\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,"
		    "\"value\":2,\"op\":\"SCMP_CMP_XOR\"}]}]}",
		    "linux.seccomp.syscalls[1].args[0].op: unknown operator \"SCMP_CMP_XOR\"");
	parse_fails("{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		    "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY requires "
		    "linux.seccomp.listenerPath");
	parse_fails("{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\","
		    "\"errnoRet\":\"EPERM\"}]}",
		    "linux.seccomp.syscalls[0].errnoRet: expected an integer, got a string");
	parse_fails("{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\","
		    "\"errnoRet\":1}]}",
		    "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or "
		    "SCMP_ACT_TRACE, not SCMP_ACT_ALLOW");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_KILL\",\"defaultErrnoRet\":1}",
		    "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or "
		    "SCMP_ACT_TRACE, not SCMP_ACT_KILL");
	parse_fails("{\"syscalls\":[]}", "linux.seccomp.defaultAction: required");
	parse_fails("{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/x\"}",
		    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	parse_fails("{" ALLOW ",\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_LOG\"}]}",
		    "linux.seccomp.syscalls[0].names: at least one syscall name is required");
	parse_fails("{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_LOG\","
		    "\"args\":[{\"index\":6,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		    "linux.seccomp.syscalls[0].args[0].index: 6 out of range [0, 5]");
	parse_fails("{" ALLOW ",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_LOG\","
		    "\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		    "linux.seccomp.syscalls[0].args[0].value: required");
	parse_fails("{" ALLOW ",\"listenerMetadata\":\"m\"}",
		    "linux.seccomp.listenerMetadata: must not be set without "
		    "linux.seccomp.listenerPath");
	parse_fails("{" ALLOW ",\"flags\":[\"SECCOMP_FILTER_FLAG_BOGUS\"]}",
		    "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
#if SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6
	parse_fails("{" ALLOW ",\"flags\":[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
		    "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not "
		    "supported by libseccomp 2.5 (needs 2.6)");
#endif
	parse_fails("[]", "linux.seccomp: expected an object, got an array");
}

static int exit_7(void)
{
	return 7;
}

BERTH_TEST(seccomp_default_profile_blocks_keyctl)
{
	int status;
	json_object *p = berth_seccomp_default_profile();
	struct berth_error *err = NULL;
	struct berth_seccomp *s = NULL;
	int fd = -2;

	CHECK(p != NULL);
	CHECK_OK(berth_seccomp_parse(p, "linux.seccomp", &s, &err), &err);
	CHECK(!berth_seccomp_has_notify(s));
	CHECK_OK(berth_seccomp_load(s, &fd, &err), &err);
	CHECK_INT(fd, ==, -1);
	CHECK_INT(sys(SYS_getpid, 0, 0), ==, getpid());
	CHECK_INT(sys(SYS_keyctl, 0, 0), ==, -EPERM);
	CHECK_INT(sys(SYS_ptrace, 0, 0), ==, -EPERM);
	CHECK_INT(sys(SYS_umount2, (unsigned long)"/nonexistent-berth", 0), ==, -EPERM);
	CHECK_INT(sys(SYS_unshare, CLONE_NEWNS, 0), ==, -EPERM);
	CHECK_INT(sys(SYS_unshare, CLONE_FS, 0), ==, 0);
	CHECK_INT(sys(SYS_clone3, 0, 0), ==, -ENOSYS);
	CHECK_INT(sys(SYS_personality, 0xffffffffUL, 0), >=, 0);
	CHECK_INT(sys(SYS_personality, 0x0400000, 0), ==, -EPERM); /* READ_IMPLIES_EXEC */
	/* fork goes through clone without namespace flags. */
	status = in_child(exit_7);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), ==, 7);
	berth_seccomp_free(s);
	json_object_put(p);
}

BERTH_TEST(seccomp_features)
{
	json_object *f = berth_seccomp_features();
	json_object *v = NULL;
	char *s;

	CHECK(f != NULL);
	s = berth_json_dump(f);
	CHECK(strstr(s, "\"enabled\":true") != NULL);
	CHECK(strstr(s, "\"SCMP_ACT_NOTIFY\"") != NULL);
	CHECK(strstr(s, "\"SCMP_CMP_MASKED_EQ\"") != NULL);
	CHECK(strstr(s, "\"SCMP_ARCH_X86_64\"") != NULL);
	CHECK(json_object_object_get_ex(f, "supportedFlags", &v));
	CHECK(strstr(json_object_to_json_string(v), "SECCOMP_FILTER_FLAG_LOG") != NULL);
	CHECK(strstr(json_object_to_json_string(v), "SECCOMP_FILTER_FLAG_TSYNC") != NULL);
#if SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6
	CHECK(strstr(json_object_to_json_string(v), "WAIT_KILLABLE") == NULL);
#endif
	CHECK(json_object_object_get_ex(f, "knownFlags", &v));
	CHECK_INT(json_object_array_length(v), ==, 4);
	free(s);
	json_object_put(f);
}
