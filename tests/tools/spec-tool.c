/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec-tool: a thin driver over the spec builder's parts for the integration
 * tests, before `berth run` exists.
 *
 *   spec-tool security [--userns HOSTUID:HOSTGID:SIZE] BODY.json
 *
 * prints berth's default spec with berth_spec_apply_security() applied to
 * the create body in BODY.json.  No engine: container:NAME modes fail.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "engine/spec-build.h"
#include "oci/spec-default.h"
#include "util/json.h"

static int parse_userns(const char *s, struct berth_userns *u)
{
	unsigned uid, gid, size;

	if (sscanf(s, "%u:%u:%u", &uid, &gid, &size) != 3)
		return -1;
	*u = (struct berth_userns){ .enabled = true,
				    .uid = { .container = 0, .host = uid, .size = size },
				    .gid = { .container = 0, .host = gid, .size = size } };
	return 0;
}

int main(int argc, char **argv)
{
	struct berth_userns userns = { .enabled = false };
	struct berth_error *err = NULL;
	json_object *body = NULL, *spec;
	struct berth_spec_ctx ctx = { 0 };
	int i = 2;

	if (argc < 3 || strcmp(argv[1], "security") != 0)
		goto usage;
	if (strcmp(argv[i], "--userns") == 0) {
		if (argc < 5 || parse_userns(argv[i + 1], &userns) < 0)
			goto usage;
		i += 2;
	}
	if (i != argc - 1)
		goto usage;
	if (berth_json_parse_file(AT_FDCWD, argv[i], 1 << 20, &body, &err) < 0)
		goto fail;
	spec = berth_spec_default(false, 0, 0);
	ctx = (struct berth_spec_ctx){ .id = "spec-tool", .create = body, .userns = &userns };
	if (berth_spec_apply_security(&ctx, spec, &err) < 0)
		goto fail;
	puts(json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(spec);
	json_object_put(body);
	return 0;
fail:
	fprintf(stderr, "spec-tool: %s\n", err->msg);
	berth_error_free(err);
	return 1;
usage:
	fprintf(stderr, "usage: spec-tool security [--userns HOSTUID:HOSTGID:SIZE] BODY.json\n");
	return 2;
}
