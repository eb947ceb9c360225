/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runtime/exec.h"
#include "util/cleanup.h"
#include "util/json.h"

/* exec: a process from -p process.json, or from the container's own process and flags. */

struct exec_flags {
	const char *process_file;
	const char *cwd;
	const char *user;
	const char *apparmor;
	const char *label;
	char **env;  /* added KEY=VALUE */
	char **caps; /* added capability names */
	char *gids;
	bool tty, no_new_privs;
};

static int push(char ***v, const char *s)
{
	size_t n = berth_strv_len(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));

	if (nv == NULL)
		return -ENOMEM;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

static int parse_uint(const char *s, const char *what, uint32_t *out, struct berth_error **err)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v >= UINT32_MAX || *s == '-')
		return berth_error_set(err, EINVAL, "%s: invalid id \"%s\"", what, s);
	*out = (uint32_t)v;
	return 0;
}

static int apply_user(struct berth_process *p, const char *user, struct berth_error **err)
{
	cleanup_free char *u = strdup(user);
	char *colon = strchr(u, ':');
	uint32_t v;

	if (colon != NULL)
		*colon++ = '\0';
	if (parse_uint(u, "--user", &v, err) < 0)
		return -EINVAL;
	p->user.uid = v;
	if (colon != NULL) {
		if (parse_uint(colon, "--user", &v, err) < 0)
			return -EINVAL;
		p->user.gid = v;
	}
	return 0;
}

