/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/json.h"

#define MAX_SYSCALL_ARGS 6

/* SCMP_FLTATR_CTL_WAITKILL arrived in libseccomp 2.6. */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define HAVE_WAITKILL 1
#else
#define HAVE_WAITKILL 0
#endif

static void release_ctx(scmp_filter_ctx *ctx)
{
	if (*ctx != NULL)
		seccomp_release(*ctx);
}
#define cleanup_scmp __attribute__((cleanup(release_ctx)))

/* The filter attribute applying enum berth_seccomp_flags bit @i, or 0 when there is none. */
static enum scmp_filter_attr flag_attr(unsigned int i)
{
	switch (1u << i) {
	case BERTH_SECCOMP_FLAG_TSYNC:
		return SCMP_FLTATR_CTL_TSYNC;
	case BERTH_SECCOMP_FLAG_LOG:
		return SCMP_FLTATR_CTL_LOG;
	case BERTH_SECCOMP_FLAG_SPEC_ALLOW:
		return SCMP_FLTATR_CTL_SSB;
#if HAVE_WAITKILL
	case BERTH_SECCOMP_FLAG_WAIT_KILLABLE_RECV:
		return SCMP_FLTATR_CTL_WAITKILL;
#endif
	}
	return 0;
}

static int set_attrs(scmp_filter_ctx ctx, const struct berth_seccomp *s, struct berth_error **err)
{
	const char *const *names = berth_seccomp_names(BERTH_SECCOMP_NAMES_FLAGS);
	int ret;

	/* The caller decides about no_new_privs (process.noNewPrivileges). */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (ret == 0)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/*
	 * A binary tree of syscall numbers rather than a linear list: every
	 * syscall of the container walks ~10 comparisons instead of hundreds, and
	 * the kernel's seccomp() emulates the filter once per syscall number to
	 * build its action cache (1.1 ms for the default profile linear, 0.4 ms
	 * as a tree).
	 */
	if (ret == 0)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (ret < 0)
		return berth_error_set(err, -ret, "seccomp: set filter attributes: %s",
				       strerror(-ret));
	for (unsigned int i = 0; names[i] != NULL; i++) {
		if (!(s->flags & (1u << i)))
			continue;
		if (flag_attr(i) == 0)
			return berth_error_set(err, ENOTSUP, "seccomp: %s is not supported",
					       names[i]);
		ret = seccomp_attr_set(ctx, flag_attr(i), 1);
		if (ret < 0)
			return berth_error_set(err, -ret, "seccomp: %s: %s", names[i],
					       strerror(-ret));
	}
	return 0;
}

static int add_archs(scmp_filter_ctx ctx, const struct berth_seccomp *s, struct berth_error **err)
{
	for (size_t i = 0; i < s->n_archs; i++) {
		int ret = seccomp_arch_add(ctx, s->archs[i]);

		/* The native architecture is always in a new context. */
		if (ret < 0 && ret != -EEXIST)
			return berth_error_set(err, -ret, "seccomp: add architecture 0x%x: %s",
					       s->archs[i], strerror(-ret));
	}
	return 0;
}

static bool shares_an_index(const struct berth_seccomp_rule *r)
{
	unsigned int seen = 0;

	for (size_t i = 0; i < r->n_args; i++) {
		if (seen & (1u << r->args[i].index))
			return true;
		seen |= 1u << r->args[i].index;
	}
	return false;
}

static struct scmp_arg_cmp to_cmp(const struct berth_seccomp_arg *a)
{
	return (struct scmp_arg_cmp){
		.arg = a->index, .op = a->op, .datum_a = a->value, .datum_b = a->value_two
	};
}

static int add_syscall(scmp_filter_ctx ctx, const struct berth_seccomp_rule *r, int nr,
		       const char *name, struct berth_error **err)
{
	struct scmp_arg_cmp cmp[MAX_SYSCALL_ARGS];
	int ret = 0;

	if (shares_an_index(r)) {
		for (size_t i = 0; i < r->n_args && ret == 0; i++) {
			cmp[0] = to_cmp(&r->args[i]);
			ret = seccomp_rule_add_array(ctx, r->action, nr, 1, cmp);
		}
	} else {
		/* Distinct indexes 0..5: at most MAX_SYSCALL_ARGS conditions. */
		for (size_t i = 0; i < r->n_args; i++)
			cmp[i] = to_cmp(&r->args[i]);
		ret = seccomp_rule_add_array(ctx, r->action, nr, (unsigned int)r->n_args, cmp);
	}
	if (ret < 0)
		return berth_error_set(err, -ret, "seccomp: add rule for %s: %s", name,
				       strerror(-ret));
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct berth_seccomp *s, struct berth_error **err)
{
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct berth_seccomp_rule *r = &s->rules[i];

		/* libseccomp refuses these (EACCES); they would change nothing. */
		if (r->action == s->default_action)
			continue;
		for (char **name = r->names; *name != NULL; name++) {
			int nr = seccomp_syscall_resolve_name(*name);

			/* Newer than libseccomp: skip it, as runc does. */
			if (nr == __NR_SCMP_ERROR)
				continue;
			if (add_syscall(ctx, r, nr, *name, err) < 0)
				return berth_error_prefix(err, "syscalls[%zu]", i);
		}
	}
	return 0;
}

