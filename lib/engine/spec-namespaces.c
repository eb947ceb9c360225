/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NetworkMode, IpcMode, PidMode, UTSMode, CgroupnsMode and UsernsMode →
 * linux.namespaces.  The default spec already has a new pid, network, ipc,
 * uts, mount and cgroup namespace; "host" removes one, "container:NAME" joins
 * that running container's by path (/proc/<pid>/ns/<kind>).  With user
 * namespaces on, the host's pid, network and ipc namespaces are refused (their
 * /proc, sysfs and mqueue cannot be mounted from inside one), and joining
 * another container joins its user namespace too: every berth container
 * shares the same id range, so the ids mean the same on both sides.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/ctr.h"
#include "engine/spec-security-int.h"
#include "util/cleanup.h"
#include "util/json.h"

enum mode { MODE_DEFAULT, MODE_HOST, MODE_CONTAINER, MODE_NONE, MODE_SHAREABLE };

struct ns_req {
	const char *field, *flag, *kind; /* "PidMode", "--pid", "pid" (the /proc/<pid>/ns name) */
	const char *type;		 /* the spec's namespace type */
	const char *const *accepted;	 /* values besides "", "host" and "container:" */
};

struct ns_state {
	struct berth_spec_ctx *ctx;
	json_object *spec;
	bool userns; /* the container gets a user namespace */
	pid_t donor; /* the first container joined, 0: none */
	const char *donor_name;
};

static json_object *ns_array(json_object *spec)
{
	return berth_sec_arr(berth_spec_child(spec, "linux"), "namespaces");
}

/* Remove the namespace of @type; with @path, put it back joining @path. */
static void ns_set(json_object *spec, const char *type, const char *path, bool present)
{
	json_object *a = ns_array(spec), *ns;

	for (size_t i = json_object_array_length(a); i > 0; i--) {
		json_object *t =
		    json_object_object_get(json_object_array_get_idx(a, i - 1), "type");

		if (t != NULL && strcmp(json_object_get_string(t), type) == 0)
			json_object_array_del_idx(a, i - 1, 1);
	}
	if (!present)
		return;
	ns = json_object_new_object();
	json_object_object_add(ns, "type", json_object_new_string(type));
	if (path != NULL)
		json_object_object_add(ns, "path", json_object_new_string(path));
	json_object_array_add(a, ns);
}

/* The pid of running container @ref; its HostConfig.IpcMode in *ipc_mode when asked. */
static int donor_pid(struct berth_engine *e, const char *ref, const char *flag, pid_t *pid,
		     char **ipc_mode, struct berth_error **err)
{
	char id[BERTH_CTR_ID_LEN + 1];
	struct berth_ctr *c = NULL;
	json_object *m = NULL;
	const char *st;

	if (e == NULL)
		return berth_error_set(err, EINVAL, "%s=container:%s: no engine to look it up",
				       flag, ref);
	if (berth_ctr_lookup(e, ref, id, err) < 0 || berth_ctr_load(e, id, &c, err) < 0)
		return berth_error_prefix(err, "%s", flag);
	if (berth_ctr_refresh(e, c, err) < 0) {
		berth_ctr_free(c);
		return berth_error_prefix(err, "%s", flag);
	}
	st = berth_ctr_status(c);
	*pid = berth_ctr_pid(c);
	if ((strcmp(st, BERTH_CTR_RUNNING) != 0 && strcmp(st, BERTH_CTR_PAUSED) != 0) ||
	    *pid <= 0) {
		berth_ctr_free(c);
		return berth_error_set(err, EINVAL, "%s: container %s is not running", flag, ref);
	}
	if (ipc_mode != NULL) {
		m = json_object_object_get(berth_ctr_hostconfig(c), "IpcMode");
		*ipc_mode = strdup(m != NULL ? json_object_get_string(m) : "");
	}
	berth_ctr_free(c);
	return 0;
}

static void ns_path(pid_t pid, const char *kind, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/%d/ns/%s", (int)pid, kind);
}

/* Join @ref's namespace of @r's kind. */
static int join(struct ns_state *s, const struct ns_req *r, const char *ref,
		struct berth_error **err)
{
	cleanup_free char *ipc_mode = NULL;
	char path[64];
	pid_t pid = 0;

	if (*ref == '\0')
		return berth_error_set(err, EINVAL, "%s=container: needs a container name",
				       r->flag);
	if (donor_pid(s->ctx->engine, ref, r->flag, &pid,
		      strcmp(r->kind, "ipc") == 0 ? &ipc_mode : NULL, err) < 0)
		return berth_error_ret(err);
	if (ipc_mode != NULL && strcmp(ipc_mode, "shareable") != 0 && strcmp(ipc_mode, "host") != 0)
		return berth_error_set(err, EINVAL,
				       "--ipc=container:%s: its IPC namespace is not shareable "
				       "(create it with --ipc=shareable)",
				       ref);
	ns_path(pid, r->kind, path, sizeof(path));
	ns_set(s->spec, r->type, path, true);
	if (s->donor == 0) {
		s->donor = pid;
		s->donor_name = ref;
	}
	return 0;
}

static bool accepted(const struct ns_req *r, const char *v)
{
	for (const char *const *a = r->accepted; a != NULL && *a != NULL; a++)
		if (strcmp(*a, v) == 0)
			return true;
	return false;
}

static int one_mode(struct ns_state *s, json_object *hc, const struct ns_req *r,
		    struct berth_error **err)
{
	const char *v = "";

