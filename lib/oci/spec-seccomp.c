/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "oci/spec-seccomp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "util/cleanup.h"
#include "util/json.h"

/* Name tables: NULL-terminated so berth_seccomp_names() can hand them out. */
static const char *const action_names[] = {
	"SCMP_ACT_KILL",	"SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO",	"SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW",	"SCMP_ACT_LOG",
	"SCMP_ACT_NOTIFY",	NULL,
};
/* SCMP_ACT_KILL is the historical name of KILL_THREAD, as in libseccomp. */
static const uint32_t action_values[] = {
	SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD,
	SCMP_ACT_TRAP,	      SCMP_ACT_ERRNO(0),     SCMP_ACT_TRACE(0),
	SCMP_ACT_ALLOW,	      SCMP_ACT_LOG,	     SCMP_ACT_NOTIFY,
};

static const char *const op_names[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};
static const uint32_t op_values[] = {
	SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,	      SCMP_CMP_EQ,
	SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ,
};

/* The architectures libseccomp 2.5 knows (the runtime-spec's list). */
static const char *const arch_names[] = {
	"SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",	    "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",	   "SCMP_ARCH_MIPS64",	    "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",	    "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",	    NULL,
};
static const uint32_t arch_values[] = {
	SCMP_ARCH_X86,	   SCMP_ARCH_X86_64,   SCMP_ARCH_X32,	      SCMP_ARCH_ARM,
	SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS,     SCMP_ARCH_MIPS64,      SCMP_ARCH_MIPS64N32,
	SCMP_ARCH_MIPSEL,  SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC,
	SCMP_ARCH_PPC64,   SCMP_ARCH_PPC64LE,  SCMP_ARCH_S390,	      SCMP_ARCH_S390X,
	SCMP_ARCH_PARISC,  SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64,
};

/* Element i is the flag 1 << i (enum berth_seccomp_flags). */
static const char *const flag_names[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	NULL,
};

_Static_assert(BERTH_ARRAY_SIZE(action_names) == BERTH_ARRAY_SIZE(action_values) + 1, "actions");
_Static_assert(BERTH_ARRAY_SIZE(op_names) == BERTH_ARRAY_SIZE(op_values) + 1, "operators");
_Static_assert(BERTH_ARRAY_SIZE(arch_names) == BERTH_ARRAY_SIZE(arch_values) + 1, "archs");

/* Wait-killable receive needs SCMP_FLTATR_CTL_WAITKILL, new in libseccomp 2.6. */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define HAVE_WAITKILL 1
#else
#define HAVE_WAITKILL 0
#endif

const char *const *berth_seccomp_names(enum berth_seccomp_names which)
{
	switch (which) {
	case BERTH_SECCOMP_NAMES_ACTIONS:
		return action_names;
	case BERTH_SECCOMP_NAMES_OPERATORS:
		return op_names;
	case BERTH_SECCOMP_NAMES_ARCHS:
		return arch_names;
	case BERTH_SECCOMP_NAMES_FLAGS:
		return flag_names;
	}
	return NULL;
}

static int lookup(const char *const *names, const char *name)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* A required string: absent is an error naming the key. */
static int required_string(json_object *obj, const char *path, const char *key, const char **out,
			   struct berth_error **err)
{
	int ret = berth_json_string(obj, path, key, out, err);
	cleanup_free char *p = NULL;

	if (ret != 0)
		return ret;
	p = berth_json_path(path, key);
	return berth_error_set(err, EINVAL, "%s: required", p);
}

/*
 * The action at @akey with its errno / trace data at @ekey.  The spec lets
 * only ERRNO and TRACE carry a return code; both default to EPERM.
 */
static int parse_action(json_object *obj, const char *path, const char *akey, const char *ekey,
			uint32_t *out, struct berth_error **err)
{
	cleanup_free char *ap = berth_json_path(path, akey);
	cleanup_free char *ep = berth_json_path(path, ekey);
	const char *name = NULL;
	int64_t ret_code = EPERM;
	int ret, i;

	ret = required_string(obj, path, akey, &name, err);
	if (ret < 0)
		return ret;
	i = lookup(action_names, name);
	if (i < 0)
		return berth_error_set(err, EINVAL, "%s: unknown action \"%s\"", ap, name);
	ret = berth_json_int(obj, path, ekey, 0, 0xffff, &ret_code, err);
	if (ret < 0)
		return ret;
	*out = action_values[i];
	if (*out == SCMP_ACT_ERRNO(0))
		*out = SCMP_ACT_ERRNO((uint32_t)ret_code);
	else if (*out == SCMP_ACT_TRACE(0))
		*out = SCMP_ACT_TRACE((uint32_t)ret_code);
	else if (ret > 0)
		return berth_error_set(
		    err, EINVAL, "%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", ep,
		    name);
	return 0;
}

