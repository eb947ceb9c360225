/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "registry/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define CONFIG_MAX (1u << 20)

static void json_putp(json_object **o)
{
	if (*o != NULL)
		json_object_put(*o);
}
#define cleanup_json __attribute__((cleanup(json_putp)))

void berth_registry_config_free(struct berth_registry_config *c)
{
	if (c == NULL)
		return;
	free(c->default_registry);
	berth_strv_free(c->insecure);
	for (size_t i = 0; i < c->n_mirrors; i++) {
		free(c->mirrors[i].host);
		berth_strv_free(c->mirrors[i].mirrors);
	}
	free(c->mirrors);
	free(c);
}

int berth_registry_check_host(const char *host, const char *what, struct berth_error **err)
{
	size_t n = strlen(host);

	if (n == 0 || n > 255)
		return berth_error_set(err, EINVAL, "%s '%s': not a registry host", what, host);
	for (const char *p = host; *p; p++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_",
			   *p) == NULL)
			return berth_error_set(err, EINVAL,
					       "%s '%s': a registry host is name[:port], without "
					       "scheme or path",
					       what, host);
	}
	if (host[0] == '-' || host[0] == '.' || host[0] == ':')
		return berth_error_set(err, EINVAL, "%s '%s': not a registry host", what, host);
	return 0;
}

static int host_list(json_object *obj, const char *path, const char *key, char ***out,
		     struct berth_error **err)
{
	cleanup_free char *p = berth_json_path(path, key);
	char **v = NULL;
	int ret = berth_json_strv(obj, path, key, &v, err);

	if (ret <= 0)
		return ret;
	for (size_t i = 0; v[i] != NULL; i++) {
		cleanup_free char *ip = berth_json_index(p, i);

		if (berth_registry_check_host(v[i], ip, err) < 0) {
			berth_strv_free(v);
			return berth_error_ret(err);
		}
	}
	*out = v;
	return 1;
}

static int parse_mirrors(struct berth_registry_config *c, json_object *root,
			 struct berth_error **err)
{
	json_object *map = NULL;
	int ret = berth_json_object(root, "", "registry-mirrors", &map, err);

	if (ret <= 0)
		return ret;
	c->mirrors = calloc(json_object_object_length(map) + 1, sizeof(*c->mirrors));
	if (c->mirrors == NULL)
		return berth_error_set(err, ENOMEM, "registry-mirrors: out of memory");
	json_object_object_foreach (map, host, val) {
		struct berth_registry_mirrors *m = &c->mirrors[c->n_mirrors];
		cleanup_free char *p = berth_json_path("registry-mirrors", host);

		(void)val;
		if (berth_registry_check_host(host, p, err) < 0)
			return berth_error_ret(err);
		m->host = strdup(host);
		if (m->host == NULL)
			return berth_error_set(err, ENOMEM, "%s: out of memory", p);
		c->n_mirrors++;
		ret = host_list(map, "registry-mirrors", host, &m->mirrors, err);
		if (ret < 0)
			return ret;
		if (m->mirrors == NULL)
			return berth_error_set(err, EINVAL, "%s: expected a list of hosts", p);
	}
	return 0;
}

static int check_keys(json_object *root, struct berth_error **err)
{
	static const char *const known[] = { "default-registry", "registry-mirrors",
					     "insecure-registries" };

	json_object_object_foreach (root, key, val) {
		size_t i;

		(void)val;
		for (i = 0; i < BERTH_ARRAY_SIZE(known); i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == BERTH_ARRAY_SIZE(known))
			return berth_error_set(err, EINVAL, "unknown key '%s'", key);
	}
	return 0;
}

static int parse_root(struct berth_registry_config *c, json_object *root, struct berth_error **err)
{
	const char *def = "docker.io";

	if (berth_json_as_object(root, "", err) < 0 || check_keys(root, err) < 0)
		return berth_error_ret(err);
	if (berth_json_string(root, "", "default-registry", &def, err) < 0)
		return berth_error_ret(err);
	if (berth_registry_check_host(def, "default-registry", err) < 0)
		return berth_error_ret(err);
	c->default_registry = strdup(def);
	if (c->default_registry == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (host_list(root, "", "insecure-registries", &c->insecure, err) < 0)
		return berth_error_ret(err);
	return parse_mirrors(c, root, err);
}

int berth_registry_config_parse(const char *buf, size_t len, const char *what,
				struct berth_registry_config **out, struct berth_error **err)
{
	cleanup_json json_object *root = NULL;
	struct berth_registry_config *c = NULL;

	if (len > 0 && berth_json_parse(buf, len, &root, err) < 0)
		return berth_error_prefix(err, "registries config '%s'", what);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return berth_error_set(err, ENOMEM, "registries config: out of memory");
	if (root == NULL)
		root = json_object_new_object();
	if (root == NULL || parse_root(c, root, err) < 0) {
		berth_registry_config_free(c);
		if (root == NULL)
			return berth_error_set(err, ENOMEM, "registries config: out of memory");
		return berth_error_prefix(err, "registries config '%s'", what);
	}
	*out = c;
	return 0;
}

int berth_registry_config_load(const char *path, struct berth_registry_config **out,
			       struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int ret;

	if (path == NULL)
		path = getenv("BERTH_REGISTRIES_CONF");
	if (path == NULL || *path == '\0')
		path = BERTH_REGISTRIES_CONF;
	ret = berth_read_file_at(AT_FDCWD, path, CONFIG_MAX, &buf, &len, err);
	if (ret < 0 && (*err)->code != ENOENT)
		return berth_error_prefix(err, "registries config");
	if (ret < 0)
		berth_error_clear(err);
	return berth_registry_config_parse(buf ? buf : "", len, path, out, err);
}

/* Strip the ":port" (and brackets of "[::1]:5000") into @buf. */
static void host_name(const char *host, char *buf, size_t n)
{
	const char *end;

	if (host[0] == '[') {
		end = strchr(host, ']');
		host++;
	} else {
		end = strchr(host, ':');
		if (end != NULL && strchr(end + 1, ':') != NULL)
			end = NULL; /* a bare IPv6 address */
	}
	if (end == NULL)
		end = host + strlen(host);
	snprintf(buf, n, "%.*s", (int)(end - host), host);
}

/* 127.0.0.0/8 as a dotted quad: "127.evil.example" is a name, not a loopback address. */
static bool is_127(const char *name)
{
	unsigned a, b, c, d;
	char end;

	return sscanf(name, "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) == 4 && a == 127 && b < 256 &&
	       c < 256 && d < 256 && strspn(name, "0123456789.") == strlen(name);
}

bool berth_registry_host_is_loopback(const char *host)
{
	char name[256];

	host_name(host, name, sizeof(name));
	return strcmp(name, "localhost") == 0 || strcmp(name, "::1") == 0 || is_127(name);
}

bool berth_registry_config_insecure(const struct berth_registry_config *c, const char *host)
{
	if (berth_registry_host_is_loopback(host))
		return true;
	for (size_t i = 0; c != NULL && c->insecure != NULL && c->insecure[i] != NULL; i++)
		if (strcmp(c->insecure[i], host) == 0)
			return true;
	return false;
}

char *const *berth_registry_config_mirrors(const struct berth_registry_config *c, const char *host)
{
	static char *const none[] = { NULL };

	for (size_t i = 0; c != NULL && i < c->n_mirrors; i++)
		if (strcmp(c->mirrors[i].host, host) == 0)
			return c->mirrors[i].mirrors;
	return none;
}
