/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stdbool.h>

#include <json-c/json.h>

#include "image/store.h"
#include "registry/client.h"
#include "registry/config.h"
#include "util/error.h"

/* Global options of `berth`. */
struct cli {
	const char *root; /* data root: --root, $BERTH_ROOT, /var/lib/berth */
	bool debug;
	struct berth_store *store;   /* opened on first use */
	struct berth_engine *engine; /* opened on first use (containers.h) */
};

struct command {
	const char *name;
	int (*run)(struct cli *g, int argc, char **argv, struct berth_error **err);
	const char *usage;
};

/* The store of the data root, opened once. */
int cli_store(struct cli *g, struct berth_store **out, struct berth_error **err);

/* Registry options with the loaded registries config (registry-opts.c). */
struct cli_registry {
	struct berth_registry_config *config;
	struct berth_registry_opts opts; /* .config points into this struct's config */
};
int cli_registry_opts(struct cli_registry *r, struct berth_error **err);
void cli_registry_release(struct cli_registry *r);

int cmd_pull(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_push(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_login(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_logout(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_images(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_tag(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_rmi(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_image(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_inspect(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_info(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_save(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_load(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_import(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_history(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_system(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_volume(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_version(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_create(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_run(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_start(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_stop(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_restart(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_kill(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_wait(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_pause(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_unpause(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_attach(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_ps(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_rm(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_container(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_image_inspect(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_logs(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_exec(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_top(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_stats(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_cp(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_export(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_port(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_update(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_rename(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_container_prune(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_system_prune(struct cli *g, int argc, char **argv, struct berth_error **err);
int cmd_container_inspect(struct cli *g, int argc, char **argv, struct berth_error **err);

struct berth_gc_hooks;
struct berth_image;
/* GC hooks that include the storage snapshots of g's store. */
const struct berth_gc_hooks *cli_gc_hooks(struct cli *g);
/* Docker-shaped `image inspect` object of @img. */
int cli_image_inspect_json(struct berth_store *s, const struct berth_image *img, json_object **out,
			   struct berth_error **err);

/*
 * Docker's shape for verbs taking several objects (rm, update, volume rm...):
 * @fn on each argument from @first; the argument is printed when it
 * succeeds, the error when it fails, and the others still run.  1 if any failed.
 */
int cli_each(int argc, char **argv, int first,
	     int (*fn)(void *ctx, const char *arg, struct berth_error **err), void *ctx);

/* Docker's human formats: "4.26MB", "2 weeks ago". */
void cli_human_size(int64_t bytes, char *buf, size_t size);
void cli_human_ago(int64_t then, char *buf, size_t size);
void cli_human_duration(int64_t seconds, char *buf, size_t size);

#endif