static int parse_archs(json_object *obj, const char *path, struct berth_seccomp *s,
		       struct berth_error **err)
{
	cleanup_strv char **v = NULL;
	cleanup_free char *p = berth_json_path(path, "architectures");
	size_t n;
	int ret;

	ret = berth_json_strv(obj, path, "architectures", &v, err);
	if (ret <= 0)
		return ret;
	n = berth_strv_len(v);
	s->archs = calloc(n ? n : 1, sizeof(*s->archs));
	if (s->archs == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int k = lookup(arch_names, v[i]);

		if (k < 0)
			return berth_error_set(err, EINVAL, "%s[%zu]: unknown architecture \"%s\"",
					       p, i, v[i]);
		s->archs[s->n_archs++] = arch_values[k];
	}
	return 0;
}

static int parse_flags(json_object *obj, const char *path, struct berth_seccomp *s,
		       struct berth_error **err)
{
	cleanup_strv char **v = NULL;
	cleanup_free char *p = berth_json_path(path, "flags");
	int ret;

	ret = berth_json_strv(obj, path, "flags", &v, err);
	if (ret <= 0)
		return ret;
	for (size_t i = 0; v[i] != NULL; i++) {
		int k = lookup(flag_names, v[i]);

		if (k < 0)
			return berth_error_set(err, EINVAL, "%s[%zu]: unknown flag \"%s\"", p, i,
					       v[i]);
		if (1u << k == BERTH_SECCOMP_FLAG_WAIT_KILLABLE_RECV && !HAVE_WAITKILL)
			return berth_error_set(err, ENOTSUP,
					       "%s[%zu]: %s is not supported by libseccomp %d.%d "
					       "(needs 2.6)",
					       p, i, v[i], SCMP_VER_MAJOR, SCMP_VER_MINOR);
		s->flags |= 1u << k;
	}
	return 0;
}

static int parse_listener(json_object *obj, const char *path, struct berth_seccomp *s,
			  struct berth_error **err)
{
	cleanup_free char *lp = berth_json_path(path, "listenerPath");
	cleanup_free char *mp = berth_json_path(path, "listenerMetadata");
	const char *listener = NULL, *meta = NULL;
	int ret;

