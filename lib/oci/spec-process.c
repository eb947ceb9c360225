/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/json.h"

/*
 * The "process" object: shared by config.json and `exec -p process.json`.
 */

static int parse_caps_set(json_object *caps, const char *path, const char *key, uint64_t *mask,
			  struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, key);
	json_object *arr = NULL;
	int ret;

	ret = berth_json_array(caps, path, key, &arr, err);
	if (ret <= 0)
		return ret;
	*mask = 0;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		cleanup_free char *ip = berth_json_index(p, i);
		const char *name = NULL;
		int cap;

		ret = berth_json_as_string(json_object_array_get_idx(arr, i), ip, &name, err);
		if (ret < 0)
			return ret;
		cap = berth_cap_from_name(name);
		if (cap < 0)
			return berth_error_set(err, EINVAL, "%s: unknown capability \"%s\"", ip,
					       name);
		*mask |= 1ULL << cap;
	}
	return 1;
}

static int parse_caps(json_object *proc, const char *path, struct berth_capabilities *c,
		      struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "capabilities");
	json_object *caps = NULL;
	int ret;

	ret = berth_json_object(proc, path, "capabilities", &caps, err);
	if (ret <= 0)
		return ret;
	c->present = true;
	if ((ret = parse_caps_set(caps, p, "bounding", &c->bounding, err)) < 0 ||
	    (ret = parse_caps_set(caps, p, "effective", &c->effective, err)) < 0 ||
	    (ret = parse_caps_set(caps, p, "inheritable", &c->inheritable, err)) < 0 ||
	    (ret = parse_caps_set(caps, p, "permitted", &c->permitted, err)) < 0 ||
	    (ret = parse_caps_set(caps, p, "ambient", &c->ambient, err)) < 0)
		return ret;
	return 0;
}

static int parse_rlimits(json_object *proc, const char *path, struct berth_process *out,
			 struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "rlimits");
	json_object *arr = NULL;
	size_t n;
	int ret;

	ret = berth_json_array(proc, path, "rlimits", &arr, err);
	if (ret <= 0)
		return ret;
	n = json_object_array_length(arr);
	out->rlimits = calloc(n ? n : 1, sizeof(*out->rlimits));
	if (out->rlimits == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *ip = berth_json_index(p, i);
		json_object *rl = json_object_array_get_idx(arr, i);
		struct berth_rlimit *r = &out->rlimits[i];
		const char *type = NULL;

		if ((ret = berth_json_as_object(rl, ip, err)) < 0)
			return ret;
		ret = berth_json_string(rl, ip, "type", &type, err);
		if (ret == 0)
			return berth_error_set(err, EINVAL, "%s.type: required", ip);
		if (ret < 0)
			return ret;
		r->resource = berth_rlimit_from_name(type);
		if (r->resource < 0)
			return berth_error_set(err, EINVAL, "%s.type: unknown rlimit \"%s\"", ip,
					       type);
		for (size_t j = 0; j < i; j++)
			if (out->rlimits[j].resource == r->resource)
				return berth_error_set(
				    err, EINVAL, "%s.type: duplicate rlimit \"%s\"", ip, type);
		if ((ret = berth_json_uint64(rl, ip, "soft", &r->soft, err)) < 0 ||
		    (ret = berth_json_uint64(rl, ip, "hard", &r->hard, err)) < 0)
			return ret;
		if (r->soft > r->hard)
			return berth_error_set(err, EINVAL, "%s: soft limit above hard limit", ip);
		out->n_rlimits++;
	}
	return 0;
}

static int parse_user(json_object *proc, const char *path, struct berth_user *u,
		      struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "user");
	json_object *user = NULL, *gids = NULL;
	int64_t v;
	int ret;

	u->umask = -1;
	ret = berth_json_object(proc, path, "user", &user, err);
	if (ret <= 0)
		return ret;
	if ((ret = berth_json_int(user, p, "uid", 0, UINT32_MAX - 1, &v, err)) < 0)
		return ret;
	u->uid = ret ? (uid_t)v : 0;
	if ((ret = berth_json_int(user, p, "gid", 0, UINT32_MAX - 1, &v, err)) < 0)
		return ret;
	u->gid = ret ? (gid_t)v : 0;
	if ((ret = berth_json_int(user, p, "umask", 0, 0777, &v, err)) < 0)
		return ret;
	if (ret)
		u->umask = (int)v;
	ret = berth_json_array(user, p, "additionalGids", &gids, err);
	if (ret <= 0)
		return ret;
	u->n_additional_gids = json_object_array_length(gids);
	u->additional_gids = calloc(u->n_additional_gids + 1, sizeof(gid_t));
	if (u->additional_gids == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < u->n_additional_gids; i++) {
		cleanup_free char *gp = berth_json_path(p, "additionalGids");
		cleanup_free char *ip = berth_json_index(gp, i);

		ret = berth_json_as_int(json_object_array_get_idx(gids, i), ip, 0, UINT32_MAX - 1,
					&v, err);
		if (ret < 0)
			return ret;
		u->additional_gids[i] = (gid_t)v;
	}
	return 0;
}

