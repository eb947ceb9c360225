/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: berth_seccomp_from_docker (lib/engine/seccomp-docker.c),
 * a seccomp profile in Docker's format → the OCI linux.seccomp object, for a
 * container holding no capability, every one, and a set derived from the
 * input (so includes/excludes of caps go both ways).  The input is also given
 * as the inline JSON Docker's CLI sends (berth_seccomp_docker_load).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spec-security-int.h"
#include "oci/spec-seccomp.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ret, struct berth_error *err, json_object *out)
{
	if ((ret < 0) != (err != NULL) || (ret < 0) == (out != NULL) ||
	    (err != NULL && (ret != -err->code || err->msg == NULL || err->msg[0] == '\0')))
		abort();
	/* What comes out is a valid OCI object: the runtime accepts it as it is. */
	if (out != NULL) {
		struct berth_seccomp *s = NULL;
		struct berth_error *e2 = NULL;

		if (berth_seccomp_parse(out, "linux.seccomp", &s, &e2) < 0)
			abort();
		berth_seccomp_free(s);
	}
	json_object_put(out);
	berth_error_free(err);
}

/* FNV-1a over the input: a capability set that changes with every byte. */
static uint64_t caps_of(const uint8_t *data, size_t size)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ULL;
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t sets[] = { 0, UINT64_MAX, caps_of(data, size) };
	struct berth_error *err = NULL;
	json_object *profile = NULL, *out = NULL;
	char *s;
	int ret;

	if (berth_json_parse((const char *)data, size, &profile, &err) < 0) {
		berth_error_free(err);
		return 0;
	}
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		err = NULL, out = NULL;
		ret = berth_seccomp_from_docker(profile, "profile", sets[i], &out, &err);
		check(ret, err, out);
	}
	json_object_put(profile);
	/* The inline form: only JSON text, never a path (that would read a file). */
	s = strndup((const char *)data, size);
	if (s != NULL && s[strspn(s, " \t\r\n")] == '{') {
		err = NULL, out = NULL;
		ret = berth_seccomp_docker_load(s, sets[2], &out, &err);
		check(ret, err, out);
	}
	free(s);
	return 0;
}