	ret = berth_json_string(obj, path, "listenerPath", &listener, err);
	if (ret < 0)
		return ret;
	if (ret > 0 && *listener == '\0')
		return berth_error_set(err, EINVAL, "%s: must not be empty", lp);
	if (ret > 0 && strlen(listener) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return berth_error_set(err, ENAMETOOLONG,
				       "%s: \"%s\" is too long for a unix socket", lp, listener);
	ret = berth_json_string(obj, path, "listenerMetadata", &meta, err);
	if (ret < 0)
		return ret;
	if (ret > 0 && listener == NULL)
		return berth_error_set(err, EINVAL, "%s: must not be set without %s", mp, lp);
	if ((listener && !(s->listener_path = strdup(listener))) ||
	    (meta && !(s->listener_metadata = strdup(meta))))
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int parse_arg(json_object *node, const char *path, struct berth_seccomp_arg *a,
		     struct berth_error **err)
{
	cleanup_free char *ip = berth_json_path(path, "index");
	cleanup_free char *vp = berth_json_path(path, "value");
	cleanup_free char *op = berth_json_path(path, "op");
	const char *name = NULL;
	int64_t index;
	int ret, k;

	ret = berth_json_as_object(node, path, err);
	if (ret < 0)
		return ret;
	ret = berth_json_int(node, path, "index", 0, 5, &index, err);
	if (ret <= 0)
		return ret < 0 ? ret : berth_error_set(err, EINVAL, "%s: required", ip);
	a->index = (unsigned int)index;
	ret = berth_json_uint64(node, path, "value", &a->value, err);
	if (ret <= 0)
		return ret < 0 ? ret : berth_error_set(err, EINVAL, "%s: required", vp);
	ret = berth_json_uint64(node, path, "valueTwo", &a->value_two, err);
	if (ret < 0)
		return ret;
	ret = required_string(node, path, "op", &name, err);
	if (ret < 0)
		return ret;
	k = lookup(op_names, name);
	if (k < 0)
		return berth_error_set(err, EINVAL, "%s: unknown operator \"%s\"", op, name);
	a->op = (enum scmp_compare)op_values[k];
	return 0;
}

static int parse_args(json_object *obj, const char *path, struct berth_seccomp_rule *r,
		      struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "args");
	json_object *arr = NULL;
	size_t n;
	int ret;

	ret = berth_json_array(obj, path, "args", &arr, err);
	if (ret <= 0)
		return ret;
	n = json_object_array_length(arr);
	r->args = calloc(n ? n : 1, sizeof(*r->args));
	if (r->args == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++, r->n_args++) {
		cleanup_free char *ip = berth_json_index(p, i);

		ret = parse_arg(json_object_array_get_idx(arr, i), ip, &r->args[i], err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int parse_rule(json_object *node, const char *path, struct berth_seccomp_rule *r,
		      struct berth_error **err)
{
	cleanup_free char *np = berth_json_path(path, "names");
	int ret;

	ret = berth_json_as_object(node, path, err);
	if (ret < 0)
		return ret;
	ret = berth_json_strv(node, path, "names", &r->names, err);
	if (ret < 0)
		return ret;
	if (ret == 0 || r->names[0] == NULL)
		return berth_error_set(err, EINVAL, "%s: at least one syscall name is required",
				       np);
	for (size_t i = 0; r->names[i] != NULL; i++)
		if (r->names[i][0] == '\0')
			return berth_error_set(err, EINVAL, "%s[%zu]: must not be empty", np, i);
	ret = parse_action(node, path, "action", "errnoRet", &r->action, err);
	if (ret < 0)
		return ret;
	return parse_args(node, path, r, err);
}

static int parse_rules(json_object *obj, const char *path, struct berth_seccomp *s,
		       struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "syscalls");
	cleanup_free char *lp = berth_json_path(path, "listenerPath");
	json_object *arr = NULL;
	size_t n;
	int ret;

	ret = berth_json_array(obj, path, "syscalls", &arr, err);
	if (ret <= 0)
		return ret;
	n = json_object_array_length(arr);
	s->rules = calloc(n ? n : 1, sizeof(*s->rules));
	if (s->rules == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *ip = berth_json_index(p, i);
		struct berth_seccomp_rule *r = &s->rules[s->n_rules++];

		ret = parse_rule(json_object_array_get_idx(arr, i), ip, r, err);
		if (ret < 0)
			return ret;
		/* The notify fd must go somewhere, or the syscall would block forever. */
		if (r->action == SCMP_ACT_NOTIFY && s->listener_path == NULL)
			return berth_error_set(err, EINVAL,
					       "%s.action: SCMP_ACT_NOTIFY requires %s", ip, lp);
	}
	return 0;
}

static int parse_all(json_object *obj, const char *path, struct berth_seccomp *s,
		     struct berth_error **err)
{
	cleanup_free char *dp = berth_json_path(path, "defaultAction");
	int ret;

	ret = berth_json_as_object(obj, path, err);
	if (ret < 0)
		return ret;
	ret = parse_action(obj, path, "defaultAction", "defaultErrnoRet", &s->default_action, err);
	if (ret < 0)
		return ret;
	/* The kernel has no default-notify; libseccomp refuses it too. */
	if (s->default_action == SCMP_ACT_NOTIFY)
		return berth_error_set(err, EINVAL,
				       "%s: SCMP_ACT_NOTIFY cannot be the default action", dp);
	ret = parse_archs(obj, path, s, err);
	if (ret >= 0)
		ret = parse_flags(obj, path, s, err);
	if (ret >= 0)
		ret = parse_listener(obj, path, s, err);
	if (ret >= 0)
		ret = parse_rules(obj, path, s, err);
	return ret < 0 ? ret : 0;
}

int berth_seccomp_parse(json_object *obj, const char *path, struct berth_seccomp **out,
			struct berth_error **err)
{
	struct berth_seccomp *s = calloc(1, sizeof(*s));
	int ret;

	if (s == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	ret = parse_all(obj, path, s, err);
	if (ret < 0) {
		berth_seccomp_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void berth_seccomp_free(struct berth_seccomp *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_rules; i++) {
		berth_strv_free(s->rules[i].names);
		free(s->rules[i].args);
	}
	free(s->rules);
	free(s->archs);
	free(s->listener_path);
	free(s->listener_metadata);
	free(s);
}

bool berth_seccomp_has_notify(const struct berth_seccomp *s)
{
	for (size_t i = 0; s != NULL && i < s->n_rules; i++)
		if (s->rules[i].action == SCMP_ACT_NOTIFY)
			return true;
	return false;
}

const char *berth_seccomp_listener_path(const struct berth_seccomp *s)
{
	return s ? s->listener_path : NULL;
}
