/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: /etc/subuid and /etc/subgid as berth reads them
 * (lib/engine/subid.c): the input is the file; berth's entry is looked up and
 * checked, or a free range allocated beside the others.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/subid.h"
#include "engine/userns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ret, struct berth_error *err)
{
	if ((ret < 0) != (err != NULL) ||
	    (err != NULL && (ret != -err->code || strncmp(err->msg, "'/etc/subuid'", 13) != 0)))
		abort();
	berth_error_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_subid_file f = { .len = size, .exists = true };
	const struct berth_subid_entry *e;
	struct berth_error *err = NULL;
	uint32_t start = 0;
	int ret;

	f.buf = malloc(size + 1);
	if (f.buf == NULL)
		abort();
	memcpy(f.buf, data, size);
	ret = berth_subid_parse(&f, "/etc/subuid", &err);
	check(ret, err);
	if (ret < 0) {
		berth_subid_file_release(&f);
		return 0;
	}
	for (size_t i = 0; i < f.n; i++)
		if (f.v[i].count == 0 || (uint64_t)f.v[i].start + f.v[i].count > UINT32_MAX ||
		    !berth_subid_name_ok(f.v[i].name, f.v[i].nlen))
			abort();
	err = NULL;
	e = berth_subid_find(&f, BERTH_USERNS_USER);
	if (e != NULL) {
		check(berth_subid_check(&f, e, "/etc/subuid", &err), err);
	} else {
		ret = berth_subid_alloc(&f, BERTH_USERNS_SIZE, &start, "/etc/subuid", &err);
		check(ret, err);
		/* The new range is free: no entry shares an id with it. */
		for (size_t i = 0; ret == 0 && i < f.n; i++)
			if (start < BERTH_USERNS_FIRST ||
			    ((uint64_t)start < (uint64_t)f.v[i].start + f.v[i].count &&
			     f.v[i].start < (uint64_t)start + BERTH_USERNS_SIZE))
				abort();
	}
	berth_subid_file_release(&f);
	return 0;
}