static int parse_console_size(json_object *proc, const char *path, struct berth_process *out,
			      struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "consoleSize");
	json_object *cs = NULL;
	int64_t v;
	int ret;

	ret = berth_json_object(proc, path, "consoleSize", &cs, err);
	if (ret <= 0)
		return ret;
	if ((ret = berth_json_int(cs, p, "height", 0, UINT16_MAX, &v, err)) < 0)
		return ret;
	out->console_height = ret ? (unsigned)v : 0;
	if ((ret = berth_json_int(cs, p, "width", 0, UINT16_MAX, &v, err)) < 0)
		return ret;
	out->console_width = ret ? (unsigned)v : 0;
	return 0;
}

static int parse_io_priority(json_object *proc, const char *path, struct berth_io_priority *io,
			     struct berth_error **err)
{
	static const struct {
		const char *name;
		int class;
	} classes[] = {
		{ "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT },
		{ "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
		{ "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE },
	};
	cleanup_free char *p = berth_json_path(path, "ioPriority");
	json_object *o = NULL;
	const char *cls = NULL;
	int64_t v = 0;
	int ret;

	ret = berth_json_object(proc, path, "ioPriority", &o, err);
	if (ret <= 0)
		return ret;
	ret = berth_json_string(o, p, "class", &cls, err);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return berth_error_set(err, EINVAL, "%s.class: required", p);
	io->class = -1;
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(classes); i++)
		if (strcmp(cls, classes[i].name) == 0)
			io->class = classes[i].class;
	if (io->class < 0)
		return berth_error_set(err, EINVAL, "%s.class: unknown class \"%s\"", p, cls);
	if ((ret = berth_json_int(o, p, "priority", 0, 7, &v, err)) < 0)
		return ret;
	io->priority = (int)v;
	io->present = true;
	return 0;
}

static int sched_policy_from_name(const char *name)
{
	static const struct {
		const char *name;
		int policy;
	} policies[] = {
		{ "SCHED_OTHER", SCHED_OTHER },
		{ "SCHED_FIFO", SCHED_FIFO },
		{ "SCHED_RR", SCHED_RR },
		{ "SCHED_BATCH", SCHED_BATCH },
		{ "SCHED_ISO", 4 },
		{ "SCHED_IDLE", SCHED_IDLE },
		{ "SCHED_DEADLINE", 6 },
	};

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(policies); i++)
		if (strcmp(name, policies[i].name) == 0)
			return policies[i].policy;
	return -1;
}

static int sched_flag_from_name(const char *name)
{
	static const char *const flags[] = {
		"SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
		"SCHED_FLAG_KEEP_POLICY",    "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
		"SCHED_FLAG_UTIL_CLAMP_MAX",
	};

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(flags); i++)
		if (strcmp(name, flags[i]) == 0)
			return (int)i;
	return -1;
}

static int parse_sched_flags(json_object *o, const char *p, struct berth_scheduler *s,
			     struct berth_error **err)
{
	cleanup_strv char **flags = NULL;
	cleanup_free char *fp = berth_json_path(p, "flags");
	int ret;

	ret = berth_json_strv(o, p, "flags", &flags, err);
	if (ret <= 0)
		return ret;
	for (size_t i = 0; flags[i] != NULL; i++) {
		int bit = sched_flag_from_name(flags[i]);

		if (bit < 0)
			return berth_error_set(err, EINVAL, "%s[%zu]: unknown flag \"%s\"", fp, i,
					       flags[i]);
		s->flags |= 1ULL << bit;
	}
	return 0;
}

