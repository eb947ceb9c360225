/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage-tool: a thin command line over lib/storage for the integration
 * tests and bench/unpack.sh (the image commands land in lib/image and cmd/).
 *
 *   storage-tool prepare --root R --driver D --chain C --layer F [--parent P]
 *                        [--media-type M] [--max-size N] [--max-entry N] [--no-devices]
 *   storage-tool mount   --root R --driver D --chain C --dir CONTAINER_DIR
 *   storage-tool umount  --driver D --dir CONTAINER_DIR
 *   storage-tool list|gc|probe --root R
 *   storage-tool remove  --root R --chain C
 *   storage-tool digest  --layer F [--media-type M]     (DiffID and blob digest, no extraction)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "storage/decompress.h"
#include "storage/snapshot.h"
#include "util/cleanup.h"
#include "util/units.h"

struct args {
	const char *cmd, *root, *chain, *parent, *layer, *media_type, *dir;
	int driver;
	struct berth_extract_opts x;
};

static int parse(int argc, char **argv, struct args *a, struct berth_error **err)
{
	static const struct option opts[] = {
	    {"root", 1, 0, 'r'},
	    {"driver", 1, 0, 'd'},
	    {"chain", 1, 0, 'c'},
	    {"parent", 1, 0, 'p'},
	    {"layer", 1, 0, 'l'},
	    {"media-type", 1, 0, 'm'},
	    {"max-size", 1, 0, 's'},
	    {"max-entry", 1, 0, 'e'},
	    {"dir", 1, 0, 'D'},
	    {"no-devices", 0, 0, 'n'},
	    {0, 0, 0, 0},
	};
	int64_t v;
	int c;

	a->cmd = argc > 1 ? argv[1] : "";
	a->x = (struct berth_extract_opts){.chown = geteuid() == 0,
					   .allow_devices = berth_storage_devices_allowed()};
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			a->root = optarg;
		else if (c == 'd' && berth_storage_driver_parse(optarg, &a->driver, err) < 0)
			return -1;
		else if (c == 'c')
			a->chain = optarg;
		else if (c == 'p')
			a->parent = optarg;
		else if (c == 'l')
			a->layer = optarg;
		else if (c == 'm')
			a->media_type = optarg;
		else if (c == 'D')
			a->dir = optarg;
		else if (c == 'n')
			a->x.allow_devices = false;
		else if ((c == 's' || c == 'e') &&
			 berth_parse_size(optarg, "--max-size", 0, &v, err) == 0)
			*(c == 's' ? &a->x.max_total : &a->x.max_entry) = (uint64_t)v;
		else if (c == '?' || *err != NULL)
			return berth_error_set(err, 22, "bad arguments"), -1;
	}
	return 0;
}

static int digest(struct args *a, struct berth_error **err)
{
	struct berth_layer_reader *r = NULL;
	cleanup_close int fd = open(a->layer, O_RDONLY | O_CLOEXEC);
	char diffid[72], blob[72];
	int ret;

	if (fd < 0)
		return berth_error_errno(err, "open '%s'", a->layer);
	ret = berth_layer_reader_open(fd, a->media_type, a->layer, a->x.max_total, &r, err);
	if (ret == 0)
		ret = berth_layer_reader_finish(r, diffid, blob, err);
	if (ret == 0)
		printf("%s %s %s\n", diffid, blob, berth_layer_reader_backend(r));
	berth_layer_reader_free(r);
	return ret;
}

static int run_root(struct args *a, int root, struct berth_error **err)
{
	cleanup_strv char **list = NULL;
	cleanup_free char *rootfs = NULL;
	cleanup_close int fd = -1;
	char diffid[72];

	if (strcmp(a->cmd, "prepare") == 0) {
		fd = open(a->layer, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return berth_error_errno(err, "open '%s'", a->layer);
		if (berth_snapshot_prepare(root, a->driver, a->parent, a->chain, fd, a->media_type,
					   &a->x, diffid, err) < 0)
			return -1;
		return printf("%s\n", diffid), 0;
	}
	if (strcmp(a->cmd, "mount") == 0) {
		if (berth_snapshot_mount_rw(root, a->driver, a->chain, a->dir, &rootfs, err) < 0)
			return -1;
		return printf("%s\n", rootfs), 0;
	}
	if (strcmp(a->cmd, "list") == 0) {
		if (berth_snapshot_list(root, &list, err) < 0)
			return -1;
		for (char **p = list; *p; p++)
			printf("%s\n", *p);
		return 0;
	}
	if (strcmp(a->cmd, "remove") == 0)
		return berth_snapshot_remove(root, a->chain, err);
	if (strcmp(a->cmd, "gc") == 0)
		return berth_snapshot_collect_garbage(root, err);
	if (strcmp(a->cmd, "probe") == 0) {
		if (berth_storage_driver_probe(root, &a->driver, err) < 0)
			return -1;
		return printf("%s\n", berth_storage_driver_name(a->driver)), 0;
	}
	return berth_error_set(err, 22, "unknown command '%s'", a->cmd);
}

int main(int argc, char **argv)
{
	struct berth_error *err = NULL;
	struct args a = {0};
	cleanup_close int root = -1;
	int ret;

	ret = parse(argc, argv, &a, &err);
	if (ret == 0 && strcmp(a.cmd, "digest") == 0)
		ret = digest(&a, &err);
	else if (ret == 0 && strcmp(a.cmd, "umount") == 0)
		ret = berth_snapshot_umount(a.driver, a.dir, &err);
	else if (ret == 0) {
		root = open(a.root ? a.root : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ret = root < 0 ? berth_error_errno(&err, "open root '%s'", a.root)
			       : run_root(&a, root, &err);
	}
	if (ret < 0) {
		fprintf(stderr, "storage-tool: %s\n", err ? err->msg : "failed");
		berth_error_free(err);
		return 1;
	}
	return 0;
}
