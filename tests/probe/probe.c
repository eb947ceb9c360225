/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe: runs inside test containers and prints ONE JSON object on stdout
 * describing what the process sees (ids, capabilities, seccomp, mounts, fds,
 * limits, namespaces ...).  Optional actions given as arguments run first, in
 * order, and their results are reported under "actions":
 *
 *   probe write PATH | read PATH | mkdir PATH | syscall NAME[:ARG]
 *         alloc MB | fork N | sleep S
 *
 * Static, libc only, so it runs in any rootfs.  Tests assert on the JSON, not
 * on shell output.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int first; /* no comma needed before the next member/element */

static void sep(void)
{
	if (!first)
		putchar(',');
	first = 0;
}

static void jstr(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\u%04x", *p); /* bytes as latin-1: always valid JSON */
		else
			putchar(*p);
	}
	putchar('"');
}

static void key(const char *k)
{
	sep();
	jstr(k);
	putchar(':');
}

static void kstr(const char *k, const char *v)
{
	key(k);
	if (v)
		jstr(v);
	else
		fputs("null", stdout);
}

static void kint(const char *k, long long v)
{
	key(k);
	printf("%lld", v);
}

static void kuint(const char *k, unsigned long long v)
{
	key(k);
	printf("%llu", v);
}

static void open_obj(const char *k)
{
	if (k)
		key(k);
	else
		sep();
	putchar('{');
	first = 1;
}

static void open_arr(const char *k)
{
	key(k);
	putchar('[');
	first = 1;
}

static void close_obj(void)
{
	putchar('}');
	first = 0;
}

static void close_arr(void)
{
	putchar(']');
	first = 0;
}

/* Reads a small file into buf (NUL-terminated, trailing newline kept). */
static int slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (off + 1 < len && (n = read(fd, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	close(fd);
	return (int)off;
}

static void status_fields(void)
{
	static const char *want[] = { "CapInh",	    "CapPrm",  "CapEff", "CapBnd", "CapAmb",
				      "NoNewPrivs", "Seccomp", "Umask",	 NULL };
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	open_obj("status");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *v;

		if (!colon)
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		v[strcspn(v, "\n")] = '\0';
		for (int i = 0; want[i]; i++)
			if (strcmp(line, want[i]) == 0)
				kstr(line, v);
	}
	close_obj();
	if (f)
		fclose(f);
}

static void ids(void)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	kint("uid", getuid());
	kint("gid", getgid());
	kint("euid", geteuid());
	kint("egid", getegid());
	open_arr("groups");
	for (int i = 0; i < n; i++) {
		sep();
		printf("%u", groups[i]);
	}
	close_arr();
}

static void identity(void)
{
	struct utsname u;
	char cwd[4096];
	mode_t m = umask(0);

	umask(m);
	if (uname(&u) == 0) {
		kstr("hostname", u.nodename);
		kstr("domainname", u.domainname);
	}
	kint("pid", getpid());
	/* KEYCTL_GET_KEYRING_ID (0) of KEY_SPEC_SESSION_KEYRING (-3), without creating one. */
	kint("session_keyring", syscall(SYS_keyctl, 0, -3, 0));
	kint("ppid", getppid());
	kstr("cwd", getcwd(cwd, sizeof(cwd)) ? cwd : NULL);
	kint("umask", m);
}