static int parse_scheduler(json_object *proc, const char *path, struct berth_scheduler *s,
			   struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, "scheduler");
	json_object *o = NULL;
	const char *pol = NULL;
	int64_t v;
	int ret;

	ret = berth_json_object(proc, path, "scheduler", &o, err);
	if (ret <= 0)
		return ret;
	ret = berth_json_string(o, p, "policy", &pol, err);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return berth_error_set(err, EINVAL, "%s.policy: required", p);
	s->policy = sched_policy_from_name(pol);
	if (s->policy < 0)
		return berth_error_set(err, EINVAL, "%s.policy: unknown policy \"%s\"", p, pol);
	if ((ret = berth_json_int(o, p, "nice", -20, 19, &v, err)) < 0)
		return ret;
	s->nice = ret ? (int)v : 0;
	if ((ret = berth_json_int(o, p, "priority", 0, 99, &v, err)) < 0)
		return ret;
	s->priority = ret ? (int)v : 0;
	if ((ret = berth_json_uint64(o, p, "runtime", &s->runtime, err)) < 0 ||
	    (ret = berth_json_uint64(o, p, "deadline", &s->deadline, err)) < 0 ||
	    (ret = berth_json_uint64(o, p, "period", &s->period, err)) < 0)
		return ret;
	if ((ret = parse_sched_flags(o, p, s, err)) < 0)
		return ret;
	s->present = true;
	return 0;
}

static int parse_strings(json_object *proc, const char *path, struct berth_process *out,
			 struct berth_error **err)
{
	const char *s = NULL;
	int ret;

	if ((ret = berth_json_strv(proc, path, "args", &out->args, err)) < 0 ||
	    (ret = berth_json_strv(proc, path, "env", &out->env, err)) < 0)
		return ret;
	if ((ret = berth_json_string(proc, path, "cwd", &s, err)) < 0)
		return ret;
	out->cwd = strdup(ret ? s : "/");
	if (out->cwd[0] != '/')
		return berth_error_set(err, EINVAL, "%s.cwd: must be an absolute path", path);
	s = NULL;
	if ((ret = berth_json_string(proc, path, "apparmorProfile", &s, err)) < 0)
		return ret;
	if (ret && *s)
		out->apparmor_profile = strdup(s);
	s = NULL;
	if ((ret = berth_json_string(proc, path, "selinuxLabel", &s, err)) < 0)
		return ret;
	if (ret && *s)
		out->selinux_label = strdup(s);
	for (size_t i = 0; out->env != NULL && out->env[i] != NULL; i++)
		if (strchr(out->env[i], '=') == NULL)
			return berth_error_set(err, EINVAL, "%s.env[%zu]: \"%s\" is not KEY=VALUE",
					       path, i, out->env[i]);
	return 0;
}

int berth_process_parse(json_object *proc, const char *path, struct berth_process *out,
			struct berth_error **err)
{
	int64_t v = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->user.umask = -1;
	if ((ret = berth_json_as_object(proc, path, err)) < 0 ||
	    (ret = berth_json_bool(proc, path, "terminal", &out->terminal, err)) < 0 ||
	    (ret = parse_console_size(proc, path, out, err)) < 0 ||
	    (ret = parse_user(proc, path, &out->user, err)) < 0 ||
	    (ret = parse_strings(proc, path, out, err)) < 0 ||
	    (ret = parse_caps(proc, path, &out->caps, err)) < 0 ||
	    (ret = parse_rlimits(proc, path, out, err)) < 0 ||
	    (ret = berth_json_bool(proc, path, "noNewPrivileges", &out->no_new_privileges, err)) <
		0 ||
	    (ret = parse_io_priority(proc, path, &out->io_priority, err)) < 0 ||
	    (ret = parse_scheduler(proc, path, &out->scheduler, err)) < 0)
		return ret;
	ret = berth_json_int(proc, path, "oomScoreAdj", -1000, 1000, &v, err);
	if (ret < 0)
		return ret;
	out->has_oom_score_adj = ret == 1;
	out->oom_score_adj = (int)v;
	if (out->args == NULL || out->args[0] == NULL)
		return berth_error_set(err, EINVAL, "%s.args: at least one argument required",
				       path);
	return 0;
}

void berth_process_release(struct berth_process *p)
{
	berth_strv_free(p->args);
	berth_strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->user.additional_gids);
	free(p->apparmor_profile);
	free(p->selinux_label);
	memset(p, 0, sizeof(*p));
}
