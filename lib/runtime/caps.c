/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t known_mask(void)
{
	int last = berth_cap_last();

	return last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
}

static int capset3(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	return (int)syscall(SYS_capset, &hdr, data);
}

static int capget_permitted(uint64_t *prm)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	*prm = data[0].permitted | ((uint64_t)data[1].permitted << 32);
	return 0;
}

int berth_caps_keep_across_setuid(bool on, struct berth_error **err)
{
	if (prctl(PR_SET_KEEPCAPS, on ? 1 : 0, 0, 0, 0) < 0)
		return berth_error_errno(err, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

/* Name the first capability of @mask in an EINVAL error. */
static int refuse(uint64_t mask, const char *set, const char *need, struct berth_error **err)
{
	for (int cap = 0; cap <= berth_cap_last(); cap++) {
		if (mask & (UINT64_C(1) << cap))
			return berth_error_set(err, EINVAL,
					       "process.capabilities.%s: %s must also be in %s",
					       set, berth_cap_name(cap), need);
	}
	return 0;
}

/* The kernel refuses these combinations; say which capability is wrong. */
static int check_sets(const struct berth_capabilities *c, uint64_t known, struct berth_error **err)
{
	int ret;

	ret = refuse(c->effective & known & ~c->permitted, "effective", "the permitted set", err);
	if (ret < 0)
		return ret;
	return refuse(c->ambient & known & ~(c->permitted & c->inheritable), "ambient",
		      "the permitted and inheritable sets", err);
}

static int drop_bounding(uint64_t bounding, struct berth_error **err)
{
	for (int cap = 0; cap <= berth_cap_last(); cap++) {
		if (bounding & (UINT64_C(1) << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return berth_error_errno(err, "drop bounding capability %s",
						 berth_cap_name(cap));
	}
	return 0;
}

static int set_ambient(uint64_t ambient, struct berth_error **err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return berth_error_errno(err, "clear the ambient capabilities");
	for (int cap = 0; cap <= berth_cap_last(); cap++) {
		if (!(ambient & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return berth_error_errno(err, "raise ambient capability %s",
						 berth_cap_name(cap));
	}
	return 0;
}

int berth_caps_apply(const struct berth_capabilities *c, struct berth_error **err)
{
	uint64_t known = known_mask(), prm;
	int ret;

	ret = check_sets(c, known, err);
	if (ret < 0)
		return ret;
	/*
	 * A switch away from uid 0 cleared the effective set; PR_CAPBSET_DROP
	 * needs CAP_SETPCAP effective, so make the permitted set effective first.
	 */
	if (capget_permitted(&prm) < 0 || capset3(prm, prm, 0) < 0)
		return berth_error_errno(err, "raise the permitted capabilities");
	ret = drop_bounding(c->bounding, err);
	if (ret < 0)
		return ret;
	if (capset3(c->effective & known, c->permitted & known, c->inheritable & known) < 0)
		return berth_error_errno(err, "capset");
	return set_ambient(c->ambient & known, err);
}
