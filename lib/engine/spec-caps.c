/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capabilities: berth's default set, CapAdd and CapDrop with Docker's rules,
 * and the set written to process.capabilities.
 */
#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "engine/spec-security-int.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/json.h"

#define CAP_BIT(c) (1ULL << (c))

/*
 * Docker's 14 minus NET_RAW (raw sockets: ARP and ICMP spoofing, CIS 5.3),
 * MKNOD (devices are given with --device), AUDIT_WRITE and SETFCAP (no file
 * capabilities are granted inside).
 */
static const int default_caps[] = {
	CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FOWNER,  CAP_FSETID,		 CAP_KILL,
	CAP_SETGID, CAP_SETUID,	      CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
};

uint64_t berth_sec_default_caps(void)
{
	uint64_t m = 0;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(default_caps); i++)
		m |= CAP_BIT(default_caps[i]);
	return m;
}

/*
 * "All" is every capability berth itself may still hold (its bounding set):
 * a capability outside it cannot be given, and asking for it would only make
 * the container fail to start (as happens where root lacks CAP_SYS_RESOURCE).
 */
static uint64_t all_caps(void)
{
	uint64_t m = 0;

	for (int c = 0; c <= berth_cap_last() && c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			m |= CAP_BIT(c);
	return m;
}

/* "sys_admin", "CAP_SYS_ADMIN", "Sys_Admin" → the number; "ALL" → 64; else an error. */
static int cap_parse(const char *name, const char *flag, struct berth_error **err)
{
	char buf[64] = "CAP_";
	size_t n = strlen(name), off = 4;
	int cap;

	if (strncasecmp(name, "CAP_", 4) == 0)
		off = 0;
	if (n == 0 || n + off >= sizeof(buf))
		return berth_error_set(err, EINVAL, "%s: unknown capability \"%s\"", flag, name);
	for (size_t i = 0; i < n; i++)
		buf[off + i] = (char)toupper((unsigned char)name[i]);
	buf[off + n] = '\0';
	if (strcmp(buf, "CAP_ALL") == 0)
		return 64;
	cap = berth_cap_from_name(buf);
	if (cap < 0 || cap > berth_cap_last())
		return berth_error_set(err, EINVAL, "%s: unknown capability \"%s\"", flag, name);
	return cap;
}

/* A capability list as a mask; *all is set when "ALL" is in it. */
static int cap_list(json_object *hc, const char *key, const char *flag, uint64_t *mask, bool *all,
		    struct berth_error **err)
{
	cleanup_strv char **names = NULL;
	int ret = berth_json_strv(hc, "HostConfig", key, &names, err);

	*mask = 0;
	*all = false;
	if (ret <= 0)
		return ret;
	for (char **p = names; *p != NULL; p++) {
		int cap = cap_parse(*p, flag, err);

		if (cap < 0)
			return cap;
		if (cap == 64)
			*all = true;
		else
			*mask |= CAP_BIT(cap);
	}
	return 0;
}

int berth_sec_caps(json_object *hc, bool privileged, uint64_t *caps, struct berth_error **err)
{
	uint64_t add, drop;
	bool add_all, drop_all;

	if (cap_list(hc, "CapAdd", "--cap-add", &add, &add_all, err) < 0 ||
	    cap_list(hc, "CapDrop", "--cap-drop", &drop, &drop_all, err) < 0)
		return berth_error_ret(err);
	if (privileged)
		*caps = all_caps();
	else if (add_all)
		*caps = all_caps() & ~drop; /* add ALL wins over drop ALL */
	else if (drop_all)
		*caps = add;
	else
		*caps = (berth_sec_default_caps() & ~drop) | add; /* an added cap wins */
	return 0;
}

static json_object *cap_array(uint64_t caps)
{
	json_object *a = json_object_new_array();

	for (int c = 0; c < 64; c++)
		if ((caps & CAP_BIT(c)) && berth_cap_name(c) != NULL)
			json_object_array_add(a, json_object_new_string(berth_cap_name(c)));
	return a;
}

int berth_sec_caps_apply(json_object *spec, uint64_t caps, struct berth_error **err)
{
	json_object *c = json_object_new_object();

	if (c == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_object_object_add(c, "bounding", cap_array(caps));
	json_object_object_add(c, "effective", cap_array(caps));
	json_object_object_add(c, "permitted", cap_array(caps));
	json_object_object_add(berth_spec_child(spec, "process"), "capabilities", c);
	return 0;
}
