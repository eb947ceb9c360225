/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/monitor.h"

/*
 * berth-monitor [--root DIR] [--config FILE] ID: the monitor, with fd 3 the
 * status pipe and fd 4 an attach socket (or /dev/null).  `berth` (start, run,
 * restart) forks the same body without executing this (lib/engine/start.c);
 * it runs this file as the idle image, `--idle FD`: the same monitor
 * re-executed once its run lasted (FD: its saved state).  Everything is in
 * lib/engine/monitor*.c.
 */
int main(int argc, char **argv)
{
	const char *root = "/var/lib/berth", *conf = NULL, *id = NULL;
	bool bad = false;
	int idle = -1;

	for (int i = 1; i < argc && !bad; i++) {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			root = argv[++i];
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc)
			idle = atoi(argv[++i]);
		else if (id == NULL && argv[i][0] != '-')
			id = argv[i];
		else
			bad = true;
	}
	if (id == NULL || bad) {
		fputs("usage: berth-monitor [--root DIR] [--config FILE] ID\n"
		      "(started by berth, with fd 3 its status pipe and fd 4 an attach socket)\n",
		      stderr);
		return 2;
	}
	if (idle > 2)
		return berth_monitor_idle_main(root, conf, id, idle);
	return berth_monitor_main("/proc/self/exe", root, conf, id, 3, 4, -1);
}
