/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CLI_CONTAINERS_H
#define BERTH_CLI_CONTAINERS_H

#include "cli.h"
#include "engine/engine.h"
#include "run-flags.h"

/* The engine of g's data root, opened once (closed at exit). */
int cli_engine(struct cli *g, struct berth_engine **out, struct berth_error **err);

/*
 * What `create` and `run` share: find the image (pulling it as --pull says),
 * create the container record, bundle and rootfs; print warnings to stderr.
 * @id receives the full id (65 bytes).
 */
int cli_container_create(struct cli *g, struct cli_run_opts *o, char *id, struct berth_error **err);

/* Docker's inspect object of container @ref (record + State). */
int cli_container_inspect_json(struct berth_engine *e, const char *ref, json_object **out,
			       struct berth_error **err);

#endif
