/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "image/reference.h"
#include "registry/auth.h"
#include "util/cleanup.h"

/* `berth login` and `berth logout`: credentials in auth.json, as Docker keeps them. */

/*
 * The host a SERVER argument names: "https://index.docker.io/v1/" and
 * "index.docker.io" are docker.io; a scheme and a path are dropped.
 */
static int server_host(const char *arg, char **out, struct berth_error **err)
{
	const char *p = arg ? arg : BERTH_DEFAULT_DOMAIN;
	char *host;

	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	host = strndup(p, strcspn(p, "/"));
	if (host == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (strcmp(host, "index.docker.io") == 0 || strcmp(host, "registry-1.docker.io") == 0) {
		free(host);
		host = strdup(BERTH_DEFAULT_DOMAIN);
		if (host == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	if (berth_registry_check_host(host, "server", err) < 0) {
		free(host);
		return -1;
	}
	*out = host;
	return 0;
}

/* One line from @f without its newline; NULL at EOF. */
static char *read_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* Ask on the terminal (stdin), without echo for a password. */
static char *prompt(const char *what, bool secret)
{
	struct termios old, quiet;
	bool off = false;
	char *line;

	if (!isatty(STDIN_FILENO))
		return NULL;
	fprintf(stderr, "%s: ", what);
	fflush(stderr);
	if (secret && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	line = read_line(stdin);
	if (off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return line;
}

struct login_args {
	const char *user, *password, *server;
	bool password_stdin;
};

static int parse_login(int argc, char **argv, struct login_args *a, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "username", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, 'S' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+u:p:", opts, NULL)) != -1) {
		if (c == 'u')
			a->user = optarg;
		else if (c == 'p')
			a->password = optarg;
		else if (c == 'S')
			a->password_stdin = true;
		else
			return berth_error_set(err, EINVAL, "login: invalid flag");
	}
	if (optind < argc - 1)
		return berth_error_set(err, EINVAL,
				       "usage: berth login [-u USER] [-p PASS | "
				       "--password-stdin] [SERVER]");
	if (a->password && a->password_stdin)
		return berth_error_set(err, EINVAL,
				       "login: --password and --password-stdin "
				       "are mutually exclusive");
	if (a->password_stdin && a->user == NULL)
		return berth_error_set(err, EINVAL, "login: --password-stdin needs --username");
	a->server = optind < argc ? argv[optind] : NULL;
	return 0;
}

int cmd_login(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct login_args a = { 0 };
	cleanup_free char *host = NULL;
	cleanup_free char *user = NULL;
	cleanup_free char *password = NULL;
	struct cli_registry reg;
	int ret;

	(void)g;
	if (parse_login(argc, argv, &a, err) < 0 || server_host(a.server, &host, err) < 0)
		return 1;
	if (a.password)
		fprintf(stderr, "WARNING! Using --password via the CLI is insecure. "
				"Use --password-stdin.\n");
	user = a.user ? strdup(a.user) : prompt("Username", false);
	password = a.password	      ? strdup(a.password)
		   : a.password_stdin ? read_line(stdin)
				      : prompt("Password", true);
	if (user == NULL || password == NULL)
		return berth_error_set(err, EINVAL,
				       "login '%s': %s needed (not a terminal: use "
				       "-u and -p or --password-stdin)",
				       host, user == NULL ? "a user name" : "a password"),
		       1;
	if (cli_registry_opts(&reg, err) < 0)
		return 1;
	ret = berth_auth_login(host, user, password, &reg.opts, NULL, err);
	cli_registry_release(&reg);
	if (ret < 0)
		return 1;
	printf("Login Succeeded\n");
	return 0;
}

int cmd_logout(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	cleanup_free char *host = NULL;
	cleanup_free char *path = NULL;

	(void)g;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return berth_error_set(err, EINVAL, "usage: berth logout [SERVER]"), 1;
	if (server_host(argc == 2 ? argv[1] : NULL, &host, err) < 0 ||
	    berth_auth_default_path(&path, err) < 0)
		return 1;
	if (berth_auth_logout(host, path, err) < 0) {
		if ((*err)->code == ENOENT) {
			berth_error_clear(err);
			berth_error_set(err, ENOENT, "not logged in to %s", host);
		}
		return 1;
	}
	printf("Removing login credentials for %s\n", host);
	return 0;
}
