/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HostConfig.Sysctls → linux.sysctl.  Only sysctls that belong to a
 * namespace the container owns are accepted (Docker's list): the IPC ones
 * (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*) unless the IPC
 * namespace is the host's, and net.* unless the network namespace is the
 * host's.  Anything else would change the host for everyone.
 */
#include <errno.h>
#include <string.h>

#include "engine/spec-security-int.h"
#include "util/json.h"

static const char *const ipc_keys[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",	    "kernel.sem", "kernel.shmall",
	"kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL,
};

/* Letters, digits, '_', '-' between single dots (the runtime turns dots into '/'). */
static bool key_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > 255 || k[0] == '.' || k[n - 1] == '.' || strstr(k, "..") != NULL)
		return false;
	return strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

static bool is_ipc(const char *k)
{
	for (const char *const *p = ipc_keys; *p != NULL; p++)
		if (strcmp(*p, k) == 0)
			return true;
	return strncmp(k, "fs.mqueue.", 10) == 0;
}

static int check(const char *k, const char *v, const char *net, const char *ipc,
		 struct berth_error **err)
{
	if (!key_ok(k))
		return berth_error_set(err, EINVAL, "--sysctl \"%s\": bad name", k);
	if (strchr(v, '\n') != NULL)
		return berth_error_set(err, EINVAL, "--sysctl %s: the value holds a newline", k);
	if (is_ipc(k)) {
		if (strcmp(ipc, "host") == 0)
			return berth_error_set(err, EINVAL,
					       "--sysctl %s: not allowed with --ipc=host (it would "
					       "change the host)",
					       k);
		return 0;
	}
	if (strncmp(k, "net.", 4) == 0) {
		if (strcmp(net, "host") == 0)
			return berth_error_set(err, EINVAL,
					       "--sysctl %s: not allowed with --network=host (it "
					       "would change the host)",
					       k);
		return 0;
	}
	return berth_error_set(err, EINVAL,
			       "--sysctl %s: not a namespaced sysctl (allowed: kernel.msg*, "
			       "kernel.sem, kernel.shm*, fs.mqueue.*, net.*)",
			       k);
}

int berth_sec_sysctls(json_object *hc, json_object *spec, struct berth_error **err)
{
	const char *net = "", *ipc = "";
	json_object *map = NULL, *out;

	if (berth_json_string_map(hc, "HostConfig", "Sysctls", &map, err) < 0 ||
	    berth_sec_str(hc, "NetworkMode", &net, err) < 0 ||
	    berth_sec_str(hc, "IpcMode", &ipc, err) < 0)
		return berth_error_ret(err);
	if (map == NULL || json_object_object_length(map) == 0)
		return 0;
	out = berth_spec_child(berth_spec_child(spec, "linux"), "sysctl");
	json_object_object_foreach (map, key, val) {
		if (check(key, json_object_get_string(val), net, ipc, err) < 0)
			return berth_error_ret(err);
		json_object_object_add(out, key, json_object_get(val));
	}
	return 0;
}
