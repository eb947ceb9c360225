/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/create.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/log.h"
#include "engine/rootfs.h"
#include "engine/spec-build.h"
#include "image/blobs.h"
#include "image/driver.h"
#include "runtime/container-cgroup.h"
#include "runtime/state.h"
#include "storage/snapshot.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define IMAGE_CONFIG_MAX (8 << 20)

/* The "config" object of the image config blob (NULL when it has none). */
static int image_run_config(struct berth_store *s, const struct berth_image *img,
			    json_object **whole, json_object **out, struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	*out = NULL;
	if (berth_blob_read(s, img->id, IMAGE_CONFIG_MAX, &buf, &len, err) < 0 ||
	    berth_json_parse(buf, len, whole, err) < 0)
		return berth_error_prefix(err, "image %s", img->id);
	if (berth_json_object(*whole, "", "config", out, err) < 0)
		return berth_error_prefix(err, "image %s", img->id);
	return 0;
}

static json_object *idmap_json(const struct berth_idmap *m)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ContainerID", json_object_new_int64(m->container));
	json_object_object_add(o, "HostID", json_object_new_int64(m->host));
	json_object_object_add(o, "Size", json_object_new_int64(m->size));
	return o;
}

static json_object *userns_json(const struct berth_userns *u)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "Enabled", json_object_new_boolean(u->enabled));
	if (u->enabled) {
		json_object_object_add(o, "UidMap", idmap_json(&u->uid));
		json_object_object_add(o, "GidMap", idmap_json(&u->gid));
	}
	return o;
}

static json_object *graph_driver(const char *dir, int driver)
{
	json_object *gd = json_object_new_object(), *data = json_object_new_object();
	char *p = NULL;

	json_object_object_add(gd, "Name",
			       json_object_new_string(berth_storage_driver_name(driver)));
	if (asprintf(&p, "%s/rootfs", dir) >= 0)
		json_object_object_add(data, "MergedDir", json_object_new_string(p));
	free(p);
	if (driver == BERTH_DRIVER_OVERLAY) {
		if (asprintf(&p, "%s/diff", dir) >= 0)
			json_object_object_add(data, "UpperDir", json_object_new_string(p));
		free(p);
		if (asprintf(&p, "%s/work", dir) >= 0)
			json_object_object_add(data, "WorkDir", json_object_new_string(p));
		free(p);
	}
	json_object_object_add(gd, "Data", data);
	return gd;
}

/* The record's first version: everything but what the spec builder adds. */
static json_object *new_record(const char *id, const char *name, const char *dir,
			       const struct berth_image *img, int driver,
			       const struct berth_userns *u)
{
	json_object *r = json_object_new_object();
	char *now = berth_now_rfc3339(), *s = NULL;

	json_object_object_add(r, "Id", json_object_new_string(id));
	json_object_object_add(r, "Created", json_object_new_string(now ? now : ""));
	free(now);
	if (asprintf(&s, "/%s", name) >= 0)
		json_object_object_add(r, "Name", json_object_new_string(s));
	free(s);
	json_object_object_add(r, "Image", json_object_new_string(img->id));
	json_object_object_add(r, "Driver",
			       json_object_new_string(berth_storage_driver_name(driver)));
	json_object_object_add(r, "Platform", json_object_new_string("linux"));
	json_object_object_add(r, "GraphDriver", graph_driver(dir, driver));
	json_object_object_add(
	    r, "BerthChainID",
	    json_object_new_string(img->n_layers ? img->layers[img->n_layers - 1].chain_id : ""));
	json_object_object_add(r, "BerthUserns", userns_json(u));
	if (asprintf(&s, "%s/%s-json.log", dir, id) >= 0)
		json_object_object_add(r, "LogPath", json_object_new_string(s));
	free(s);
	json_object_object_add(r, "MountLabel", json_object_new_string(""));
	json_object_object_add(r, "ProcessLabel", json_object_new_string(""));
	json_object_object_add(r, "AppArmorProfile", json_object_new_string(""));
	return r;
}

/* The last config.json written (berth_ctr_bundle_take). */
static struct {
	char id[BERTH_CTR_ID_LEN + 1];
	json_object *doc;
	char *text;
	size_t len;
	struct berth_spec *spec; /* parsed once asked for (berth_ctr_bundle_spec) */
} last_bundle;

static void bundle_keep(const char *id, json_object *spec, const char *text, size_t len)
{
	json_object_put(last_bundle.doc);
	free(last_bundle.text);
	berth_spec_free(last_bundle.spec);
	last_bundle.spec = NULL;
	last_bundle.text = strndup(text, len);
	last_bundle.doc = last_bundle.text != NULL ? json_object_get(spec) : NULL;
	last_bundle.len = len;
	snprintf(last_bundle.id, sizeof(last_bundle.id), "%s", id);
}

