/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_OCI_SPEC_H
#define BERTH_OCI_SPEC_H

/*
 * The OCI runtime-spec 1.1 config.json, parsed and validated (Linux only).
 * Parsing does no syscalls; errors name the JSON path.  Unknown fields are
 * ignored, as the spec requires.  Sections with a lot of structure are parsed
 * by their own files (spec-mounts.c, spec-resources.c, spec-seccomp.c, ...).
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct berth_seccomp;	/* oci/spec-seccomp.h */
struct berth_resources; /* oci/spec-resources.h */

enum berth_ns_type {
	BERTH_NS_PID,
	BERTH_NS_NET,
	BERTH_NS_MOUNT,
	BERTH_NS_IPC,
	BERTH_NS_UTS,
	BERTH_NS_USER,
	BERTH_NS_CGROUP,
	BERTH_NS_TIME,
	BERTH_NS_COUNT,
};

struct berth_namespace {
	bool present; /* listed in linux.namespaces */
	char *path;   /* join this one instead of creating (NULL: create) */
};

struct berth_id_map {
	uint32_t container_id, host_id, size;
};

struct berth_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* One capability set as a bit mask of CAP_* numbers. */
struct berth_capabilities {
	uint64_t bounding, effective, inheritable, permitted, ambient;
	bool present; /* process.capabilities given at all */
};

struct berth_user {
	uid_t uid;
	gid_t gid;
	int umask; /* -1: not set */
	gid_t *additional_gids;
	size_t n_additional_gids;
};

struct berth_io_priority {
	bool present;
	int class; /* IOPRIO_CLASS_* */
	int priority;
};

struct berth_scheduler {
	bool present;
	int policy; /* SCHED_* */
	int nice, priority;
	uint64_t flags; /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
};

struct berth_process {
	bool terminal;
	unsigned console_height, console_width;
	struct berth_user user;
	char **args;
	char **env;
	char *cwd;
	struct berth_capabilities caps;
	struct berth_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	char *selinux_label;
	bool has_oom_score_adj;
	int oom_score_adj;
	struct berth_io_priority io_priority;
	struct berth_scheduler scheduler;
};

enum berth_mount_kind {
	BERTH_MOUNT_BIND,
	BERTH_MOUNT_FS, /* any file-system type: tmpfs, proc, sysfs, ... */
};

/* An idmapped mount (the "idmap"/"ridmap" options with uid/gidMappings). */
struct berth_mount {
	char *destination;
	char *type;   /* may be NULL */
	char *source; /* may be NULL */
	enum berth_mount_kind kind;
	bool recursive;		     /* rbind */
	unsigned long flags;	     /* MS_* to set */
	unsigned long clear;	     /* MS_* explicitly cleared (e.g. "rw", "suid") */
	unsigned long propagation;   /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC) */
	uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for recursive r* options */
	char *data;		     /* file-system options passed to mount(2) */
	bool idmap, ridmap;
	bool tmpcopyup; /* tmpfs starts with what the image had at the destination */
	struct berth_id_map *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
};

struct berth_device {
	char *path;
	char type; /* 'c', 'b', 'u' or 'p' */
	int64_t major, minor;
	mode_t file_mode; /* permission bits; 0666 when absent */
	bool has_file_mode;
	uid_t uid;
	gid_t gid;
};

struct berth_hook {
	char *path;
	char **args;
	char **env;
	int timeout; /* seconds, 0: none */
};

enum berth_hook_kind {
	BERTH_HOOK_PRESTART,
	BERTH_HOOK_CREATE_RUNTIME,
	BERTH_HOOK_CREATE_CONTAINER,
	BERTH_HOOK_START_CONTAINER,
	BERTH_HOOK_POSTSTART,
	BERTH_HOOK_POSTSTOP,
	BERTH_HOOK_COUNT,
};

struct berth_hooks {
	struct berth_hook *list[BERTH_HOOK_COUNT];
	size_t n[BERTH_HOOK_COUNT];
};

struct berth_sysctl {
	char *key, *value;
};

struct berth_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

struct berth_spec {
	char *oci_version;
	char *root_path; /* as given; relative to the bundle */
	bool root_readonly;
	char *hostname;
	char *domainname;
	struct berth_process process;
	bool has_process;
	struct berth_mount *mounts;
	size_t n_mounts;
	struct berth_hooks hooks;
	json_object *annotations; /* string map or NULL; owned through @doc */

	/* linux */
	struct berth_namespace ns[BERTH_NS_COUNT];
	struct berth_id_map *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	struct berth_time_offset time_monotonic, time_boottime;
	struct berth_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct berth_resources *resources; /* NULL when absent */
	unsigned long rootfs_propagation;  /* 0: runtime default (MS_REC|MS_SLAVE) */
	char **masked_paths;
	char **readonly_paths;
	char *mount_label;
	struct berth_sysctl *sysctl;
	size_t n_sysctl;
	struct berth_seccomp *seccomp; /* NULL when absent */
	char *personality_domain;      /* "LINUX" / "LINUX32" or NULL */

	json_object *doc; /* the parsed document, kept for annotations */
};

/* Parse and validate a config.json document; the caller frees with berth_spec_free(). */
int berth_spec_parse(const char *buf, size_t len, struct berth_spec **out,
		     struct berth_error **err);

/* The same from a document already parsed (@root: borrowed, referenced by the result). */
int berth_spec_parse_doc(json_object *root, struct berth_spec **out, struct berth_error **err);

/* Read @path (relative to @dirfd) and parse it; capped at 4 MiB. */
int berth_spec_load(int dirfd, const char *path, struct berth_spec **out, struct berth_error **err);

/* Parse a process object alone (exec -p process.json). */
int berth_process_parse(json_object *obj, const char *path, struct berth_process *out,
			struct berth_error **err);
void berth_process_release(struct berth_process *p);

void berth_spec_free(struct berth_spec *spec);

/* Name <-> number tables shared by the parsers and `features`. */
int berth_cap_from_name(const char *name);    /* "CAP_SYS_ADMIN" -> 21, or -1 */
const char *berth_cap_name(int cap);	      /* NULL when unknown */
int berth_cap_last(void);		      /* highest known capability */
int berth_rlimit_from_name(const char *name); /* "RLIMIT_NOFILE" -> 7, or -1 */
const char *berth_rlimit_name(int resource);
const char *berth_ns_name(enum berth_ns_type t); /* the spec's type string */
int berth_ns_clone_flag(enum berth_ns_type t);	 /* CLONE_NEW* */
const char *berth_hook_name(enum berth_hook_kind k);

#endif