static void fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char target[4096];

	open_obj("fds");
	while (d && (e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		n = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		kstr(e->d_name, target);
	}
	close_obj();
	if (d)
		closedir(d);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*w++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static void mount_line(char *line)
{
	char *f[12] = { 0 }, *save = NULL, *tok, *dash = strstr(line, " - ");
	int n = 0;

	if (!dash)
		return;
	*dash = '\0';
	for (tok = strtok_r(line, " ", &save); tok && n < 6; tok = strtok_r(NULL, " ", &save))
		f[n++] = tok;
	for (tok = strtok_r(dash + 3, " \n", &save); tok && n < 9;
	     tok = strtok_r(NULL, " \n", &save))
		f[n++] = tok;
	if (n < 9)
		return;
	unescape(f[3]);
	unescape(f[4]);
	unescape(f[7]);
	open_obj(NULL);
	kstr("root", f[3]);
	kstr("mountpoint", f[4]);
	kstr("options", f[5]);
	kstr("fstype", f[6]);
	kstr("source", f[7]);
	kstr("super_options", f[8]);
	close_obj();
}

static void mounts(void)
{
	char line[8192];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	open_arr("mounts");
	while (f && fgets(line, sizeof(line), f))
		mount_line(line);
	close_arr();
	if (f)
		fclose(f);
}

static void rlimits(void)
{
	static const struct {
		int res;
		const char *name;
	} r[] = {
		{ RLIMIT_AS, "RLIMIT_AS" },
		{ RLIMIT_CORE, "RLIMIT_CORE" },
		{ RLIMIT_CPU, "RLIMIT_CPU" },
		{ RLIMIT_DATA, "RLIMIT_DATA" },
		{ RLIMIT_FSIZE, "RLIMIT_FSIZE" },
		{ RLIMIT_LOCKS, "RLIMIT_LOCKS" },
		{ RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK" },
		{ RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE" },
		{ RLIMIT_NICE, "RLIMIT_NICE" },
		{ RLIMIT_NOFILE, "RLIMIT_NOFILE" },
		{ RLIMIT_NPROC, "RLIMIT_NPROC" },
		{ RLIMIT_RSS, "RLIMIT_RSS" },
		{ RLIMIT_RTPRIO, "RLIMIT_RTPRIO" },
		{ RLIMIT_RTTIME, "RLIMIT_RTTIME" },
		{ RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING" },
		{ RLIMIT_STACK, "RLIMIT_STACK" },
	};
	struct rlimit l;

	open_obj("rlimits");
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (getrlimit(r[i].res, &l) < 0)
			continue;
		open_obj(r[i].name);
		kuint("soft", l.rlim_cur);
		kuint("hard", l.rlim_max);
		close_obj();
	}
	close_obj();
}

static void namespaces(void)
{
	static const char *ns[] = { "cgroup", "ipc",  "mnt", "net", "pid",
				    "time",   "user", "uts", NULL };
	char path[64];
	struct stat st;

	open_obj("namespaces");
	for (int i = 0; ns[i]; i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		if (stat(path, &st) == 0)
			kuint(ns[i], st.st_ino);
	}
	close_obj();
}

static void env(char **envp)
{
	open_arr("env");
	for (; *envp; envp++) {
		sep();
		jstr(*envp);
	}
	close_arr();
}

static void misc(void)
{
	char buf[64];
	long io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	struct sched_param sp = { 0 };

	if (slurp("/proc/self/oom_score_adj", buf, sizeof(buf)) > 0)
		kint("oom_score_adj", atoll(buf));
	kint("dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	kint("personality", personality(0xffffffff));
	open_obj("ioprio");
	kint("class", io < 0 ? -1 : (io >> 13));
	kint("data", io < 0 ? -1 : (io & 0xff));
	close_obj();
	sched_getparam(0, &sp);
	open_obj("sched");
	kint("policy", sched_getscheduler(0));
	kint("priority", sp.sched_priority);
	kint("nice", getpriority(PRIO_PROCESS, 0));
	close_obj();
}

/* ---- actions ---- */

static void result(const char *action, const char *arg, int err)
{
	kstr("action", action);
	kstr("arg", arg);
	kint("errno", err);
	kstr("error", err ? strerror(err) : NULL);
	key("ok");
	fputs(err ? "false" : "true", stdout);
}

static void act_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err = 0;

	if (fd < 0 || write(fd, "probe\n", 6) != 6)
		err = errno;
	if (fd >= 0 && close(fd) < 0 && !err)
		err = errno;
	result("write", path, err);
}

static void act_read(const char *path)
{
	static char buf[65536];
	int n = slurp(path, buf, sizeof(buf));

	result("read", path, n < 0 ? -n : 0);
	kstr("data", n < 0 ? NULL : buf);
}

static void act_mkdir(const char *path)
{
	result("mkdir", path, mkdir(path, 0755) < 0 ? errno : 0);
}

static long do_syscall(const char *name, long arg, int has_arg)
{
	char dir[64];
	struct utsname u;
	long r;

	if (!strcmp(name, "getpid"))
		return syscall(SYS_getpid);
	if (!strcmp(name, "getppid"))
		return syscall(SYS_getppid);
	if (!strcmp(name, "getuid"))
		return syscall(SYS_getuid);
	if (!strcmp(name, "uname"))
		return syscall(SYS_uname, &u);
	if (!strcmp(name, "mkdir")) {
		snprintf(dir, sizeof(dir), "/tmp/.probe-mkdir-%d", getpid());
		r = syscall(SYS_mkdir, dir, 0700);
		if (r == 0)
			rmdir(dir);
		return r;
	}
	if (!strcmp(name, "socket")) {
		r = syscall(SYS_socket, has_arg ? arg : AF_UNIX, SOCK_STREAM, 0);
		if (r >= 0)
			close((int)r);
		return r < 0 ? r : 0;
	}
	if (!strcmp(name, "personality"))
		return syscall(SYS_personality, has_arg ? arg : 0xffffffffL);
	if (!strcmp(name, "unshare"))
		return syscall(SYS_unshare, has_arg ? arg : 0L);
	if (!strcmp(name, "kill"))
		return syscall(SYS_kill, getpid(), has_arg ? arg : 0L);
	if (!strcmp(name, "sethostname"))
		return syscall(SYS_sethostname, "probe", 5);
	if (!strcmp(name, "chdir"))
		return syscall(SYS_chdir, ".");
	if (!strcmp(name, "dup")) {
		r = syscall(SYS_dup, 0);
		if (r >= 0)
			close((int)r);
		return r < 0 ? r : 0;
	}
	if (!strcmp(name, "mount"))
		return syscall(SYS_mount, "none", "/tmp", "tmpfs", MS_RDONLY | MS_REMOUNT, NULL);
	errno = ENOSYS;
	return -2;
}

static void act_syscall(const char *spec)
{
	char name[64];
	const char *colon = strchr(spec, ':');
	long arg = 0, r;

	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	if (colon)
		arg = strtol(colon + 1, NULL, 0);
	errno = 0;
	r = do_syscall(name, arg, colon != NULL);
	result("syscall", spec, r < 0 ? errno : 0);
	key("known");
	fputs(r == -2 ? "false" : "true", stdout);
}

static void act_alloc(const char *mb)
{
	size_t len = (size_t)atol(mb) << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		result("alloc", mb, errno);
		return;
	}
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1; /* fault every page in: the cgroup charges touched memory */
	result("alloc", mb, 0);
}

static void act_fork(const char *count)
{
	int n = atoi(count), made = 0, err = 0;
	pid_t kids[4096];

	if (n > 4096)
		n = 4096;
	for (; made < n; made++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		kids[made] = p;
	}
	for (int i = 0; i < made; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	result("fork", count, err);
	kint("forked", made);
}

static void act_sleep(const char *secs)
{
	struct timespec ts = { .tv_sec = atol(secs) };

	nanosleep(&ts, NULL);
	result("sleep", secs, 0);
}

static int action(const char *name, const char *arg)
{
	static const struct {
		const char *name;
		void (*fn)(const char *);
	} acts[] = {
		{ "write", act_write },	    { "read", act_read },   { "mkdir", act_mkdir },
		{ "syscall", act_syscall }, { "alloc", act_alloc }, { "fork", act_fork },
		{ "sleep", act_sleep },
	};

	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		if (strcmp(acts[i].name, name) == 0) {
			open_obj(NULL);
			acts[i].fn(arg);
			close_obj();
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv, char **envp)
{
	static char out[1 << 20];

	/* One buffered write at the end: the JSON object is never interleaved. */
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	first = 1;
	putchar('{');
	open_arr("actions");
	for (int i = 1; i + 1 < argc; i += 2) {
		if (action(argv[i], argv[i + 1]) < 0) {
			fprintf(stderr, "probe: unknown action '%s'\n", argv[i]);
			return 2;
		}
	}
	if (argc % 2 == 0) {
		fprintf(stderr, "probe: action '%s' needs an argument\n", argv[argc - 1]);
		return 2;
	}
	close_arr();
	ids();
	identity();
	status_fields();
	fds();
	mounts();
	rlimits();
	namespaces();
	env(envp);
	misc();
	close_obj();
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : 1;
}
