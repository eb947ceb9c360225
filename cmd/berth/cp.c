/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "containers.h"
#include "engine/cp.h"
#include "util/cleanup.h"

/*
 * `berth cp [-a] [-L] CONTAINER:SRC DEST|-` and `berth cp [-a] [-L] SRC|- CONTAINER:DEST`,
 * `berth export [-o FILE] CONTAINER`.
 */

/* "ctr:/path" → container and path; a local path has no ':' before its first '/'. */
static bool split(const char *arg, char *ctr, size_t size, const char **path)
{
	const char *colon = strchr(arg, ':');

	if (colon == NULL || arg[0] == '/' || arg[0] == '.' ||
	    (strchr(arg, '/') && strchr(arg, '/') < colon) || (size_t)(colon - arg) >= size ||
	    colon == arg)
		return false;
	snprintf(ctr, size, "%.*s", (int)(colon - arg), arg);
	*path = colon + 1;
	return true;
}

int cmd_cp(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "archive", no_argument, NULL, 'a' },
		{ "follow-link", no_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	struct berth_cp_opts o = { 0 };
	struct berth_engine *e;
	char sctr[256], dctr[256];
	const char *spath = NULL, *dpath = NULL;
	bool from, to;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+aLq", opts, NULL)) != -1) {
		if (c == 'a')
			o.archive = true;
		else if (c == 'L')
			o.follow = true;
		else if (c != 'q')
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]),
			       1;
	}
	if (argc - optind != 2)
		return berth_error_set(err, EINVAL, "\"berth cp\" requires exactly 2 arguments"), 1;
	from = split(argv[optind], sctr, sizeof(sctr), &spath);
	to = split(argv[optind + 1], dctr, sizeof(dctr), &dpath);
	if (from == to)
		return berth_error_set(err, EINVAL,
				       from ? "copying between containers is not supported"
					    : "must specify at least one container source"),
		       1;
	if (cli_engine(g, &e, err) < 0)
		return 1;
	if (from && strcmp(argv[optind + 1], "-") == 0) {
		if (isatty(STDOUT_FILENO))
			return berth_error_set(err, EINVAL,
					       "cowardly refusing to write a tar stream to a "
					       "terminal"),
			       1;
		ret = berth_ctr_cp_out(e, sctr, spath, &o, STDOUT_FILENO, err);
	} else if (from) {
		ret = berth_ctr_cp_to_host(e, sctr, spath, argv[optind + 1], &o, err);
	} else if (strcmp(argv[optind], "-") == 0) {
		ret = berth_ctr_cp_in(e, dctr, STDIN_FILENO, dpath, &o, err);
	} else {
		ret = berth_ctr_cp_from_host(e, dctr, argv[optind], dpath, &o, err);
	}
	return ret < 0 ? 1 : 0;
}

int cmd_export(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' }, { 0 } };
	cleanup_close int fd = -1;
	const char *out = NULL;
	struct berth_engine *e;
	int c;

	while ((c = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
		if (c != 'o')
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]),
			       1;
		out = optarg;
	}
	if (argc - optind != 1)
		return berth_error_set(err, EINVAL, "\"berth export\" requires exactly 1 argument"),
		       1;
	if (out == NULL && isatty(STDOUT_FILENO))
		return berth_error_set(err, EINVAL,
				       "cowardly refusing to save to a terminal. Use the -o flag "
				       "or redirect"),
		       1;
	if (cli_engine(g, &e, err) < 0)
		return 1;
	if (out != NULL) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return berth_error_errno(err, "open '%s'", out), 1;
	}
	if (berth_ctr_export(e, argv[optind], out ? fd : STDOUT_FILENO, err) < 0) {
		if (out != NULL)
			unlink(out);
		return 1;
	}
	if (out != NULL && fsync(fd) < 0)
		return berth_error_errno(err, "write '%s'", out), 1;
	return 0;
}
