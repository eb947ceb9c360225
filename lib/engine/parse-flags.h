/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_PARSE_FLAGS_H
#define BERTH_ENGINE_PARSE_FLAGS_H

#include <json-c/json.h>
#include <stdint.h>

#include "util/error.h"

/*
 * The values of `berth run` / `berth create` flags in Docker's forms, parsed
 * into the pieces of Docker Engine API's container-create body.  Pure: no
 * CLI state, no printing.  Every function returns 0 or -EINVAL (-errno for
 * files) with *err set to Docker's wording of the problem; the caller names
 * the flag.  Objects returned through @out are new references the caller puts.
 */

/* parse-units.c */

/*
 * Docker's RAMInBytes: "1048576", "512k", "100m", "1.5g", "2GiB", "64 mb"
 * (binary multiples b k m g t p, case-insensitive, optional "i" and "b").
 * "invalid size: 's'" otherwise, and on overflow.
 */
int berth_flag_ram_bytes(const char *s, int64_t *out, struct berth_error **err);

/* --cpus: a decimal number of CPUs as nanoseconds per second ("1.5" → 1500000000). */
int berth_flag_nano_cpus(const char *s, int64_t *out, struct berth_error **err);

/* The daemon's check of NanoCpus against @ncpu online CPUs (0 means unset). */
int berth_flag_check_nano_cpus(int64_t nano, long ncpu, struct berth_error **err);

/* A plain decimal int64 (Go's strconv.ParseInt): "invalid syntax" / "value out of range". */
int berth_flag_int(const char *s, int64_t min, int64_t max, int64_t *out, struct berth_error **err);

/* Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False. */
int berth_flag_bool(const char *s, int *out, struct berth_error **err);

/* parse-limits.c */

/* --ulimit name=soft[:hard] → {Name, Soft, Hard}. */
int berth_flag_ulimit(const char *s, json_object **out, struct berth_error **err);

/* --restart no|always|unless-stopped|on-failure[:N] → {Name, MaximumRetryCount}. */
int berth_flag_restart(const char *s, json_object **out, struct berth_error **err);

/* --device /dev/x[:/dev/y][:rwm] → {PathOnHost, PathInContainer, CgroupPermissions}. */
int berth_flag_device(const char *s, json_object **out, struct berth_error **err);

/* --device-read-bps /dev/sda:1mb → {Path, Rate}; @iops: a plain count instead of a size. */
int berth_flag_throttle(const char *s, int iops, json_object **out, struct berth_error **err);

/* --blkio-weight-device /dev/sda:200 → {Path, Weight}. */
int berth_flag_weight_device(const char *s, json_object **out, struct berth_error **err);

/* --device-cgroup-rule "c 1:3 rwm" (type a|b|c, major/minor number or *, access rwm). */
int berth_flag_device_cgroup_rule(const char *s, struct berth_error **err);

/*
 * --cap-add / --cap-drop as Docker normalises them: upper case, "CAP_"
 * prefixed, known to berth, sorted and unique; "ALL" trumps the others; a
 * capability both added and dropped is only added.  Either vector may be NULL.
 * *add and *drop are new arrays (possibly empty).
 */
int berth_flag_caps(char *const *add, char *const *drop, json_object **add_out,
		    json_object **drop_out, struct berth_error **err);

/* parse-mounts.c */

/*
 * --mount's CSV (type=bind|volume|tmpfs, source, target, readonly,
 * bind-propagation, volume-nocopy, tmpfs-size, tmpfs-mode...) → one Mounts
 * entry.  Unknown keys and options of another mount type are refused.
 */
int berth_flag_mount(const char *csv, json_object **out, struct berth_error **err);

/*
 * -v / --volume: "SRC:DST[:OPTS]" or "/DST" (an anonymous volume).  SRC is an
 * absolute host path or a volume name; a relative path starting with "."
 * is made absolute against the working directory.  *out is the spec to
 * store in Binds (the caller frees).
 */
int berth_flag_volume(const char *spec, char **out, struct berth_error **err);

/* --tmpfs /path[:opts]: add "/path": "opts" to the object @map. */
int berth_flag_tmpfs(const char *s, json_object *map, struct berth_error **err);

/* parse-kv.c */

/*
 * Read an --env-file (@is_env) or --label-file: KEY=VAL lines, '#'
 * comments and blank lines skipped, leading white space dropped.  A bare
 * KEY takes its value from the environment (env files only) or is dropped.
 * *lines is a NULL-terminated vector of "KEY=VAL" (the caller frees).
 */
int berth_flag_read_kv_file(const char *path, int is_env, char ***lines, struct berth_error **err);

/* -e KEY=VAL, or KEY: "KEY=<value of berth's own KEY>", NULL when unset. */
int berth_flag_env(const char *s, char **out, struct berth_error **err);

/* --label k=v (k alone: ""): set it in the object @labels. */
int berth_flag_label(const char *s, json_object *labels, struct berth_error **err);

/* --sysctl k=v: the namespaced sysctls Docker allows, set in @map. */
int berth_flag_sysctl(const char *s, json_object *map, struct berth_error **err);

/*
 * --security-opt: no-new-privileges[=bool], seccomp=unconfined|builtin|FILE
 * (the file's JSON is inlined, as Docker's client does), apparmor=P,
 * label=user:|role:|type:|level:|disable|nested, systempaths=unconfined,
 * writable-cgroups=bool.  The old "key:value" form is accepted and written
 * as "key=value".  *out is the normalised string (the caller frees).
 */
int berth_flag_security_opt(const char *s, char **out, struct berth_error **err);

#endif
