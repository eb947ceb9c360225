/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: berth_seccomp_parse on a parsed linux.seccomp object. */
#include <stdint.h>
#include <stdlib.h>

#include "oci/spec-seccomp.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error *err = NULL;
	struct berth_seccomp *s = NULL;
	json_object *o = NULL;
	int ret;

	if (berth_json_parse((const char *)data, size, &o, &err) < 0) {
		berth_error_free(err);
		return 0;
	}
	ret = berth_seccomp_parse(o, "linux.seccomp", &s, &err);
	if ((ret < 0) != (err != NULL) || (ret < 0) == (s != NULL) ||
	    (err != NULL && ret != -err->code))
		abort();
	/* A rule that notifies needs somewhere to send the listener fd. */
	if (berth_seccomp_has_notify(s) && berth_seccomp_listener_path(s) == NULL)
		abort();
	berth_seccomp_free(s);
	berth_error_free(err);
	json_object_put(o);
	return 0;
}
