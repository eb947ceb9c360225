/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/spec-seccomp.h"
#include "runtime/caps.h"
#include "runtime/launch.h"
#include "runtime/lsm.h"
#include "runtime/process-attrs.h"
#include "runtime/seccomp-cache.h"
#include "runtime/seccomp.h"
#include "runtime/sync.h"
#include "util/cleanup.h"

/*
 * The last steps before execve, shared by the init and `exec`.  Order
 * matters: what needs privilege (oom_score_adj below 0, rlimits above the
 * hard limit, the scheduler) comes before the capabilities are dropped;
 * without no_new_privs seccomp is loaded while CAP_SYS_ADMIN is still held
 * (as runc does), with it as late as possible.
 */

static bool seccomp_loaded;

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_path(char *const *env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			return env[i] + 5;
	return DEFAULT_PATH;
}

static bool is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int berth_find_executable(const char *file, char *const *env, char **out, struct berth_error **err)
{
	cleanup_free char *dirs = NULL;
	char *save = NULL;

	if (strchr(file, '/') != NULL) {
		if (!is_executable(file))
			return berth_error_errno(err, "exec: '%s'", file);
		*out = strdup(file);
		return 0;
	}
	dirs = strdup(env_path(env));
	for (char *d = strtok_r(dirs, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		char *cand = NULL;

		if (asprintf(&cand, "%s/%s", *d ? d : ".", file) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (is_executable(cand)) {
			*out = cand;
			return 0;
		}
		free(cand);
	}
	return berth_error_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH",
			       file);
}

static int set_attributes(const struct berth_spec *spec, const struct berth_process *p,
			  struct berth_error **err)
{
	int ret;

	if (p->has_oom_score_adj &&
	    (ret = berth_process_set_oom_score_adj(p->oom_score_adj, err)) < 0)
		return ret;
	if ((ret = berth_process_set_rlimits(p->rlimits, p->n_rlimits, err)) < 0)
		return ret;
	if (p->io_priority.present && (ret = berth_process_set_ioprio(&p->io_priority, err)) < 0)
		return ret;
	if (p->scheduler.present && (ret = berth_process_set_scheduler(&p->scheduler, err)) < 0)
		return ret;
	if (spec->personality_domain &&
	    (ret = berth_process_set_personality(spec->personality_domain, err)) < 0)
		return ret;
	return berth_lsm_apply(p, err);
}

/*
 * Load the profile once.  A NOTIFY profile hands its listener to the parent
 * over @sync (the parent passes it to listenerPath), so it is loaded before the
 * parent goes away, while CAP_SYS_ADMIN is still held if no_new_privs is off.
 */
static int load_seccomp(const struct berth_spec *spec, const struct berth_seccomp_prog *prog,
			int sync, struct berth_error **err)
{
	int notify = -1, ret;

	if (spec->seccomp == NULL || seccomp_loaded)
		return 0;
	if (prog != NULL)
		ret = berth_seccomp_prog_load(prog, err);
	else
		ret = berth_seccomp_load(spec->seccomp, &notify, err);
	if (ret < 0)
		return berth_error_prefix(err, "linux.seccomp");
	seccomp_loaded = true;
	if (notify < 0)
		return 0;
	ret = sync >= 0 ? berth_sync_send(sync, BERTH_SYNC_SECCOMP, 0, notify, NULL) : -EPIPE;
	close(notify);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "send the seccomp listener");
	}
	return 0;
}

/*
 * A session keyring of the container's own, as runc makes one, so its keys
 * are not the runtime caller's (--no-new-keyring keeps the caller's).  The
 * possessor (the container) has every right, its owner all but setattr,
 * group and others none.  Joining by name finds the keyring again, so `exec`
 * shares the container's.
 */
int berth_join_session_keyring(const char *id, struct berth_error **err)
{
	char name[1100];
	long serial;

	snprintf(name, sizeof(name), "_ses.%s", id);
	serial = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
	if (serial < 0) {
		/* Kernels without keys (or a seccomp profile of the caller): not fatal, as runc. */
		if (errno == ENOSYS)
			return 0;
		return berth_error_errno(err, "join a new session keyring");
	}
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, serial, 0x3f1f0000, 0, 0) < 0)
		return berth_error_errno(err, "set the session keyring's permissions");
	return 0;
}

static int enter_cwd(const char *cwd, struct berth_error **err)
{
	char buf[PATH_MAX];

	if (chdir(cwd) < 0)
		return berth_error_errno(err, "process.cwd: chdir '%s'", cwd);
	/* A cwd outside the root reads "(unreachable)/...": refuse it (CVE-2024-21626). */
	if (getcwd(buf, sizeof(buf)) == NULL || buf[0] != '/')
		return berth_error_set(err, EPERM, "process.cwd: '%s' is outside the container",
				       cwd);
	return 0;
}

int berth_process_prepare(const struct berth_spec *spec, const struct berth_seccomp_prog *prog,
			  const struct berth_process *p, int preserve_fds, int sync, char **exe,
			  struct berth_error **err)
{
	int ret;

	if ((ret = set_attributes(spec, p, err)) < 0 ||
	    (ret = berth_process_close_fds((unsigned)preserve_fds, err)) < 0)
		return ret;
	if (p->no_new_privileges && (ret = berth_process_set_no_new_privs(err)) < 0)
		return ret;
	if ((!p->no_new_privileges || berth_seccomp_has_notify(spec->seccomp)) &&
	    (ret = load_seccomp(spec, prog, sync, err)) < 0)
		return ret;
	if ((ret = berth_caps_keep_across_setuid(true, err)) < 0 ||
	    (ret = berth_process_set_user(&p->user, err)) < 0 ||
	    (ret = berth_caps_apply(&p->caps, err)) < 0)
		return ret;
	if ((ret = enter_cwd(p->cwd ? p->cwd : "/", err)) < 0)
		return ret;
	return berth_find_executable(p->args[0], p->env, exe, err);
}

int berth_process_exec(const struct berth_spec *spec, const struct berth_seccomp_prog *prog,
		       const struct berth_process *p, const char *exe, struct berth_error **err)
{
	static char *const empty_env[] = { NULL };
	int ret;

	if ((ret = load_seccomp(spec, prog, -1, err)) < 0)
		return ret;
	execve(exe, p->args, p->env ? p->env : empty_env);
	return berth_error_errno(err, "exec '%s'", exe);
}