void berth_ctr_bundle_take(const char *id, json_object **doc, char **text, size_t *len,
			   struct berth_spec **spec)
{
	bool ours = last_bundle.doc != NULL && strcmp(last_bundle.id, id) == 0;

	*doc = ours ? steal_ptr(&last_bundle.doc) : NULL;
	*text = ours ? steal_ptr(&last_bundle.text) : NULL;
	*len = ours ? last_bundle.len : 0;
	*spec = ours ? steal_ptr(&last_bundle.spec) : NULL;
}

const struct berth_spec *berth_ctr_bundle_spec(const char *id)
{
	struct berth_error *err = NULL;

	if (last_bundle.doc == NULL || strcmp(last_bundle.id, id) != 0)
		return NULL;
	if (last_bundle.spec == NULL &&
	    berth_container_spec(last_bundle.doc, &last_bundle.spec, &err) < 0)
		berth_error_free(err); /* the monitor's create reports it */
	return last_bundle.spec;
}

/* The OCI bundle is the container's directory: config.json next to the record. */
static int write_bundle(struct berth_engine *e, const char *id, json_object *spec, bool durable,
			struct berth_error **err)
{
	cleanup_close int dfd = berth_ctr_dirfd(e, id, err);
	const char *s;
	int ret;

	if (dfd < 0)
		return dfd;
	s = json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN);
	if (!durable) /* as the record (ctr.c, save) */
		ret = berth_write_file_replace(dfd, "config.json", s, strlen(s), 0600, err);
	else
		ret = berth_write_file_atomic(dfd, "config.json", s, strlen(s), 0600, err);
	if (ret == 0)
		bundle_keep(id, spec, s, strlen(s));
	return ret;
}

/* Path and Args as Docker reports them: the process's first word and the rest. */
static void path_args(json_object *rec, json_object *spec)
{
	json_object *proc, *args, *rest = json_object_new_array();
	size_t n;

	if (!json_object_object_get_ex(spec, "process", &proc) ||
	    !json_object_object_get_ex(proc, "args", &args) ||
	    (n = json_object_array_length(args)) == 0) {
		json_object_put(rest);
		return;
	}
	json_object_object_add(rec, "Path", json_object_get(json_object_array_get_idx(args, 0)));
	for (size_t i = 1; i < n; i++)
		json_object_array_add(rest, json_object_get(json_object_array_get_idx(args, i)));
	json_object_object_add(rec, "Args", rest);
}

/* Docker's inspect shows every HostConfig field: fill the ones the body left out. */
static void complete_hostconfig(json_object *hc)
{
	static const struct {
		const char *key;
		enum json_type type;
		const char *value; /* strings; "0"/"1" for ints and bools */
	} defaults[] = {
		{ "Privileged", json_type_boolean, "0" },
		{ "ReadonlyRootfs", json_type_boolean, "0" },
		{ "PublishAllPorts", json_type_boolean, "0" },
		{ "AutoRemove", json_type_boolean, "0" },
		{ "Init", json_type_boolean, "0" },
		{ "PidMode", json_type_string, "" },
		{ "IpcMode", json_type_string, "private" },
		{ "UTSMode", json_type_string, "" },
		{ "CgroupParent", json_type_string, "" },
		{ "OomScoreAdj", json_type_int, "0" },
		{ "MemoryReservation", json_type_int, "0" },
		{ "NanoCpus", json_type_int, "0" },
		{ "BlkioWeight", json_type_int, "0" },
		{ "CapAdd", json_type_null, NULL },
		{ "CapDrop", json_type_null, NULL },
		{ "Binds", json_type_null, NULL },
		{ "Devices", json_type_array, NULL },
		{ "DeviceCgroupRules", json_type_null, NULL },
	};
	json_object *rp;

	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		json_object *v = NULL;

		if (json_object_object_get_ex(hc, defaults[i].key, NULL))
			continue;
		switch (defaults[i].type) {
		case json_type_boolean:
			v = json_object_new_boolean(defaults[i].value[0] == '1');
			break;
		case json_type_int:
			v = json_object_new_int64(atoll(defaults[i].value));
			break;
		case json_type_string:
			v = json_object_new_string(defaults[i].value);
			break;
		case json_type_array:
			v = json_object_new_array();
			break;
		default:
			break;
		}
		json_object_object_add(hc, defaults[i].key, v);
	}
	if (!json_object_object_get_ex(hc, "RestartPolicy", NULL)) {
		rp = json_object_new_object();
		json_object_object_add(rp, "Name", json_object_new_string("no"));
		json_object_object_add(rp, "MaximumRetryCount", json_object_new_int(0));
		json_object_object_add(hc, "RestartPolicy", rp);
	}
}

