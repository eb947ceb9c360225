/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cli.h"
#include "image/images.h"
#include "runtime/lsm.h"
#include "storage/snapshot.h"

/* info and version: what an auditor reads first (docker info). */

#include "image/driver.h"

static const char *cgroup_version(void)
{
	switch (berth_cgroup_mode(NULL)) {
	case BERTH_CGROUP_V2:
		return "2";
	case BERTH_CGROUP_HYBRID:
		return "1 (hybrid: v1 controllers and a cgroup2 mount)";
	case BERTH_CGROUP_V1:
		return "1";
	default:
		return "unknown";
	}
}

int cmd_info(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_image **imgs = NULL;
	struct berth_store *s;
	struct utsname u;
	struct sysinfo si;
	size_t n = 0;
	int driver;

	(void)argv;
	if (argc != 1)
		return berth_error_set(err, EINVAL, "info takes no argument"), 1;
	if (cli_store(g, &s, err) < 0 || berth_store_driver(s, &driver, err) < 0 ||
	    berth_image_list(s, &imgs, &n, err) < 0)
		return 1;
	berth_image_list_free(imgs, n);
	uname(&u);
	sysinfo(&si);
	printf("Client: berth %s (daemonless)\n", BERTH_VERSION);
	printf(" Images: %zu\n", n);
	printf(" Storage Driver: %s\n", berth_storage_driver_name(driver));
	printf(" Data Root: %s\n", g->root);
	printf(" Cgroup Version: %s\n", cgroup_version());
	printf(" Security Options:\n");
	if (access("/proc/sys/kernel/seccomp/actions_avail", F_OK) == 0)
		printf("  seccomp\n");
	if (berth_lsm_apparmor_enabled())
		printf("  apparmor\n");
	if (berth_lsm_selinux_enabled())
		printf("  selinux\n");
	printf(" Kernel Version: %s\n Architecture: %s\n CPUs: %ld\n Total Memory: %.2fGiB\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN),
	       (double)si.totalram * si.mem_unit / (1 << 30));
	return 0;
}

int cmd_version(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct utsname u;

	(void)g;
	(void)argv;
	if (argc != 1)
		return berth_error_set(err, EINVAL, "version takes no argument"), 1;
	uname(&u);
	printf("berth version %s\n OCI runtime spec: 1.1.0\n OS/Arch: linux/%s\n", BERTH_VERSION,
	       u.machine);
	return 0;
}