	if (berth_sec_str(hc, r->field, &v, err) < 0)
		return berth_error_ret(err);
	if (*v == '\0' || accepted(r, v))
		return 0;
	if (strncmp(v, "container:", 10) == 0 && strcmp(r->kind, "cgroup") != 0)
		return join(s, r, v + 10, err);
	if (strcmp(v, "host") != 0)
		return berth_error_set(err, EINVAL, "%s: unknown mode \"%s\"", r->flag, v);
	if (s->userns && strcmp(r->kind, "uts") != 0 && strcmp(r->kind, "cgroup") != 0)
		return berth_error_set(err, EINVAL, "%s=host requires --userns=host", r->flag);
	ns_set(s->spec, r->type, NULL, false);
	return 0;
}

static int network_mode(struct ns_state *s, json_object *hc, struct berth_error **err)
{
	static const char *const ok[] = { "none", "default", NULL };
	static const struct ns_req r = { "NetworkMode", "--network", "net", "network", ok };
	const char *v = "";

	if (berth_sec_str(hc, "NetworkMode", &v, err) < 0)
		return berth_error_ret(err);
	if (*v != '\0' && !accepted(&r, v) && strcmp(v, "host") != 0 &&
	    strncmp(v, "container:", 10) != 0)
		return berth_error_set(err, ENOTSUP, "network %s is not supported yet", v);
	return one_mode(s, hc, &r, err);
}

static int ipc_mode(struct ns_state *s, json_object *hc, struct berth_error **err)
{
	static const char *const ok[] = { "private", "shareable", "none", NULL };
	static const struct ns_req r = { "IpcMode", "--ipc", "ipc", "ipc", ok };
	json_object *mounts = NULL;
	const char *v = "";

	if (one_mode(s, hc, &r, err) < 0 || berth_sec_str(hc, "IpcMode", &v, err) < 0)
		return berth_error_ret(err);
	if (strcmp(v, "none") != 0 || !json_object_object_get_ex(s->spec, "mounts", &mounts))
		return 0;
	/* "none": a private IPC namespace and no /dev/shm at all. */
	for (size_t i = json_object_array_length(mounts); i > 0; i--) {
		json_object *d =
		    json_object_object_get(json_object_array_get_idx(mounts, i - 1), "destination");

		if (d != NULL && strcmp(json_object_get_string(d), "/dev/shm") == 0)
			json_object_array_del_idx(mounts, i - 1, 1);
	}
	return 0;
}

static int uts_mode(struct ns_state *s, json_object *hc, struct berth_error **err)
{
	static const struct ns_req r = { "UTSMode", "--uts", "uts", "uts", NULL };
	const char *v = "";

	if (one_mode(s, hc, &r, err) < 0 || berth_sec_str(hc, "UTSMode", &v, err) < 0)
		return berth_error_ret(err);
	/* The host's (or the other container's) hostname is kept, not overwritten. */
	if (*v != '\0')
		json_object_object_del(s->spec, "hostname");
	return 0;
}

static json_object *id_map(const struct berth_idmap *m)
{
	json_object *a = json_object_new_array(), *o = json_object_new_object();

	json_object_object_add(o, "containerID", json_object_new_int64(m->container));
	json_object_object_add(o, "hostID", json_object_new_int64(m->host));
	json_object_object_add(o, "size", json_object_new_int64(m->size));
	json_object_array_add(a, o);
	return a;
}

static bool same_ns(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* A new user namespace with the berth range, or the joined container's. */
static int user_ns(struct ns_state *s, struct berth_error **err)
{
	json_object *linux_obj = berth_spec_child(s->spec, "linux");
	char path[64];

	json_object_object_del(linux_obj, "uidMappings");
	json_object_object_del(linux_obj, "gidMappings");
	if (!s->userns) {
		ns_set(s->spec, "user", NULL, false);
		return 0;
	}
	if (s->donor == 0) {
		ns_set(s->spec, "user", NULL, true);
		json_object_object_add(linux_obj, "uidMappings", id_map(&s->ctx->userns->uid));
		json_object_object_add(linux_obj, "gidMappings", id_map(&s->ctx->userns->gid));
		return 0;
	}
	ns_path(s->donor, "user", path, sizeof(path));
	if (same_ns(path, "/proc/self/ns/user"))
		return berth_error_set(err, EINVAL,
				       "container %s has no user namespace: join it with "
				       "--userns=host",
				       s->donor_name);
	ns_set(s->spec, "user", path, true);
	return 0;
}

static int userns_mode(struct ns_state *s, json_object *hc, struct berth_error **err)
{
	const char *v = "";

	if (berth_sec_str(hc, "UsernsMode", &v, err) < 0)
		return berth_error_ret(err);
	if (*v != '\0' && strcmp(v, "host") != 0 && strcmp(v, "remap") != 0)
		return berth_error_set(err, EINVAL, "--userns: unknown mode \"%s\"", v);
	return 0;
}

int berth_sec_namespaces(struct berth_spec_ctx *ctx, json_object *hc, json_object *spec,
			 struct berth_error **err)
{
	static const char *const cg_ok[] = { "private", NULL };
	static const struct ns_req pid = { "PidMode", "--pid", "pid", "pid", NULL };
	static const struct ns_req cgroup = { "CgroupnsMode", "--cgroupns", "cgroup", "cgroup",
					      cg_ok };
	struct ns_state s = {
		.ctx = ctx,
		.spec = spec,
		.userns = ctx->userns != NULL && ctx->userns->enabled,
	};

	if (userns_mode(&s, hc, err) < 0 || network_mode(&s, hc, err) < 0 ||
	    ipc_mode(&s, hc, err) < 0 || one_mode(&s, hc, &pid, err) < 0 ||
	    uts_mode(&s, hc, err) < 0 || one_mode(&s, hc, &cgroup, err) < 0)
		return berth_error_ret(err);
	return user_ns(&s, err);
}
