/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootfs-tool: a thin command line over lib/engine/rootfs.c and userns.c for
 * tests/integration/test_userns_rootfs.py.
 *
 *   rootfs-tool mount   --root R --id ID --driver D [--chain C] [--userns HOST:SIZE]
 *   rootfs-tool umount  --root R --id ID
 *   rootfs-tool mounted --root R --id ID          (exit 0 when mounted, 1 when not)
 *   rootfs-tool userns                            (berth_userns_default: "UID SIZE GID SIZE")
 *
 * The data root R holds snapshots/ (storage-tool prepare) and containers/<ID>/.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/rootfs.h"
#include "storage/snapshot.h"
#include "util/cleanup.h"

struct args {
	const char *cmd, *root, *id, *chain;
	int driver;
	struct berth_userns u;
};

static int parse_userns(const char *s, struct berth_userns *u, struct berth_error **err)
{
	unsigned host, size;
	char end;

	if (sscanf(s, "%u:%u%c", &host, &size, &end) != 2)
		return berth_error_set(err, 22, "--userns: want HOST:SIZE, got '%s'", s);
	u->enabled = true;
	u->uid = (struct berth_idmap){ 0, host, size };
	u->gid = u->uid;
	return 0;
}

static int parse(int argc, char **argv, struct args *a, struct berth_error **err)
{
	static const struct option opts[] = {
		{ "root", 1, 0, 'r' },	{ "id", 1, 0, 'i' },	 { "driver", 1, 0, 'd' },
		{ "chain", 1, 0, 'c' }, { "userns", 1, 0, 'u' }, { 0, 0, 0, 0 },
	};
	int c;

	a->cmd = argc > 1 ? argv[1] : "";
	a->chain = "";
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			a->root = optarg;
		else if (c == 'i')
			a->id = optarg;
		else if (c == 'c')
			a->chain = optarg;
		else if (c == 'd' && berth_storage_driver_parse(optarg, &a->driver, err) < 0)
			return -1;
		else if (c == 'u' && parse_userns(optarg, &a->u, err) < 0)
			return -1;
		else if (c == '?')
			return berth_error_set(err, 22, "bad arguments");
	}
	if (strcmp(a->cmd, "userns") != 0 && (a->root == NULL || a->id == NULL))
		return berth_error_set(err, 22, "--root and --id are required");
	return 0;
}

static int run(struct args *a, struct berth_engine *e, struct berth_error **err)
{
	cleanup_free char *rootfs = NULL;

	if (strcmp(a->cmd, "mount") == 0) {
		if (berth_ctr_rootfs_mount(e, a->id, a->driver, a->chain, &a->u, &rootfs, err) < 0)
			return -1;
		return printf("%s\n", rootfs), 0;
	}
	if (strcmp(a->cmd, "umount") == 0)
		return berth_ctr_rootfs_umount(e, a->id, err);
	if (strcmp(a->cmd, "mounted") == 0)
		return berth_ctr_rootfs_mounted(e, a->id) ? 0 : 1;
	return berth_error_set(err, 22, "unknown command '%s'", a->cmd);
}

int main(int argc, char **argv)
{
	struct berth_error *err = NULL;
	struct berth_engine *e = NULL;
	struct berth_userns u;
	struct args a = { 0 };
	int ret;

	ret = parse(argc, argv, &a, &err);
	if (ret == 0 && strcmp(a.cmd, "userns") == 0) {
		ret = berth_userns_default(NULL, &u, &err);
		if (ret == 0)
			printf("%" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32 "\n", u.uid.host,
			       u.uid.size, u.gid.host, u.gid.size);
	} else if (ret == 0) {
		/* No berth.conf: the defaults. */
		ret = berth_engine_open(a.root, "/dev/null", &e, &err);
		if (ret == 0)
			ret = run(&a, e, &err);
	}
	berth_engine_free(e);
	if (ret < 0) {
		fprintf(stderr, "rootfs-tool: %s\n", err ? err->msg : "failed");
		berth_error_free(err);
		return 2;
	}
	return ret;
}