/*
 * The secure defaults berth applied, written where `inspect` shows them:
 * UsernsMode "remap", NetworkMode "none", "no-new-privileges=true" in
 * SecurityOpt unless the body turned it off.
 */
static void report_defaults(json_object *body, const struct berth_userns *u)
{
	json_object *hc, *v, *opts;
	bool nnp_given = false;

	if (!json_object_object_get_ex(body, "HostConfig", &hc))
		return;
	complete_hostconfig(hc);
	if (!json_object_object_get_ex(hc, "UsernsMode", &v) || v == NULL ||
	    json_object_get_string_len(v) == 0)
		json_object_object_add(hc, "UsernsMode",
				       json_object_new_string(u->enabled ? "remap" : "host"));
	if (!json_object_object_get_ex(hc, "NetworkMode", &v) || v == NULL ||
	    json_object_get_string_len(v) == 0 || strcmp(json_object_get_string(v), "default") == 0)
		json_object_object_add(hc, "NetworkMode", json_object_new_string("none"));
	if (!json_object_object_get_ex(hc, "SecurityOpt", &opts) ||
	    !json_object_is_type(opts, json_type_array)) {
		opts = json_object_new_array();
		json_object_object_add(hc, "SecurityOpt", opts);
	}
	for (size_t i = 0; i < json_object_array_length(opts); i++)
		if (strncmp(json_object_get_string(json_object_array_get_idx(opts, i)),
			    "no-new-privileges", 17) == 0)
			nnp_given = true;
	if (!nnp_given)
		json_object_array_add(opts, json_object_new_string("no-new-privileges=true"));
}

/* Config = the body without HostConfig; HostConfig as the builder left it. */
static void split_body(json_object *rec, json_object *body)
{
	json_object *config = json_object_new_object(), *hc = NULL;

	json_object_object_foreach (body, k, v) {
		if (strcmp(k, "HostConfig") == 0)
			hc = v;
		else
			json_object_object_add(config, k, json_object_get(v));
	}
	json_object_object_add(rec, "Config", config);
	json_object_object_add(rec, "HostConfig",
			       hc ? json_object_get(hc) : json_object_new_object());
}

struct build {
	struct berth_engine *e;
	struct berth_store *store;
	const struct berth_image *img;
	json_object *body;
	json_object *warnings;
	struct berth_ctr *c;
	int driver;
	struct berth_userns userns;
};

