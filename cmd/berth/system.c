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
#include "containers.h"
#include "engine/ctr.h"
#include "image/images.h"
#include "runtime/lsm.h"
#include "util/cleanup.h"
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

/* Containers: N / Running / Paused / Stopped, from the records. */
static void print_containers(struct berth_engine *e)
{
	cleanup_strv char **ids = NULL;
	struct berth_error *err = NULL;
	size_t total = 0, running = 0, paused = 0;

	if (berth_ctr_list(e, &ids, &err) < 0) {
		berth_error_free(err);
		return;
	}
	for (char **p = ids; *p; p++) {
		struct berth_ctr *c = NULL;

		total++;
		if (berth_ctr_load(e, *p, &c, &err) < 0 || berth_ctr_refresh(e, c, &err) < 0) {
			berth_error_clear(&err);
			berth_ctr_free(c);
			continue;
		}
		if (strcmp(berth_ctr_status(c), BERTH_CTR_PAUSED) == 0)
			paused++;
		else if (strcmp(berth_ctr_status(c), BERTH_CTR_RUNNING) == 0 ||
			 strcmp(berth_ctr_status(c), BERTH_CTR_RESTARTING) == 0)
			running++;
		berth_ctr_free(c);
	}
	printf(" Containers: %zu\n  Running: %zu\n  Paused: %zu\n  Stopped: %zu\n", total, running,
	       paused, total - running - paused);
}

/* The defaults every container gets unless a flag says otherwise (berth.conf). */
static void print_limits(const struct berth_engine_conf *c)
{
	char mem[32] = "unlimited";

	if (c->memory > 0)
		cli_human_size(c->memory, mem, sizeof(mem));
	printf(" Default Limits:\n  Memory: %s\n  CPU Shares: %lld\n  PIDs: %lld\n", mem,
	       (long long)c->cpu_shares, (long long)c->pids_limit);
	for (size_t i = 0; c->ulimits[i]; i++)
		printf("  Ulimit: %s\n", c->ulimits[i]);
}

int cmd_info(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct berth_image **imgs = NULL;
	struct berth_engine *e;
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
	if (cli_engine(g, &e, err) < 0)
		return 1;
	uname(&u);
	sysinfo(&si);
	printf("Client: berth %s (daemonless)\n", BERTH_VERSION);
	print_containers(e);
	printf(" Images: %zu\n", n);
	printf(" Storage Driver: %s\n", berth_storage_driver_name(driver));
	printf(" Data Root: %s\n", g->root);
	printf(" Cgroup Version: %s\n", cgroup_version());
	printf(" Cgroup Driver: cgroupfs\n");
	printf(" Logging Driver: %s\n", e->conf.log_driver);
	printf(" Config File: %s%s\n", e->conf_path,
	       access(e->conf_path, F_OK) == 0 ? "" : " (absent: built-in defaults)");
	print_limits(&e->conf);
	printf(" Security Options:\n");
	if (access("/proc/sys/kernel/seccomp/actions_avail", F_OK) == 0)
		printf("  seccomp\n   Profile: %s\n",
		       e->conf.seccomp_profile ? e->conf.seccomp_profile : "builtin");
	if (e->conf.userns_remap)
		printf("  userns\n");
	printf("  no-new-privileges\n");
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
