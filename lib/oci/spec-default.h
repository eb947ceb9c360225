/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SPEC_DEFAULT_H
#define BERTH_OCI_SPEC_DEFAULT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * berth's default config.json (`berth-runc spec`): secure by default.
 * - capabilities: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE only, never inheritable;
 * - noNewPrivileges: true;
 * - berth's default seccomp allowlist (lib/oci/seccomp-default.c);
 * - pid, network, ipc, uts, mount and cgroup namespaces;
 * - /proc/kcore, /proc/keys, /sys/firmware... masked, /proc/sys, /proc/sysrq-trigger... read-only;
 * - sysfs and the cgroup fs mounted read-only, /dev as tmpfs without exec or suid;
 * - RLIMIT_NOFILE 1024.
 * With @rootless, a user namespace mapping @uid/@gid to root replaces the host ids.
 * The caller puts the returned object.
 */
json_object *berth_spec_default(bool rootless, uid_t uid, gid_t gid);

#endif
