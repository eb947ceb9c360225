/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry-cli: drives lib/registry from the command line for the integration
 * tests (tests/integration/test_registry_client.py).  Not installed.
 *
 *   registry-cli [-a AUTH] [-d CERTS_D] [-c CONFIG] [-p PARALLEL] [-P tty|plain|quiet] CMD ...
 *     get-manifest HOST REPO REF OUT      prints "<media type> <digest> <length>"
 *     get-blobs HOST REPO OUTDIR DIGEST:SIZE...
 *     blob-exists HOST REPO DIGEST        prints "yes <size>" or "no"
 *     put-blob HOST REPO FILE             prints "<digest> uploaded|exists"
 *     put-manifest HOST REPO TAG FILE TYPE
 *     mount-blob HOST REPO FROM DIGEST    prints "mounted" or "not-mounted"
 *     login HOST USER                     (password on stdin)
 *     logout HOST
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/auth.h"
#include "registry/client.h"
#include "registry/config.h"
#include "registry/progress.h"
#include "registry/sha256.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct cli {
	struct berth_registry_opts o;
	struct berth_registry_config *config;
	const char *config_path;
	int parallel;
	enum berth_progress_mode progress;
};

static int open_reg(struct cli *c, const char *host, struct berth_registry **reg,
		    struct berth_error **err)
{
	if (berth_registry_config_load(c->config_path, &c->config, err) < 0)
		return berth_error_ret(err);
	c->o.config = c->config;
	return berth_registry_open(host, &c->o, reg, err);
}

static int cmd_get_manifest(struct berth_registry *reg, char **argv, struct berth_error **err)
{
	cleanup_free char *body = NULL;
	cleanup_free char *mt = NULL;
	cleanup_free char *digest = NULL;
	size_t len = 0;

	if (berth_registry_get_manifest(reg, argv[0], argv[1], NULL, &body, &len, &mt, &digest,
					err) < 0)
		return berth_error_ret(err);
	if (berth_write_file_atomic(AT_FDCWD, argv[2], body, len, 0644, err) < 0)
		return berth_error_ret(err);
	printf("%s %s %zu\n", mt, digest, len);
	return 0;
}

static int fd_sink(void *ctx, const void *buf, size_t len, struct berth_error **err)
{
	if (berth_write_all(*(int *)ctx, buf, len) < 0)
		return berth_error_errno(err, "write");
	return 0;
}

static int open_outputs(const char *dir, char **specs, size_t n, struct berth_blob_request *r,
			int *fds, struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		char *colon = strrchr(specs[i], ':');
		cleanup_free char *path = NULL;

		if (colon == NULL || colon == strchr(specs[i], ':'))
			return berth_error_set(err, EINVAL, "'%s': expected DIGEST:SIZE", specs[i]);
		*colon = '\0';
		r[i].digest = specs[i];
		r[i].size = strtoull(colon + 1, NULL, 10);
		if (asprintf(&path, "%s/%s", dir, specs[i] + 7) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		fds[i] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fds[i] < 0)
			return berth_error_errno(err, "open '%s'", path);
		r[i].sink = (struct berth_sink){ .write = fd_sink, .ctx = &fds[i] };
	}
	return 0;
}

static int cmd_get_blobs(struct cli *c, struct berth_registry *reg, char **argv, int argc,
			 struct berth_error **err)
{
	size_t n = argc - 2;
	cleanup_free struct berth_blob_request *r = calloc(n + 1, sizeof(*r));
	cleanup_free int *fds = calloc(n + 1, sizeof(int));
	struct berth_progress *p = NULL;
	int ret;