/* A libseccomp context holding @s, attributes, architectures and rules. */
static int build(const struct berth_seccomp *s, scmp_filter_ctx *out, struct berth_error **err)
{
	cleanup_scmp scmp_filter_ctx ctx = NULL;
	int ret;

	ctx = seccomp_init(s->default_action);
	if (ctx == NULL)
		return berth_error_set(err, EINVAL,
				       "seccomp: cannot initialise a filter with "
				       "default action 0x%x",
				       s->default_action);
	ret = set_attrs(ctx, s, err);
	if (ret >= 0)
		ret = add_archs(ctx, s, err);
	if (ret >= 0)
		ret = add_rules(ctx, s, err);
	if (ret < 0)
		return ret;
	*out = ctx;
	ctx = NULL;
	return 0;
}

int berth_seccomp_load(const struct berth_seccomp *s, int *notify_fd, struct berth_error **err)
{
	cleanup_scmp scmp_filter_ctx ctx = NULL;
	int ret, fd = -1;

	if ((ret = build(s, &ctx, err)) < 0)
		return ret;
	ret = seccomp_load(ctx);
	if (ret < 0)
		return berth_error_set(err, -ret, "seccomp: load filter: %s", strerror(-ret));
	if (berth_seccomp_has_notify(s)) {
		/* The kernel made it O_CLOEXEC; libseccomp only remembers the number. */
		fd = seccomp_notify_fd(ctx);
		if (fd < 0)
			return berth_error_set(err, fd == -1 ? EBADF : -fd,
					       "seccomp: no listener fd after load");
	}
	*notify_fd = fd;
	return 0;
}

int berth_seccomp_export(const struct berth_seccomp *s, struct sock_filter **insns, size_t *n,
			 struct berth_error **err)
{
	cleanup_scmp scmp_filter_ctx ctx = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	struct sock_filter *buf;
	int ret;

	if ((ret = build(s, &ctx, err)) < 0)
		return ret;
	fd = memfd_create("berth-seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "seccomp: memfd_create");
	ret = seccomp_export_bpf(ctx, fd);
	if (ret < 0)
		return berth_error_set(err, -ret, "seccomp: export the filter: %s", strerror(-ret));
	if (fstat(fd, &st) < 0)
		return berth_error_errno(err, "seccomp: stat the exported filter");
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(*buf) != 0 ||
	    st.st_size > (off_t)(BPF_MAXINSNS * sizeof(*buf)))
		return berth_error_set(err, E2BIG, "seccomp: the filter has %lld bytes",
				       (long long)st.st_size);
	buf = malloc((size_t)st.st_size);
	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		return berth_error_set(err, EIO, "seccomp: read the exported filter");
	}
	*insns = buf;
	*n = (size_t)st.st_size / sizeof(*buf);
	return 0;
}

unsigned int berth_seccomp_kernel_flags(const struct berth_seccomp *s)
{
	unsigned int f = 0;

	if (s->flags & BERTH_SECCOMP_FLAG_TSYNC)
		f |= SECCOMP_FILTER_FLAG_TSYNC;
	if (s->flags & BERTH_SECCOMP_FLAG_LOG)
		f |= SECCOMP_FILTER_FLAG_LOG;
	if (s->flags & BERTH_SECCOMP_FLAG_SPEC_ALLOW)
		f |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	if (s->flags & BERTH_SECCOMP_FLAG_WAIT_KILLABLE_RECV)
		f |= 1u << 5; /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV */
	return f;
}

/* Wrap the container's state in the spec's container process state. */
static int process_state(const struct berth_seccomp *s, const char *state_json, char **out,
			 struct berth_error **err)
{
	json_object *state = NULL, *msg = NULL, *fds = NULL;
	const char *version = NULL;
	int64_t pid = 0;
	int ret;

