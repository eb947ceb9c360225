/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_SPEC_SECURITY_INT_H
#define BERTH_ENGINE_SPEC_SECURITY_INT_H

/*
 * The pieces of berth_spec_apply_security() (spec-security.c), one file per
 * concern.  Each takes the create body's HostConfig (@hc, never NULL: an
 * empty object when the body has none) and edits @spec in place.  Errors name
 * the Docker flag or HostConfig field at fault.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/spec-build.h"
#include "util/error.h"

/* The capability set berth grants by default (docs/security-defaults.md). */
uint64_t berth_sec_default_caps(void);

/*
 * CapAdd/CapDrop (or every capability when @privileged) → *caps, a mask of
 * 1 << CAP_*, with Docker's rules: names with or without "CAP_", any case,
 * "ALL" in either list.
 */
int berth_sec_caps(json_object *hc, bool privileged, uint64_t *caps, struct berth_error **err);

/* Write @caps to process.capabilities: bounding, effective, permitted; no inheritable, ambient. */
int berth_sec_caps_apply(json_object *spec, uint64_t caps, struct berth_error **err);

/* What HostConfig.SecurityOpt asks for. */
struct berth_secopts {
	bool no_new_privs;	 /* default true */
	bool seccomp_unconfined; /* seccomp=unconfined */
	const char *seccomp;	 /* seccomp=PATH or the inline JSON Docker's CLI sends (borrowed) */
	const char *apparmor;	 /* apparmor=PROFILE (borrowed) */
	bool systempaths_unconfined; /* systempaths=unconfined */
};

int berth_sec_opts_parse(json_object *hc, struct berth_secopts *o, struct berth_error **err);

/* process.apparmorProfile, process.noNewPrivileges and linux.seccomp from @o. */
int berth_sec_opts_apply(struct berth_spec_ctx *ctx, const struct berth_secopts *o, bool privileged,
			 uint64_t caps, json_object *spec, struct berth_error **err);

/*
 * A seccomp profile in Docker's format (defaultAction, defaultErrnoRet,
 * architectures or archMap, syscalls with names/action/errnoRet/args and
 * includes/excludes of caps, arches and minKernel) → the OCI linux.seccomp
 * object for a container holding @caps on this host (its architecture and
 * kernel).  @what names the profile in errors.  The caller puts *out.
 */
int berth_seccomp_from_docker(json_object *profile, const char *what, uint64_t caps,
			      json_object **out, struct berth_error **err);

/* Read a Docker-format profile from @path (or parse @inline_json) and convert it. */
int berth_seccomp_docker_load(const char *path_or_json, uint64_t caps, json_object **out,
			      struct berth_error **err);

/* NetworkMode, IpcMode, PidMode, UTSMode, UsernsMode → linux.namespaces and id mappings. */
int berth_sec_namespaces(struct berth_spec_ctx *ctx, json_object *hc, json_object *spec,
			 struct berth_error **err);

/*
 * Devices, DeviceCgroupRules (and every host device when @privileged) →
 * linux.devices and linux.resources.devices.
 */
int berth_sec_devices(json_object *hc, bool privileged, json_object *spec,
		      struct berth_error **err);

/* Parse one DeviceCgroupRules entry ("c 1:3 rwm", "b *:* r", "a") into a rule object. */
int berth_sec_parse_cgroup_rule(const char *rule, json_object **out, struct berth_error **err);

/* Sysctls → linux.sysctl, only namespaced keys and only for namespaces the container owns. */
int berth_sec_sysctls(json_object *hc, json_object *spec, struct berth_error **err);

/* Init → /sbin/berth-init bound read-only and put in front of process.args. */
int berth_sec_init(json_object *hc, json_object *spec, struct berth_error **err);

/* Helpers shared by the pieces (spec-security.c). */
json_object *berth_sec_arr(json_object *parent, const char *key); /* get or create */
/* HostConfig string field: "" when absent; an error when not a string. */
int berth_sec_str(json_object *hc, const char *key, const char **out, struct berth_error **err);

#endif
