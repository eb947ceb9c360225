/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "image/archive.h"
#include "image/reference.h"
#include "util/cleanup.h"

/* save, load, import: image archives (lib/image/archive.h). */

int cmd_save(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "format", required_argument, NULL, 'F' },
					      { 0 } };
	struct berth_save_opts o = { .format = BERTH_ARCHIVE_DOCKER, .fd = STDOUT_FILENO };
	cleanup_close int fd = -1;
	const char *output = NULL;
	struct berth_store *s;
	int c;

	while ((c = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
		if (c == 'o')
			output = optarg;
		else if (c == 'F' &&
			 (strcmp(optarg, "docker") == 0 || strcmp(optarg, "docker-archive") == 0))
			o.format = BERTH_ARCHIVE_DOCKER;
		else if (c == 'F' &&
			 (strcmp(optarg, "oci") == 0 || strcmp(optarg, "oci-archive") == 0))
			o.format = BERTH_ARCHIVE_OCI;
		else if (c == 'F')
			return berth_error_set(err, EINVAL,
					       "save: unknown format \"%s\" (docker or oci)",
					       optarg),
			       1;
		else
			return berth_error_set(err, EINVAL,
					       "usage: berth save [-o FILE] [--format docker|oci] "
					       "IMAGE..."),
			       1;
	}
	if (optind >= argc)
		return berth_error_set(err, EINVAL, "save: no image given"), 1;
	if (output == NULL && isatty(STDOUT_FILENO))
		return berth_error_set(err, EINVAL,
				       "save: refusing to write an archive to a terminal (use -o)"),
		       1;
	if (cli_store(g, &s, err) < 0)
		return 1;
	if (output != NULL) {
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return berth_error_errno(err, "save: open '%s'", output), 1;
		o.fd = fd;
	}
	o.names = argv + optind;
	o.n_names = (size_t)(argc - optind);
	if (berth_image_save(s, &o, err) < 0) {
		if (output != NULL)
			unlink(output);
		return 1;
	}
	if (fd >= 0 && fsync(fd) < 0)
		return berth_error_errno(err, "save: sync '%s'", output), 1;
	return 0;
}

static void loaded(void *ctx, const char *ref, const char *id)
{
	cleanup_free char *f = NULL;
	struct berth_reference *r = NULL;
	struct berth_error *e = NULL;

	(void)ctx;
	if (ref == NULL) {
		printf("Loaded image ID: %s\n", id);
		return;
	}
	if (berth_reference_parse(ref, &r, &e) == 0)
		f = berth_reference_familiar(r);
	berth_reference_free(r);
	berth_error_free(e);
	printf("Loaded image: %s\n", f ? f : ref);
}

int cmd_load(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "input", required_argument, NULL, 'i' },
					      { "quiet", no_argument, NULL, 'q' },
					      { 0 } };
	const struct berth_load_events ev = { .loaded = loaded };
	cleanup_close int fd = -1;
	const char *input = NULL;
	struct berth_store *s;
	bool quiet = false;
	int c;

	while ((c = getopt_long(argc, argv, "+i:q", opts, NULL)) != -1) {
		if (c == 'i')
			input = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return berth_error_set(err, EINVAL, "usage: berth load [-q] [-i FILE]"), 1;
	}
	if (optind < argc)
		return berth_error_set(err, EINVAL, "load takes no argument (use -i FILE)"), 1;
	if (input == NULL && isatty(STDIN_FILENO))
		return berth_error_set(
			   err, EINVAL,
			   "load: refusing to read an archive from a terminal (use -i)"),
		       1;
	if (input != NULL && (fd = open(input, O_RDONLY | O_CLOEXEC)) < 0)
		return berth_error_errno(err, "load: open '%s'", input), 1;
	if (cli_store(g, &s, err) < 0)
		return 1;
	return berth_image_load(s, fd >= 0 ? fd : STDIN_FILENO, quiet ? NULL : &ev, err) < 0;
}

int cmd_import(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	static const struct option opts[] = { { "change", required_argument, NULL, 'c' },
					      { "message", required_argument, NULL, 'm' },
					      { 0 } };
	struct berth_import_opts o = { .fd = -1 };
	struct berth_image *img = NULL;
	cleanup_close int fd = -1;
	struct berth_store *s;
	int c;

	while ((c = getopt_long(argc, argv, "+c:m:", opts, NULL)) != -1) {
		if (c == 'm')
			o.message = optarg;
		else if (c == 'c')
			return berth_error_set(err, ENOTSUP,
					       "import: --change is not supported yet"),
			       1;
		else
			return berth_error_set(err, EINVAL,
					       "usage: berth import [-m MSG] FILE|- "
					       "[REPOSITORY[:TAG]]"),
			       1;
	}
	if (optind >= argc || argc - optind > 2)
		return berth_error_set(err, EINVAL,
				       "usage: berth import FILE|- [REPOSITORY[:TAG]]"),
		       1;
	if (strcmp(argv[optind], "-") != 0 && (fd = open(argv[optind], O_RDONLY | O_CLOEXEC)) < 0)
		return berth_error_errno(err, "import: open '%s'", argv[optind]), 1;
	o.fd = fd >= 0 ? fd : STDIN_FILENO;
	o.reference = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (cli_store(g, &s, err) < 0 || berth_image_import(s, &o, &img, err) < 0)
		return 1;
	printf("%s\n", img->id);
	berth_image_free(img);
	return 0;
}