	ret = berth_json_parse(state_json, strlen(state_json), &state, err);
	if (ret < 0)
		return berth_error_prefix(err, "seccomp listener: state");
	ret = berth_json_string(state, "state", "ociVersion", &version, err);
	if (ret == 0)
		ret = berth_error_set(err, EINVAL, "state.ociVersion: required");
	if (ret > 0)
		ret = berth_json_int(state, "state", "pid", 1, INT32_MAX, &pid, err);
	if (ret == 0)
		ret = berth_error_set(err, EINVAL, "state.pid: required");
	if (ret < 0) {
		json_object_put(state);
		return berth_error_prefix(err, "seccomp listener");
	}
	msg = json_object_new_object();
	fds = json_object_new_array();
	if (msg == NULL || fds == NULL) {
		json_object_put(msg);
		json_object_put(fds);
		json_object_put(state);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	json_object_array_add(fds, json_object_new_string("seccompFd"));
	json_object_object_add(msg, "ociVersion", json_object_new_string(version));
	json_object_object_add(msg, "fds", fds);
	json_object_object_add(msg, "pid", json_object_new_int64(pid));
	if (s->listener_metadata != NULL)
		json_object_object_add(msg, "metadata",
				       json_object_new_string(s->listener_metadata));
	json_object_object_add(msg, "state", state);
	*out = berth_json_dump(msg);
	json_object_put(msg);
	if (*out == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* The first sendmsg carries the fd (the spec allows several, fds only in the first). */
static int send_with_fd(int sock, const char *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (size_t off = (size_t)n; off < len; off += (size_t)n) {
		n = send(sock, buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n < 0)
			n = 0;
	}
	return 0;
}

int berth_seccomp_send_listener(const struct berth_seccomp *s, int notify_fd,
				const char *state_json, struct berth_error **err)
{
	cleanup_free char *msg = NULL;
	cleanup_close int sock = -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int ret;

	if (s == NULL || s->listener_path == NULL)
		return berth_error_set(err, EINVAL, "seccomp listener: no listenerPath");
	if (notify_fd < 0)
		return berth_error_set(err, EBADF, "seccomp listener: no listener fd");
	ret = process_state(s, state_json, &msg, err);
	if (ret < 0)
		return ret;
	/* The parser checked that the path fits. */
	memcpy(addr.sun_path, s->listener_path, strlen(s->listener_path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return berth_error_errno(err, "seccomp listener: socket");
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return berth_error_errno(err, "seccomp listener: connect '%s'", s->listener_path);
	if (send_with_fd(sock, msg, strlen(msg), notify_fd) < 0)
		return berth_error_errno(err, "seccomp listener: send to '%s'", s->listener_path);
	return 0;
}

static bool lib_has_flag(unsigned int i)
{
	switch (1u << i) {
	case BERTH_SECCOMP_FLAG_TSYNC:
		return seccomp_api_get() >= 2;
	case BERTH_SECCOMP_FLAG_LOG:
		return seccomp_api_get() >= 3;
	case BERTH_SECCOMP_FLAG_SPEC_ALLOW:
		return seccomp_api_get() >= 4;
	}
	return flag_attr(i) != 0;
}

/*
 * The kernel validates the flags before it reads the program: a NULL program
 * gives EFAULT when the flags are known and EINVAL when they are not.
 */
static bool kernel_has_flag(unsigned int i)
{
	static const unsigned long kflags[] = {
		SECCOMP_FILTER_FLAG_TSYNC,
		SECCOMP_FILTER_FLAG_LOG,
		SECCOMP_FILTER_FLAG_SPEC_ALLOW,
		/* Only accepted together with a new listener. */
		(1UL << 5) | SECCOMP_FILTER_FLAG_NEW_LISTENER,
	};

	if (i >= BERTH_ARRAY_SIZE(kflags))
		return false;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, kflags[i], NULL) < 0 &&
	       errno == EFAULT;
}

static json_object *strv_json(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; a != NULL && *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

json_object *berth_seccomp_features(void)
{
	const char *const *flags = berth_seccomp_names(BERTH_SECCOMP_NAMES_FLAGS);
	json_object *o = json_object_new_object();
	json_object *supported = json_object_new_array();

	if (o == NULL || supported == NULL) {
		json_object_put(o);
		json_object_put(supported);
		return NULL;
	}
	for (unsigned int i = 0; flags[i] != NULL; i++)
		if (lib_has_flag(i) && kernel_has_flag(i))
			json_object_array_add(supported, json_object_new_string(flags[i]));
	json_object_object_add(o, "enabled", json_object_new_boolean(1));
	json_object_object_add(o, "actions",
			       strv_json(berth_seccomp_names(BERTH_SECCOMP_NAMES_ACTIONS)));
	json_object_object_add(o, "operators",
			       strv_json(berth_seccomp_names(BERTH_SECCOMP_NAMES_OPERATORS)));
	json_object_object_add(o, "archs",
			       strv_json(berth_seccomp_names(BERTH_SECCOMP_NAMES_ARCHS)));
	json_object_object_add(o, "knownFlags", strv_json(flags));
	json_object_object_add(o, "supportedFlags", supported);
	return o;
}
