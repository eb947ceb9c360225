/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/process-attrs.h"
#include "unit.h"

#define BIT(c) (UINT64_C(1) << (c))

/* The hex value of "<field>:" in @text (a /proc/<pid>/status dump). */
static uint64_t cap_field(const char *text, const char *field)
{
	const char *p = strstr(text, field);

	if (p == NULL)
		FAIL("no %s in status", field);
	return strtoull(p + strlen(field) + 1, NULL, 16);
}

static char *read_status(void)
{
	static char buf[8192];
	FILE *f = fopen("/proc/self/status", "re");
	size_t n;

	CHECK(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

BERTH_TEST(caps_apply_sets_every_mask)
{
	struct berth_capabilities c = {
		.present = true,
		.bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE),
		.permitted = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE),
		.effective = BIT(CAP_CHOWN) | BIT(CAP_KILL),
		.inheritable = BIT(CAP_NET_BIND_SERVICE),
		.ambient = BIT(CAP_NET_BIND_SERVICE),
	};
	struct berth_error *err = NULL;
	char *st;

	CHECK_OK(berth_caps_apply(&c, &err), &err);
	st = read_status();
	CHECK_INT(cap_field(st, "CapBnd:"), ==, c.bounding);
	CHECK_INT(cap_field(st, "CapPrm:"), ==, c.permitted);
	CHECK_INT(cap_field(st, "CapEff:"), ==, c.effective);
	CHECK_INT(cap_field(st, "CapInh:"), ==, c.inheritable);
	CHECK_INT(cap_field(st, "CapAmb:"), ==, c.ambient);
}

BERTH_TEST(caps_absent_means_none)
{
	struct berth_capabilities c = { .present = false };
	struct berth_error *err = NULL;
	char *st;

	CHECK_OK(berth_caps_apply(&c, &err), &err);
	st = read_status();
	CHECK_INT(cap_field(st, "CapBnd:"), ==, 0);
	CHECK_INT(cap_field(st, "CapPrm:"), ==, 0);
	CHECK_INT(cap_field(st, "CapEff:"), ==, 0);
	CHECK_INT(cap_field(st, "CapInh:"), ==, 0);
	CHECK_INT(cap_field(st, "CapAmb:"), ==, 0);
}

BERTH_TEST(caps_refuses_what_the_kernel_would)
{
	struct berth_capabilities c = { .present = true,
					.bounding = BIT(CAP_NET_RAW),
					.permitted = BIT(CAP_NET_RAW),
					.ambient = BIT(CAP_NET_RAW) };
	struct berth_error *err = NULL;

	CHECK_INT(berth_caps_apply(&c, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "process.capabilities.ambient: CAP_NET_RAW must also be in the "
			    "permitted and inheritable sets");
	berth_error_clear(&err);
	c.ambient = 0;
	c.effective = BIT(CAP_KILL);
	CHECK_INT(berth_caps_apply(&c, &err), ==, -EINVAL);
	CHECK_STR(err->msg,
		  "process.capabilities.effective: CAP_KILL must also be in the permitted set");
	berth_error_free(err);
}

/* In a child: become uid 1000 keeping caps, apply @c, exec a shell printing its caps. */
static void exec_as_user(const struct berth_capabilities *c, int out)
{
	struct berth_user u = { .uid = 1000, .gid = 1000, .umask = -1 };
	struct berth_error *err = NULL;

	if (berth_caps_keep_across_setuid(true, &err) < 0 || berth_process_set_user(&u, &err) < 0 ||
	    berth_caps_apply(c, &err) < 0) {
		fprintf(stderr, "# %s\n", err->msg);
		_exit(2);
	}
	dup2(out, 1);
	execl("/bin/busybox", "sh", "-c", "grep Cap /proc/self/status", (char *)NULL);
	_exit(3);
}

/* What a shell exec'd as uid 1000 with @c reports (static buffer). */
static const char *caps_after_exec(const struct berth_capabilities *c)
{
	static char buf[1024];
	size_t len = 0;
	ssize_t n;
	int p[2], status;
	pid_t pid;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		exec_as_user(c, p[1]);
	close(p[1]);
	while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(p[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return buf;
}

BERTH_TEST(caps_ambient_survives_execve_as_non_root)
{
	struct berth_capabilities c = {
		.present = true,
		.bounding = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_CHOWN),
		.permitted = BIT(CAP_NET_BIND_SERVICE),
		.effective = BIT(CAP_NET_BIND_SERVICE),
		.inheritable = BIT(CAP_NET_BIND_SERVICE),
		.ambient = BIT(CAP_NET_BIND_SERVICE),
	};
	const char *buf = caps_after_exec(&c);

	/* After execve as non-root the ambient set becomes permitted and effective. */
	CHECK_INT(cap_field(buf, "CapAmb:"), ==, BIT(CAP_NET_BIND_SERVICE));
	CHECK_INT(cap_field(buf, "CapEff:"), ==, BIT(CAP_NET_BIND_SERVICE));
	CHECK_INT(cap_field(buf, "CapPrm:"), ==, BIT(CAP_NET_BIND_SERVICE));
	CHECK_INT(cap_field(buf, "CapInh:"), ==, BIT(CAP_NET_BIND_SERVICE));
	CHECK_INT(cap_field(buf, "CapBnd:"), ==, c.bounding);
}

BERTH_TEST(caps_without_ambient_are_lost_on_execve_as_non_root)
{
	struct berth_capabilities c = {
		.present = true,
		.bounding = BIT(CAP_NET_BIND_SERVICE),
		.permitted = BIT(CAP_NET_BIND_SERVICE),
		.effective = BIT(CAP_NET_BIND_SERVICE),
	};
	const char *buf = caps_after_exec(&c);

	CHECK_INT(cap_field(buf, "CapEff:"), ==, 0);
	CHECK_INT(cap_field(buf, "CapInh:"), ==, 0);
	CHECK_INT(cap_field(buf, "CapBnd:"), ==, BIT(CAP_NET_BIND_SERVICE));
}
