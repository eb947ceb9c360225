/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/config.h"
#include "util/cleanup.h"
#include "util/json.h"

void berth_image_config_free(struct berth_image_config *c)
{
	if (c == NULL)
		return;
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->created);
	free(c->author);
	free(c->user);
	berth_strv_free(c->env);
	berth_strv_free(c->entrypoint);
	berth_strv_free(c->cmd);
	free(c->working_dir);
	berth_strv_free(c->exposed_ports);
	berth_strv_free(c->volumes);
	for (size_t i = 0; i < c->n_labels; i++) {
		free(c->labels[i].key);
		free(c->labels[i].value);
	}
	free(c->labels);
	free(c->stop_signal);
	berth_strv_free(c->diff_ids);
	for (size_t i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].author);
		free(c->history[i].comment);
	}
	free(c->history);
	free(c);
}

/* An optional string field copied to *out (left NULL when absent). */
static int dup_string(json_object *obj, const char *path, const char *key, char **out,
		      struct berth_error **err)
{
	const char *s = NULL;
	int ret = berth_json_string(obj, path, key, &s, err);

	if (ret <= 0)
		return ret;
	*out = strdup(s);
	return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
}

/* The keys of an object whose values are objects ({"80/tcp": {}}). */
static int object_keys(json_object *obj, const char *path, const char *key, char ***out,
		       struct berth_error **err)
{
	json_object *map = NULL;
	char **v;
	size_t i = 0;
	int ret = berth_json_object(obj, path, key, &map, err);

	if (ret <= 0)
		return ret;
	v = calloc((size_t)json_object_object_length(map) + 1, sizeof(*v));
	if (v == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_object_object_foreach (map, k, val) {
		(void)val;
		if ((v[i++] = strdup(k)) == NULL) {
			berth_strv_free(v);
			return berth_error_set(err, ENOMEM, "out of memory");
		}
	}
	*out = v;
	return 0;
}

static int parse_labels(json_object *obj, struct berth_image_config *c, struct berth_error **err)
{
	json_object *map = NULL;
	int ret = berth_json_string_map(obj, "config", "Labels", &map, err);

	if (ret <= 0)
		return ret;
	c->labels = calloc((size_t)json_object_object_length(map) + 1, sizeof(*c->labels));
	if (c->labels == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	json_object_object_foreach (map, k, val) {
		struct berth_label *l = &c->labels[c->n_labels++];

		l->key = strdup(k);
		l->value = strdup(json_object_get_string(val));
		if (l->key == NULL || l->value == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_run_config(json_object *root, struct berth_image_config *c,
			    struct berth_error **err)
{
	json_object *cfg = NULL;
	int ret = berth_json_object(root, "", "config", &cfg, err);

	if (ret <= 0)
		return ret;
	if (dup_string(cfg, "config", "User", &c->user, err) < 0 ||
	    berth_json_strv(cfg, "config", "Env", &c->env, err) < 0 ||
	    berth_json_strv(cfg, "config", "Entrypoint", &c->entrypoint, err) < 0 ||
	    berth_json_strv(cfg, "config", "Cmd", &c->cmd, err) < 0 ||
	    dup_string(cfg, "config", "WorkingDir", &c->working_dir, err) < 0 ||
	    object_keys(cfg, "config", "ExposedPorts", &c->exposed_ports, err) < 0 ||
	    object_keys(cfg, "config", "Volumes", &c->volumes, err) < 0 ||
	    dup_string(cfg, "config", "StopSignal", &c->stop_signal, err) < 0)
		return -(*err)->code;
	return parse_labels(cfg, c, err);
}

static int parse_rootfs(json_object *root, struct berth_image_config *c, struct berth_error **err)
{
	json_object *rootfs = NULL;
	const char *type = NULL;

	if (berth_json_object(root, "", "rootfs", &rootfs, err) < 0)
		return -EINVAL;
	if (rootfs == NULL)
		return berth_error_set(err, EINVAL, "rootfs: missing");
	if (berth_json_string(rootfs, "rootfs", "type", &type, err) < 0)
		return -EINVAL;
	if (type == NULL || strcmp(type, "layers") != 0)
		return berth_error_set(err, EINVAL, "rootfs.type: expected \"layers\"");
	if (berth_json_strv(rootfs, "rootfs", "diff_ids", &c->diff_ids, err) < 0)
		return -(*err)->code;
	if (c->diff_ids == NULL && (c->diff_ids = calloc(1, sizeof(char *))) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	c->n_diff_ids = berth_strv_len(c->diff_ids);
	for (size_t i = 0; i < c->n_diff_ids; i++)
		if (berth_digest_check(c->diff_ids[i], err) < 0)
			return berth_error_prefix(err, "rootfs.diff_ids[%zu]", i);
	return 0;
}

static int parse_history_entry(json_object *h, const char *path, struct berth_history *e,
			       struct berth_error **err)
{
	if (berth_json_as_object(h, path, err) < 0 ||
	    dup_string(h, path, "created", &e->created, err) < 0 ||
	    dup_string(h, path, "created_by", &e->created_by, err) < 0 ||
	    dup_string(h, path, "author", &e->author, err) < 0 ||
	    dup_string(h, path, "comment", &e->comment, err) < 0 ||
	    berth_json_bool(h, path, "empty_layer", &e->empty_layer, err) < 0)
		return -(*err)->code;
	return 0;
}

static int parse_history(json_object *root, struct berth_image_config *c, struct berth_error **err)
{
	json_object *arr = NULL;
	size_t n;
	int ret = berth_json_array(root, "", "history", &arr, err);

	if (ret <= 0)
		return ret;
	n = json_object_array_length(arr);
	c->history = calloc(n + 1, sizeof(*c->history));
	if (c->history == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *p = berth_json_index("history", i);

		c->n_history = i + 1;
		if (parse_history_entry(json_object_array_get_idx(arr, i), p, &c->history[i], err) <
		    0)
			return -(*err)->code;
	}
	return 0;
}

static int parse_config_root(json_object *root, struct berth_image_config *c,
			     struct berth_error **err)
{
	if (berth_json_as_object(root, "document", err) < 0 ||
	    dup_string(root, "", "architecture", &c->architecture, err) < 0 ||
	    dup_string(root, "", "os", &c->os, err) < 0 ||
	    dup_string(root, "", "variant", &c->variant, err) < 0 ||
	    dup_string(root, "", "created", &c->created, err) < 0 ||
	    dup_string(root, "", "author", &c->author, err) < 0)
		return -(*err)->code;
	if (c->architecture == NULL || c->os == NULL)
		return berth_error_set(err, EINVAL, "architecture and os are required");
	if (parse_run_config(root, c, err) < 0 || parse_rootfs(root, c, err) < 0)
		return -(*err)->code;
	return parse_history(root, c, err);
}

int berth_image_config_parse(const char *buf, size_t len, struct berth_image_config **out,
			     struct berth_error **err)
{
	json_object *root = NULL;
	struct berth_image_config *c;
	int ret;

	if (len > BERTH_CONFIG_MAX)
		return berth_error_set(err, EFBIG, "image config larger than 8 MiB (%zu bytes)",
				       len);
	if (berth_json_parse(buf, len, &root, err) < 0)
		return berth_error_prefix(err, "image config");
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		json_object_put(root);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	ret = parse_config_root(root, c, err);
	json_object_put(root);
	if (ret < 0) {
		berth_image_config_free(c);
		return berth_error_prefix(err, "image config");
	}
	*out = c;
	return 0;
}
