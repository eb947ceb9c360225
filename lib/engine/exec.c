/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "engine/live.h"
#include "image/runconfig.h"
#include "oci/spec.h"
#include "runtime/exec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

char **berth_env_merge(char *const *env, char *const *add)
{
	size_t n = 0, m = 0;
	char **out;

	while (env && env[n])
		n++;
	while (add && add[m])
		m++;
	out = calloc(n + m + 1, sizeof(*out));
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((out[i] = strdup(env[i])) == NULL)
			goto oom;
	for (size_t j = 0; j < m; j++) {
		size_t k = key_len(add[j]), i;
		char *dup = strdup(add[j]);

		if (dup == NULL)
			goto oom;
		for (i = 0; i < n; i++)
			if (key_len(out[i]) == k && strncmp(out[i], add[j], k) == 0)
				break;
		if (i < n)
			free(out[i]);
		else
			n++;
		out[i] = dup;
	}
	return out;
oom:
	berth_strv_free(out);
	return NULL;
}

static int copy_gids(struct berth_user *dst, const gid_t *gids, size_t n)
{
	dst->additional_gids = NULL;
	dst->n_additional_gids = 0;
	if (n == 0)
		return 0;
	dst->additional_gids = malloc(n * sizeof(gid_t));
	if (dst->additional_gids == NULL)
		return -ENOMEM;
	memcpy(dst->additional_gids, gids, n * sizeof(gid_t));
	dst->n_additional_gids = n;
	return 0;
}

/* A deep copy of @base that berth_process_release() can free. */
static int process_copy(const struct berth_process *base, struct berth_process *p)
{
	*p = *base;
	p->args = NULL;
	p->env = NULL;
	p->cwd = strdup(base->cwd ? base->cwd : "/");
	p->rlimits = NULL;
	p->apparmor_profile = base->apparmor_profile ? strdup(base->apparmor_profile) : NULL;
	p->selinux_label = base->selinux_label ? strdup(base->selinux_label) : NULL;
	if (base->n_rlimits > 0) {
		p->rlimits = malloc(base->n_rlimits * sizeof(*p->rlimits));
		if (p->rlimits != NULL)
			memcpy(p->rlimits, base->rlimits, base->n_rlimits * sizeof(*p->rlimits));
	}
	if (copy_gids(&p->user, base->user.additional_gids, base->user.n_additional_gids) < 0 ||
	    p->cwd == NULL || (base->n_rlimits > 0 && p->rlimits == NULL))
		return -ENOMEM;
	return 0;
}

/* -u: Docker resolves it in the container's own /etc/passwd and /etc/group. */
static int apply_user(struct berth_engine *e, const struct berth_ctr *c, const char *spec,
		      struct berth_process *p, struct berth_error **err)
{
	gid_t *gids = NULL;
	size_t n = 0;
	bool mounted;
	int rootfd, ret;

	rootfd = berth_ctr_rootfs_open(e, c, &mounted, err);
	if (rootfd < 0)
		return rootfd;
	ret = berth_user_resolve(rootfd, spec, &p->user.uid, &p->user.gid, &gids, &n, err);
	berth_ctr_rootfs_close(e, c->id, rootfd, mounted);
	if (ret < 0)
		return berth_error_ret(err);
	free(p->user.additional_gids);
	p->user.additional_gids = gids;
	p->user.n_additional_gids = n;
	return 0;
}

/* Our own permitted set: "all" cannot be more than what we hold (root may lack some here). */
static uint64_t own_permitted(void)
{
	cleanup_free char *buf = NULL;
	struct berth_error *err = NULL;
	unsigned long long v = 0;
	char *line;

	if (berth_read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &buf, NULL, &err) < 0) {
		berth_error_free(err);
		return 0;
	}
	line = strstr(buf, "\nCapPrm:");
	if (line == NULL || sscanf(line, "\nCapPrm: %llx", &v) != 1)
		return 0;
	return (uint64_t)v;
}

static void all_caps(struct berth_capabilities *caps)
{
	int last = berth_cap_last();
	uint64_t all = (last >= 63 ? UINT64_MAX : (1ULL << (last + 1)) - 1) & own_permitted();

	caps->present = true;
	caps->bounding = caps->effective = caps->permitted = all;
}

static int build_process(struct berth_engine *e, const struct berth_ctr *c,
			 const struct berth_ctr_exec_opts *o, const struct berth_process *base,
			 struct berth_process *p, struct berth_error **err)
{
	if (process_copy(base, p) < 0 || (p->env = berth_env_merge(base->env, o->env)) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	p->args = berth_env_merge(o->args, NULL);
	if (p->args == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (o->workdir != NULL) {
		if (o->workdir[0] != '/')
			return berth_error_set(err, EINVAL,
					       "the working directory '%s' is invalid, it needs to "
					       "be an absolute path",
					       o->workdir);
		free(p->cwd);
		if ((p->cwd = strdup(o->workdir)) == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	if (o->user != NULL && o->user[0] != '\0' && apply_user(e, c, o->user, p, err) < 0)
		return berth_error_ret(err);
	if (o->privileged)
		all_caps(&p->caps);
	p->terminal = o->tty;
	return 0;
}

int berth_ctr_exec(struct berth_engine *e, const struct berth_ctr_exec_opts *o,
		   struct berth_error **err)
{
	struct berth_process p = { 0 };
	struct berth_spec *spec = NULL;
	struct berth_ctr *c = NULL;
	int console = -1, ret;

	if (o->args == NULL || o->args[0] == NULL)
		return berth_error_set(err, EINVAL, "exec: no command given");
	if ((ret = berth_ctr_get(e, o->ref, &c, err)) < 0)
		return ret;
	if ((ret = berth_ctr_require_running(c, false, err)) == 0 &&
	    (ret = berth_container_config(e->runtime, c->id, &spec, err)) == 0 &&
	    (ret = build_process(e, c, o, &spec->process, &p, err)) == 0) {
		struct berth_exec_opts eo = {
			.root = e->runtime,
			.id = c->id,
			.process = &p,
			.detach = o->detach,
		};

		/* Without a console socket the runtime relays the pty itself (tty-proxy.c). */
		if (p.terminal)
			eo.console_fd = &console;
		ret = berth_container_exec(&eo, err);
		if (console >= 0)
			close(console);
	}
	berth_process_release(&p);
	berth_spec_free(spec);
	berth_ctr_free(c);
	return ret;
}