static int apply_gids(struct berth_process *p, char *gids, struct berth_error **err)
{
	size_t n = 1;
	char *save = NULL;
	gid_t *v;

	for (char *c = gids; *c; c++)
		n += *c == ',';
	/* runc appends --additional-gids to the process's own. */
	v = realloc(p->user.additional_gids, (p->user.n_additional_gids + n) * sizeof(gid_t));
	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	p->user.additional_gids = v;
	for (char *t = strtok_r(gids, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint32_t gid;

		if (parse_uint(t, "--additional-gids", &gid, err) < 0)
			return -EINVAL;
		p->user.additional_gids[p->user.n_additional_gids++] = gid;
	}
	return 0;
}

static int apply_caps(struct berth_process *p, char **caps, struct berth_error **err)
{
	for (size_t i = 0; caps != NULL && caps[i] != NULL; i++) {
		int c = berth_cap_from_name(caps[i]);

		if (c < 0)
			return berth_error_set(err, EINVAL, "--cap: unknown capability \"%s\"",
					       caps[i]);
		p->caps.bounding |= 1ULL << c;
		p->caps.effective |= 1ULL << c;
		p->caps.permitted |= 1ULL << c;
	}
	return 0;
}

static int apply_env(struct berth_process *p, char **env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (push(&p->env, env[i]) < 0)
			return -ENOMEM;
	return 0;
}

/* The container's process, changed by the flags, running @args. */
static int process_from_flags(struct exec_flags *f, const struct berth_process *base, char **args,
			      struct berth_process *p, struct berth_error **err)
{
	json_object *none = NULL;
	int ret;

	(void)none;
	memset(p, 0, sizeof(*p));
	*p = *base;
	p->args = NULL;
	p->env = NULL;
	p->cwd = strdup(f->cwd ? f->cwd : (base->cwd ? base->cwd : "/"));
	p->rlimits = base->n_rlimits ? malloc(base->n_rlimits * sizeof(*p->rlimits)) : NULL;
	if (p->rlimits)
		memcpy(p->rlimits, base->rlimits, base->n_rlimits * sizeof(*p->rlimits));
	p->user.additional_gids = NULL;
	p->user.n_additional_gids = 0;
	if (base->user.n_additional_gids > 0) {
		p->user.additional_gids = malloc(base->user.n_additional_gids * sizeof(gid_t));
		if (p->user.additional_gids == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		memcpy(p->user.additional_gids, base->user.additional_gids,
		       base->user.n_additional_gids * sizeof(gid_t));
		p->user.n_additional_gids = base->user.n_additional_gids;
	}
	p->apparmor_profile =
	    f->apparmor ? strdup(f->apparmor)
			: (base->apparmor_profile ? strdup(base->apparmor_profile) : NULL);
	p->selinux_label = f->label ? strdup(f->label)
				    : (base->selinux_label ? strdup(base->selinux_label) : NULL);
	p->terminal = f->tty;
	p->no_new_privileges = base->no_new_privileges || f->no_new_privs;
	for (size_t i = 0; base->env && base->env[i]; i++)
		push(&p->env, base->env[i]);
	for (size_t i = 0; args[i]; i++)
		push(&p->args, args[i]);
	if ((ret = apply_env(p, f->env)) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (f->user && (ret = apply_user(p, f->user, err)) < 0)
		return ret;
	if (f->gids && (ret = apply_gids(p, f->gids, err)) < 0)
		return ret;
	return apply_caps(p, f->caps, err);
}

static int process_from_file(const char *path, struct berth_process *p, struct berth_error **err)
{
	json_object *o = NULL;
	int ret;

	if ((ret = berth_json_parse_file(AT_FDCWD, path, 1u << 20, &o, err)) < 0)
		return ret;
	ret = berth_process_parse(o, "process", p, err);
	json_object_put(o);
	if (ret < 0)
		return berth_error_prefix(err, "%s", path);
	return 0;
}

static int parse_exec_flags(int argc, char **argv, struct exec_flags *f, struct berth_exec_opts *o,
			    struct berth_error **err)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "console-socket", required_argument, NULL, 's' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "detach", no_argument, NULL, 'd' },
		{ "tty", no_argument, NULL, 't' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, 'n' },
		{ "apparmor", required_argument, NULL, 'a' },
		{ "process-label", required_argument, NULL, 'l' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+p:dtw:e:u:g:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			f->process_file = optarg;
			break;
		case 's':
			o->console_socket = optarg;
			break;
		case 'P':
			o->pid_file = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case 't':
			f->tty = true;
			break;
		case 'w':
			f->cwd = optarg;
			break;
		case 'e':
			push(&f->env, optarg);
			break;
		case 'u':
			f->user = optarg;
			break;
		case 'g':
			f->gids = optarg;
			break;
		case 'c':
			push(&f->caps, optarg);
			break;
		case 'n':
			f->no_new_privs = true;
			break;
		case 'a':
			f->apparmor = optarg;
			break;
		case 'l':
			f->label = optarg;
			break;
		case 'f':
			o->preserve_fds = (int)strtol(optarg, NULL, 10);
			if (o->preserve_fds < 0 || o->preserve_fds > 1000)
				return berth_error_set(err, EINVAL,
						       "--preserve-fds: invalid number");
			break;
		default:
			return berth_error_set(err, EINVAL, "exec: invalid flag");
		}
	}
	if (optind >= argc)
		return berth_error_set(err, EINVAL, "exec: a container id is required");
	o->id = argv[optind++];
	if (f->process_file == NULL && optind >= argc)
		return berth_error_set(err, EINVAL,
				       "exec: a command (or -p process.json) is "
				       "required");
	return 0;
}

int cmd_exec(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct exec_flags f = { 0 };
	struct berth_exec_opts o = { .root = g->root };
	struct berth_process p = { 0 };
	struct berth_spec *spec = NULL;
	int ret;

	ret = parse_exec_flags(argc, argv, &f, &o, err);
	if (ret == 0 && f.process_file != NULL)
		ret = process_from_file(f.process_file, &p, err);
	else if (ret == 0 && (ret = berth_container_config(g->root, o.id, &spec, err)) == 0)
		ret = process_from_flags(&f, &spec->process, argv + optind, &p, err);
	if (ret == 0) {
		int console = -1;

		/* A terminal in the foreground without a socket: we hold the master ourselves. */
		if (p.terminal && !o.detach && o.console_socket == NULL)
			o.console_fd = &console;
		o.process = &p;
		ret = berth_container_exec(&o, err);
		if (console >= 0)
			close(console);
	}
	berth_process_release(&p);
	berth_spec_free(spec);
	berth_strv_free(f.env);
	berth_strv_free(f.caps);
	return ret < 0 ? 1 : ret;
}
