/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "containers.h"
#include "engine/exec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/* `berth exec [-i] [-t] [-d] [-u USER] [-e K=V] [--env-file F] [-w DIR] [--privileged] CTR CMD...`
 */

struct exec_flags {
	bool interactive;
	char **env;
	size_t n_env;
	struct berth_ctr_exec_opts o;
};

/* -e KEY without a value takes ours; unset, it is left out (Docker). */
static int push_env(struct exec_flags *f, const char *kv)
{
	char **p;
	char *s = NULL;

	if (strchr(kv, '=') == NULL) {
		const char *v = getenv(kv);

		if (v == NULL)
			return 0;
		if (asprintf(&s, "%s=%s", kv, v) < 0)
			return -ENOMEM;
	} else if ((s = strdup(kv)) == NULL) {
		return -ENOMEM;
	}
	p = realloc(f->env, (f->n_env + 2) * sizeof(*p));
	if (p == NULL) {
		free(s);
		return -ENOMEM;
	}
	f->env = p;
	f->env[f->n_env++] = s;
	f->env[f->n_env] = NULL;
	return 0;
}

/* Docker's env-file: KEY=VALUE lines, '#' comments, blank lines, bare KEY from our env. */
static int env_file(struct exec_flags *f, const char *path, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	char *save = NULL;

	if (berth_read_file_at(AT_FDCWD, path, 1 << 20, &buf, NULL, err) < 0)
		return berth_error_prefix(err, "--env-file");
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l += strspn(l, " \t");
		if (l[0] == '#' || l[0] == '\0' || l[0] == '\r')
			continue;
		l[strcspn(l, "\r")] = '\0';
		if (l[0] == '=')
			return berth_error_set(err, EINVAL,
					       "--env-file %s: no variable name in '%s'", path, l);
		if (push_env(f, l) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int parse(int argc, char **argv, struct exec_flags *f, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "env", required_argument, NULL, 'e' },
		{ "env-file", required_argument, NULL, 'E' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "privileged", no_argument, NULL, 'P' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+itdu:e:w:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			f->interactive = true;
			break;
		case 't':
			f->o.tty = true;
			break;
		case 'd':
			f->o.detach = true;
			break;
		case 'u':
			f->o.user = optarg;
			break;
		case 'e':
			if (push_env(f, optarg) < 0)
				return berth_error_set(err, ENOMEM, "out of memory");
			break;
		case 'E':
			if (env_file(f, optarg, err) < 0)
				return -1;
			break;
		case 'w':
			f->o.workdir = optarg;
			break;
		case 'P':
			f->o.privileged = true;
			break;
		default:
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return berth_error_set(err, EINVAL, "\"berth exec\" requires at least 2 arguments");
	f->o.ref = argv[optind];
	f->o.args = argv + optind + 1;
	f->o.env = f->env;
	return 0;
}

/* What the process gets as stdin (and with -d every stdio): /dev/null unless -i. */
static int null_stdio(bool all)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	dup2(fd, STDIN_FILENO);
	if (all) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	close(fd);
	return 0;
}

int cmd_exec(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct exec_flags f = { 0 };
	struct berth_engine *e;
	int rc;

	if (parse(argc, argv, &f, err) < 0 || cli_engine(g, &e, err) < 0) {
		berth_strv_free(f.env);
		return 1;
	}
	if (f.o.tty && f.interactive && !f.o.detach && !isatty(STDIN_FILENO)) {
		berth_strv_free(f.env);
		return berth_error_set(err, EINVAL, "the input device is not a TTY"), 1;
	}
	fflush(stdout);
	if ((!f.interactive || f.o.detach) && null_stdio(f.o.detach) < 0) {
		berth_strv_free(f.env);
		return berth_error_errno(err, "open /dev/null"), 1;
	}
	rc = berth_ctr_exec(e, &f.o, err);
	berth_strv_free(f.env);
	/* Docker: 126 when the command cannot be run, else the process's status */
	if (rc < 0)
		return (*err && (*err)->code == ENOENT && strstr((*err)->msg, "No such container"))
			   ? 1
			   : ((*err && strstr((*err)->msg, "is not running")) ? 1 : 126);
	return rc;
}