static int build(struct build *b, struct berth_error **err)
{
	json_object *whole = NULL, *image_config = NULL, *spec = NULL;
	json_object *mounts = json_object_new_array();
	cleanup_free char *dir = berth_ctr_dir(b->e, b->c->id);
	cleanup_close int rootfd = -1;
	char *rootfs = NULL;
	int ret = -1;

	if (dir == NULL) {
		berth_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (berth_ctr_mount(b->e, b->c, err) < 0 ||
	    image_run_config(b->store, b->img, &whole, &image_config, err) < 0)
		goto out;
	if (asprintf(&rootfs, "%s/rootfs", dir) < 0) {
		rootfs = NULL;
		berth_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		berth_error_errno(err, "open %s", rootfs);
		goto out;
	}
	struct berth_spec_ctx ctx = {
		.engine = b->e,
		.id = b->c->id,
		.name = berth_ctr_name(b->c),
		.create = b->body,
		.image_config = image_config,
		.rootfs = rootfs,
		.rootfs_fd = rootfd,
		.userns = &b->userns,
		.mounts_out = mounts,
		.warnings_out = b->warnings,
	};
	if (berth_spec_build(&ctx, &spec, err) < 0 ||
	    write_bundle(b->e, b->c->id, spec, berth_ctr_body_durable(b->body), err) < 0)
		goto out;
	path_args(b->c->record, spec);
	report_defaults(b->body, &b->userns);
	split_body(b->c->record, b->body);
	json_object_object_add(b->c->record, "Mounts", json_object_get(mounts));
	ret = 0;
out:
	free(rootfs);
	json_object_put(spec);
	json_object_put(whole);
	json_object_put(mounts);
	return ret;
}

/*
 * HostConfig.LogConfig: the config file's driver and options when the body
 * names none, then checked (an unknown driver or option fails create).
 */
static int log_config(struct berth_engine *e, json_object *body, struct berth_error **err)
{
	json_object *hc, *lc = NULL, *opts = NULL;
	const char *type = NULL;

	if (!json_object_object_get_ex(body, "HostConfig", &hc) ||
	    !json_object_is_type(hc, json_type_object)) {
		hc = json_object_new_object();
		json_object_object_add(body, "HostConfig", hc);
	}
	if (berth_json_object(hc, "HostConfig", "LogConfig", &lc, err) < 0 ||
	    (lc && berth_json_string(lc, "HostConfig.LogConfig", "Type", &type, err) < 0))
		return berth_error_ret(err);
	if (lc == NULL) {
		lc = json_object_new_object();
		json_object_object_add(hc, "LogConfig", lc);
	}
	/* --log-opt without --log-driver: the options are for the default driver */
	if (type == NULL || type[0] == '\0')
		json_object_object_add(lc, "Type", json_object_new_string(e->conf.log_driver));
	if (berth_json_object(lc, "HostConfig.LogConfig", "Config", &opts, err) < 0)
		return berth_error_ret(err);
	if (opts == NULL &&
	    (type == NULL || type[0] == '\0' || strcmp(type, e->conf.log_driver) == 0)) {
		opts = json_object_new_object();
		for (size_t i = 0; e->conf.log_opts[i]; i++) {
			char *eq = strchr(e->conf.log_opts[i], '=');
			char *k = strndup(e->conf.log_opts[i], (size_t)(eq - e->conf.log_opts[i]));

			if (k)
				json_object_object_add(opts, k, json_object_new_string(eq + 1));
			free(k);
		}
		json_object_object_add(lc, "Config", opts);
	}
	return berth_log_validate(lc, err);
}

/*
 * A remapped root reaches its rootfs by path, as an unprivileged uid: every
 * directory above the data root must be searchable by others.  Say so
 * plainly rather than let the runtime fail with EACCES.
 */
static int check_reachable(const char *root, struct berth_error **err)
{
	cleanup_free char *path = realpath(root, NULL);
	char *slash;
	struct stat st;

	if (path == NULL)
		return berth_error_errno(err, "resolve %s", root);
	while ((slash = strrchr(path, '/')) != NULL && slash != path) {
		*slash = '\0';
		if (stat(path, &st) == 0 && (st.st_mode & S_IXOTH) == 0)
			return berth_error_set(
			    err, EACCES,
			    "%s (above the data root %s) is not searchable by "
			    "others (mode %04o): a container's remapped root cannot "
			    "reach its files; chmod o+x it, move the data root, or "
			    "use --userns=host",
			    path, root, st.st_mode & 07777);
	}
	return 0;
}

/*
 * UsernsMode "host" (or the config's "userns = host"): no user namespace;
 * "" or "remap": the berth range.  --privileged needs "host" (spec-security.c).
 */
static int choose_userns(struct berth_engine *e, json_object *body, struct berth_userns *u,
			 struct berth_error **err)
{
	json_object *hc = NULL;
	const char *mode = NULL;

	if (berth_json_object(body, "", "HostConfig", &hc, err) < 0 ||
	    (hc && berth_json_string(hc, "HostConfig", "UsernsMode", &mode, err) < 0))
		return berth_error_ret(err);
	if (mode && strcmp(mode, "host") == 0) {
		berth_userns_host(u);
		return 0;
	}
	if (mode && mode[0] != '\0' && strcmp(mode, "remap") != 0)
		return berth_error_set(err, EINVAL, "invalid userns mode \"%s\": use host or remap",
				       mode);
	if (berth_userns_default(e, u, err) < 0)
		return berth_error_ret(err);
	return u->enabled ? check_reachable(e->root, err) : 0;
}

int berth_ctr_create(struct berth_engine *e, struct berth_store *store,
		     const struct berth_image *img, json_object *body, const char *name,
		     json_object *warnings, char *id, struct berth_error **err)
{
	struct build b = { .e = e, .store = store, .img = img, .body = body, .warnings = warnings };
	cleanup_free char *dir = NULL;
	cleanup_free char *n = NULL;

	if (berth_store_driver(store, &b.driver, err) < 0 || log_config(e, body, err) < 0 ||
	    choose_userns(e, body, &b.userns, err) < 0)
		return berth_error_ret(err);
	if (berth_ctr_alloc(e, name, id, &n, err) < 0)
		return berth_error_ret(err);
	b.c = calloc(1, sizeof(*b.c));
	dir = berth_ctr_dir(e, id);
	if (b.c == NULL || dir == NULL) {
		berth_error_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	snprintf(b.c->id, sizeof(b.c->id), "%s", id);
	b.c->record = new_record(id, n, dir, img, b.driver, &b.userns);
	b.c->state = berth_ctr_created_state();
	/* no state.json: a created container's State is the defaults (berth_ctr_load) */
	if (build(&b, err) < 0 || berth_ctr_save_record(e, b.c, err) < 0)
		goto fail;
	berth_ctr_free(b.c);
	return 0;
fail : {
	struct berth_error *e2 = NULL;

	berth_ctr_free(b.c);
	berth_ctr_rootfs_umount(e, id, &e2);
	berth_error_clear(&e2);
	berth_rm_rf_at(e->ctrfd, id);
	unlinkat(e->namesfd, n, 0);
}
	return berth_error_ret(err);
}