	if (r == NULL || fds == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	ret = open_outputs(argv[1], argv + 2, n, r, fds, err);
	if (ret == 0)
		ret = berth_progress_new(stdout, c->progress, n, &p, err);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		berth_progress_set(p, i, r[i].digest, r[i].size);
		r[i].progress = berth_progress_update;
		r[i].progress_ctx = p;
	}
	if (ret == 0)
		ret = berth_registry_fetch_blobs(reg, argv[0], r, n, c->parallel, err);
	berth_progress_finish(p);
	berth_progress_free(p);
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

static int file_digest(int fd, char *digest, uint64_t *size, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	struct stat st;
	ssize_t got;

	if (fstat(fd, &st) < 0)
		return berth_error_errno(err, "stat");
	buf = malloc(st.st_size + 1);
	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	got = pread(fd, buf, st.st_size, 0);
	if (got != st.st_size)
		return berth_error_set(err, EIO, "short read");
	*size = st.st_size;
	return reg_sha256_digest(buf, st.st_size, digest, err);
}

static int cmd_put_blob(struct berth_registry *reg, char **argv, struct berth_error **err)
{
	cleanup_close int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	char digest[REG_DIGEST_LEN + 1];
	uint64_t size = 0;
	int ret;

	if (fd < 0)
		return berth_error_errno(err, "open '%s'", argv[1]);
	if (file_digest(fd, digest, &size, err) < 0)
		return berth_error_ret(err);
	ret = berth_registry_push_blob(reg, argv[0], digest, size, fd, err);
	if (ret < 0)
		return ret;
	printf("%s %s\n", digest, ret == 1 ? "exists" : "uploaded");
	return 0;
}

static int cmd_put_manifest(struct berth_registry *reg, char **argv, struct berth_error **err)
{
	cleanup_free char *body = NULL;
	size_t len = 0;

	if (berth_read_file_at(AT_FDCWD, argv[2], 8u << 20, &body, &len, err) < 0)
		return berth_error_ret(err);
	return berth_registry_put_manifest(reg, argv[0], argv[1], body, len, argv[3], err);
}

static int cmd_login(struct cli *c, char **argv, struct berth_error **err)
{
	char pass[512];
	size_t n;

	if (fgets(pass, sizeof(pass), stdin) == NULL)
		return berth_error_set(err, EINVAL, "no password on stdin");
	n = strcspn(pass, "\r\n");
	pass[n] = '\0';
	if (berth_registry_config_load(c->config_path, &c->config, err) < 0)
		return berth_error_ret(err);
	c->o.config = c->config;
	return berth_auth_login(argv[0], argv[1], pass, &c->o, c->o.auth_path, err);
}

static int dispatch(struct cli *c, const char *cmd, int argc, char **argv, struct berth_error **err)
{
	struct berth_registry *reg = NULL;
	uint64_t size = 0;
	int ret;

	if (strcmp(cmd, "login") == 0 && argc == 2)
		return cmd_login(c, argv, err);
	if (strcmp(cmd, "logout") == 0 && argc == 1)
		return berth_auth_logout(argv[0], c->o.auth_path, err);
	if (argc < 2)
		return berth_error_set(err, EINVAL, "%s: missing arguments", cmd);
	if (open_reg(c, argv[0], &reg, err) < 0)
		return berth_error_ret(err);
	argv++;
	argc--;
	if (strcmp(cmd, "get-manifest") == 0 && argc == 3)
		ret = cmd_get_manifest(reg, argv, err);
	else if (strcmp(cmd, "get-blobs") == 0 && argc >= 2)
		ret = cmd_get_blobs(c, reg, argv, argc, err);
	else if (strcmp(cmd, "blob-exists") == 0 && argc == 2) {
		ret = berth_registry_blob_exists(reg, argv[0], argv[1], &size, err);
		if (ret >= 0)
			printf(ret ? "yes %" PRIu64 "\n" : "no\n", size);
	} else if (strcmp(cmd, "put-blob") == 0 && argc == 2)
		ret = cmd_put_blob(reg, argv, err);
	else if (strcmp(cmd, "put-manifest") == 0 && argc == 4)
		ret = cmd_put_manifest(reg, argv, err);
	else if (strcmp(cmd, "mount-blob") == 0 && argc == 3) {
		ret = berth_registry_mount_blob(reg, argv[0], argv[1], argv[2], err);
		if (ret >= 0)
			printf("%s\n", ret ? "mounted" : "not-mounted");
	} else
		ret = berth_error_set(err, EINVAL, "%s: unknown command or wrong arguments", cmd);
	berth_registry_free(reg);
	return ret;
}

static enum berth_progress_mode progress_mode(const char *s)
{
	if (strcmp(s, "tty") == 0)
		return BERTH_PROGRESS_TTY;
	return strcmp(s, "plain") == 0 ? BERTH_PROGRESS_PLAIN : BERTH_PROGRESS_QUIET;
}

int main(int argc, char **argv)
{
	struct cli c = { .progress = BERTH_PROGRESS_QUIET };
	struct berth_error *err = NULL;
	int opt, ret;

	while ((opt = getopt(argc, argv, "+a:d:c:p:P:")) != -1) {
		switch (opt) {
		case 'a':
			c.o.auth_path = optarg;
			break;
		case 'd':
			c.o.certs_dir = optarg;
			break;
		case 'c':
			c.config_path = optarg;
			break;
		case 'p':
			c.parallel = (int)strtol(optarg, NULL, 10);
			break;
		case 'P':
			c.progress = progress_mode(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: registry-cli [options] CMD ARGS...\n");
		return 2;
	}
	ret = dispatch(&c, argv[optind], argc - optind - 1, argv + optind + 1, &err);
	berth_registry_config_free(c.config);
	if (ret < 0) {
		fprintf(stderr, "registry-cli: %s\n", err->msg);
		berth_error_free(err);
		return 1;
	}
	return 0;
}
