/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "oci/spec-mounts.h"

#include "oci/spec-linux.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util/cleanup.h"
#include "util/json.h"

/*
 * The "mounts" array of config.json.  Options follow runc's table: a word
 * that is a mount flag sets or clears an MS_* bit, a recursive r* word sets
 * or clears a MOUNT_ATTR_* bit applied with mount_setattr(AT_RECURSIVE), a
 * propagation word sets the propagation type, and anything else is handed to
 * the file system as data, comma-joined in order.
 */

enum opt_kind { OPT_FLAG, OPT_CLEAR, OPT_ATTR, OPT_ATTR_CLR, OPT_ATIME, OPT_PROPAGATION };

struct option {
	const char *name;
	enum opt_kind kind;
	unsigned long value; /* MS_* or MOUNT_ATTR_* */
};

static const struct option options[] = {
	{ "ro", OPT_FLAG, MS_RDONLY },
	{ "rw", OPT_CLEAR, MS_RDONLY },
	{ "nosuid", OPT_FLAG, MS_NOSUID },
	{ "suid", OPT_CLEAR, MS_NOSUID },
	{ "nodev", OPT_FLAG, MS_NODEV },
	{ "dev", OPT_CLEAR, MS_NODEV },
	{ "noexec", OPT_FLAG, MS_NOEXEC },
	{ "exec", OPT_CLEAR, MS_NOEXEC },
	{ "sync", OPT_FLAG, MS_SYNCHRONOUS },
	{ "async", OPT_CLEAR, MS_SYNCHRONOUS },
	{ "dirsync", OPT_FLAG, MS_DIRSYNC },
	{ "remount", OPT_FLAG, MS_REMOUNT },
	{ "mand", OPT_FLAG, MS_MANDLOCK },
	{ "nomand", OPT_CLEAR, MS_MANDLOCK },
	{ "noatime", OPT_FLAG, MS_NOATIME },
	{ "atime", OPT_CLEAR, MS_NOATIME },
	{ "nodiratime", OPT_FLAG, MS_NODIRATIME },
	{ "diratime", OPT_CLEAR, MS_NODIRATIME },
	{ "relatime", OPT_FLAG, MS_RELATIME },
	{ "norelatime", OPT_CLEAR, MS_RELATIME },
	{ "strictatime", OPT_FLAG, MS_STRICTATIME },
	{ "nostrictatime", OPT_CLEAR, MS_STRICTATIME },
	{ "nosymfollow", OPT_FLAG, MS_NOSYMFOLLOW },
	{ "iversion", OPT_FLAG, MS_I_VERSION },
	{ "noiversion", OPT_CLEAR, MS_I_VERSION },
	{ "silent", OPT_FLAG, MS_SILENT },
	{ "loud", OPT_CLEAR, MS_SILENT },
	{ "symfollow", OPT_CLEAR, MS_NOSYMFOLLOW },
	{ "rro", OPT_ATTR, MOUNT_ATTR_RDONLY },
	{ "rrw", OPT_ATTR_CLR, MOUNT_ATTR_RDONLY },
	{ "rnosuid", OPT_ATTR, MOUNT_ATTR_NOSUID },
	{ "rsuid", OPT_ATTR_CLR, MOUNT_ATTR_NOSUID },
	{ "rnodev", OPT_ATTR, MOUNT_ATTR_NODEV },
	{ "rdev", OPT_ATTR_CLR, MOUNT_ATTR_NODEV },
	{ "rnoexec", OPT_ATTR, MOUNT_ATTR_NOEXEC },
	{ "rexec", OPT_ATTR_CLR, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", OPT_ATTR, MOUNT_ATTR_NODIRATIME },
	{ "rdiratime", OPT_ATTR_CLR, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", OPT_ATTR, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow", OPT_ATTR_CLR, MOUNT_ATTR_NOSYMFOLLOW },
	/*
	 * The atime modes are an enum in mount_setattr: a new mode goes in
	 * attr_set with the whole MOUNT_ATTR__ATIME mask in attr_clr.  The
	 * kernel refuses clearing a single atime bit, so the "undo" forms
	 * (ratime, rnorelatime, rnostrictatime) select the default, relatime.
	 */
	{ "rnoatime", OPT_ATIME, MOUNT_ATTR_NOATIME },
	{ "ratime", OPT_ATIME, MOUNT_ATTR_RELATIME },
	{ "rrelatime", OPT_ATIME, MOUNT_ATTR_RELATIME },
	{ "rnorelatime", OPT_ATIME, MOUNT_ATTR_RELATIME },
	{ "rstrictatime", OPT_ATIME, MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", OPT_ATIME, MOUNT_ATTR_RELATIME },
	{ "private", OPT_PROPAGATION, MS_PRIVATE },
	{ "rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC },
	{ "shared", OPT_PROPAGATION, MS_SHARED },
	{ "rshared", OPT_PROPAGATION, MS_SHARED | MS_REC },
	{ "slave", OPT_PROPAGATION, MS_SLAVE },
	{ "rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC },
	{ "unbindable", OPT_PROPAGATION, MS_UNBINDABLE },
	{ "runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC },
};

static int append_data(struct berth_mount *m, const char *opt)
{
	char *n = NULL;

	if (m->data == NULL)
		n = strdup(opt);
	else if (asprintf(&n, "%s,%s", m->data, opt) < 0)
		n = NULL;
	if (n == NULL)
		return -ENOMEM;
	free(m->data);
	m->data = n;
	return 0;
}

static void apply_option(struct berth_mount *m, const struct option *o)
{
	switch (o->kind) {
	case OPT_FLAG:
		m->flags |= o->value;
		m->clear &= ~o->value;
		break;
	case OPT_CLEAR:
		m->clear |= o->value;
		m->flags &= ~o->value;
		break;
	case OPT_ATTR:
		m->attr_set |= o->value;
		m->attr_clr &= ~(uint64_t)o->value;
		break;
	case OPT_ATTR_CLR:
		m->attr_clr |= o->value;
		m->attr_set &= ~(uint64_t)o->value;
		break;
	case OPT_ATIME:
		m->attr_set = (m->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | o->value;
		m->attr_clr |= MOUNT_ATTR__ATIME;
		break;
	case OPT_PROPAGATION:
		m->propagation = o->value;
		break;
	}
}

/* One option word; @path names the options array element. */
static int parse_option(struct berth_mount *m, const char *opt, const char *path,
			struct berth_error **err)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(options); i++) {
		if (strcmp(opt, options[i].name) == 0) {
			apply_option(m, &options[i]);
			return 0;
		}
	}
	if (strcmp(opt, "defaults") == 0)
		return 0; /* the spec's no-op: mount(8)'s default set */
	if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
		m->kind = BERTH_MOUNT_BIND;
		m->recursive = opt[0] == 'r';
		return 0;
	}
	if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
		m->idmap = true;
		m->ridmap = opt[0] == 'r';
		return 0;
	}
	if (strcmp(opt, "tmpcopyup") == 0) {
		m->tmpcopyup = true;
		return 0;
	}
	if (append_data(m, opt) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int parse_options(json_object *obj, const char *path, struct berth_mount *m,
			 struct berth_error **err)
{
	cleanup_free char *opath = berth_json_path(path, "options");
	char **opts = NULL;
	int ret;

	ret = berth_json_strv(obj, path, "options", &opts, err);
	if (ret <= 0)
		return ret;
	for (size_t i = 0; opts[i] != NULL && ret >= 0; i++) {
		cleanup_free char *ipath = berth_json_index(opath, i);

		ret = parse_option(m, opts[i], ipath, err);
	}
	berth_strv_free(opts);
	return ret < 0 ? ret : 0;
}

static int dup_string(json_object *obj, const char *path, const char *key, char **out,
		      struct berth_error **err)
{
	const char *s = NULL;
	int ret = berth_json_string(obj, path, key, &s, err);

	if (ret <= 0)
		return ret;
	*out = strdup(s);
	if (*out == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 1;
}

/* Rules that need the whole mount: destination, bind type, idmap. */
static int validate(struct berth_mount *m, const char *path, struct berth_error **err)
{
	if (m->destination == NULL)
		return berth_error_set(err, EINVAL, "%s.destination: required", path);
	if (m->destination[0] == '\0')
		return berth_error_set(err, EINVAL, "%s.destination: must not be empty", path);
	if (m->destination[0] != '/') {
		/* Deprecated but allowed by the spec: relative to "/". */
		char *abs = NULL;

		if (asprintf(&abs, "/%s", m->destination) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		free(m->destination);
		m->destination = abs;
	}
	if (m->type != NULL && strcmp(m->type, "bind") == 0)
		m->kind = BERTH_MOUNT_BIND;
	if (m->kind == BERTH_MOUNT_BIND && m->source == NULL)
		return berth_error_set(err, EINVAL, "%s.source: required for a bind mount", path);
	if ((m->n_uid_maps > 0 || m->n_gid_maps > 0) && !m->idmap)
		m->idmap = true; /* mappings without the option: idmapped, as runc */
	if (m->idmap && m->kind != BERTH_MOUNT_BIND)
		return berth_error_set(err, EINVAL,
				       "%s.options: idmap is supported on bind mounts only", path);
	if (m->tmpcopyup &&
	    (m->kind == BERTH_MOUNT_BIND || m->type == NULL || strcmp(m->type, "tmpfs") != 0))
		return berth_error_set(
		    err, EINVAL, "%s.options: tmpcopyup is supported on tmpfs mounts only", path);
	if (m->idmap && (m->n_uid_maps == 0 || m->n_gid_maps == 0))
		return berth_error_set(err, EINVAL,
				       "%s: idmap needs both uidMappings and gidMappings", path);
	return 0;
}

static int parse_mount(json_object *obj, const char *path, struct berth_mount *m,
		       struct berth_error **err)
{
	int ret;

	m->kind = BERTH_MOUNT_FS;
	ret = berth_json_as_object(obj, path, err);
	if (ret >= 0)
		ret = dup_string(obj, path, "destination", &m->destination, err);
	if (ret >= 0)
		ret = dup_string(obj, path, "type", &m->type, err);
	if (ret >= 0)
		ret = dup_string(obj, path, "source", &m->source, err);
	if (ret >= 0)
		ret = parse_options(obj, path, m, err);
	if (ret >= 0)
		ret = berth_spec_parse_id_maps(obj, path, "uidMappings", &m->uid_maps,
					       &m->n_uid_maps, err);
	if (ret >= 0)
		ret = berth_spec_parse_id_maps(obj, path, "gidMappings", &m->gid_maps,
					       &m->n_gid_maps, err);
	if (ret >= 0)
		ret = validate(m, path, err);
	return ret < 0 ? ret : 0;
}

int berth_spec_parse_mounts(json_object *arr, const char *path, struct berth_mount **out, size_t *n,
			    struct berth_error **err)
{
	struct berth_mount *v;
	size_t len;

	if (!json_object_is_type(arr, json_type_array))
		return berth_error_set(err, EINVAL, "%s: expected an array", path);
	len = json_object_array_length(arr);
	v = calloc(len ? len : 1, sizeof(*v));
	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		cleanup_free char *ipath = berth_json_index(path, i);
		int ret = parse_mount(json_object_array_get_idx(arr, i), ipath, &v[i], err);

		if (ret < 0) {
			for (size_t j = 0; j <= i; j++)
				berth_mount_release(&v[j]);
			free(v);
			return ret;
		}
	}
	*out = v;
	*n = len;
	return 0;
}

void berth_mount_release(struct berth_mount *m)
{
	if (m == NULL)
		return;
	free(m->destination);
	free(m->type);
	free(m->source);
	free(m->data);
	free(m->uid_maps);
	free(m->gid_maps);
	memset(m, 0, sizeof(*m));
}

json_object *berth_mount_option_names(void)
{
	static const char *const extra[] = { "defaults", "bind",   "rbind",
					     "idmap",	 "ridmap", "tmpcopyup" };
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(options); i++)
		json_object_array_add(a, json_object_new_string(options[i].name));
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(extra); i++)
		json_object_array_add(a, json_object_new_string(extra[i]));
	return a;
}
