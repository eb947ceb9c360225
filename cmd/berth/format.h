/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CLI_FORMAT_H
#define BERTH_CLI_FORMAT_H

#include <json-c/json.h>
#include <stdio.h>

#include "util/error.h"

/*
 * The part of Go templates that `--format` users write: literal text,
 * {{.Field.Sub}}, {{json .Field}}, {{json .}}, {{upper .X}}, {{lower .X}}
 * and the escapes \t and \n.  Strings print raw, numbers and booleans as
 * Go does, objects and arrays as JSON.  A missing field prints "<no value>"
 * as Go's templates do.
 */
int cli_format(FILE *out, const char *tmpl, json_object *obj, struct berth_error **err);

#endif
