/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry/auth.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/* auth.json: Docker's credential file format, kept private (0600 in a 0700 directory). */

#define AUTH_MAX (1u << 20)

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *berth_base64_encode(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	char *out = malloc(4 * ((len + 2) / 3) + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? b64_alphabet[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *p = c != '\0' ? strchr(b64_alphabet, c) : NULL;

	return p != NULL ? (int)(p - b64_alphabet) : -1;
}

/* Decode one group of four characters (the last may end in one or two '='). */
static int b64_group(const char *s, bool last, unsigned char *out)
{
	int pad = s[3] == '=' ? (s[2] == '=' ? 2 : 1) : 0;
	uint32_t v = 0;

	if (pad > 0 && !last)
		return -1;
	for (int i = 0; i < 4 - pad; i++) {
		int x = b64_value(s[i]);

		if (x < 0)
			return -1;
		v = v << 6 | (uint32_t)x;
	}
	v <<= 6 * pad;
	out[0] = (unsigned char)(v >> 16);
	out[1] = (unsigned char)(v >> 8);
	out[2] = (unsigned char)v;
	return 3 - pad;
}

char *berth_base64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), got = 0;
	unsigned char *out;

	if (n % 4 != 0)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += 4) {
		int k = b64_group(s + i, i + 4 == n, out + got);

		if (k < 0) {
			free(out);
			return NULL;
		}
		got += (size_t)k;
	}
	*len = got;
	out[got] = '\0';
	return (char *)out;
}

int berth_auth_default_path(char **out, struct berth_error **err)
{
	const char *env = getenv("BERTH_AUTH_FILE");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int ret;

	if (env != NULL && *env)
		ret = asprintf(out, "%s", env);
	else if (xdg != NULL && *xdg == '/')
		ret = asprintf(out, "%s/berth/auth.json", xdg);
	else if (home != NULL && *home == '/')
		ret = asprintf(out, "%s/.config/berth/auth.json", home);
	else
		return berth_error_set(err, ENOENT,
				       "auth.json: neither $HOME nor "
				       "$XDG_CONFIG_HOME is set");
	return ret < 0 ? berth_error_set(err, ENOMEM, "out of memory") : 0;
}

/* Parse the file; a missing one reads as {} (*out NULL-safe). */
static int load(const char *path, json_object **out, struct berth_error **err)
{
	int ret = berth_json_parse_file(AT_FDCWD, path, AUTH_MAX, out, err);

	if (ret < 0 && (*err)->code == ENOENT) {
		berth_error_clear(err);
		*out = json_object_new_object();
		return *out ? 0 : berth_error_set(err, ENOMEM, "out of memory");
	}
	if (ret == 0 && !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		return berth_error_set(err, EINVAL, "auth file '%s': not a JSON object", path);
	}
	if (ret < 0)
		return berth_error_prefix(err, "auth file '%s'", path);
	return 0;
}

static const char *const docker_hub_keys[] = { "docker.io", "https://index.docker.io/v1/",
					       "index.docker.io", "registry-1.docker.io", NULL };

static int lookup_key(json_object *auths, const char *path, const char *key, char **out,
		      struct berth_error **err)
{
	json_object *entry = NULL;
	const char *v = NULL;
	cleanup_free char *p = berth_json_path("auths", key);
	int ret = berth_json_object(auths, "auths", key, &entry, err);

	if (ret <= 0)
		return ret;
	ret = berth_json_string(entry, p, "auth", &v, err);
	if (ret <= 0)
		return ret;
	*out = strdup(v);
	return *out ? 1 : berth_error_set(err, ENOMEM, "out of memory");
}

int berth_auth_lookup(const char *auth_path, const char *host, char **out, struct berth_error **err)
{
	json_object *root = NULL, *auths = NULL;
	const char *const one[] = { host, NULL };
	const char *const *keys = strcmp(host, "docker.io") == 0 ? docker_hub_keys : one;
	char *found = NULL;
	int ret = load(auth_path, &root, err);

	if (ret < 0)
		return ret;
	ret = berth_json_object(root, "", "auths", &auths, err);
	for (size_t i = 0; ret > 0 && keys[i] != NULL && found == NULL; i++)
		ret = lookup_key(auths, auth_path, keys[i], &found, err) < 0 ? -1 : 1;
	json_object_put(root);
	if (ret < 0)
		return berth_error_prefix(err, "auth file '%s'", auth_path);
	*out = found;
	return 0;
}

/* mkdir -p of the parent of @path, new directories 0700. */
static int make_parent(const char *path, struct berth_error **err)
{
	cleanup_free char *dir = strdup(path);

	if (dir == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return berth_error_errno(err, "mkdir '%s'", dir);
		*p = '/';
	}
	return 0;
}

static int save(const char *path, json_object *root, struct berth_error **err)
{
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE);

	if (s == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (make_parent(path, err) < 0)
		return berth_error_prefix(err, "auth file '%s'", path);
	/* Temp file, fsync, rename, fsync of the directory: never a half-written file. */
	if (berth_write_file_atomic(AT_FDCWD, path, s, strlen(s), 0600, err) < 0)
		return berth_error_prefix(err, "auth file");
	return 0;
}

static int auths_of(json_object *root, json_object **auths, struct berth_error **err)
{
	int ret = berth_json_object(root, "", "auths", auths, err);

	if (ret != 0)
		return ret < 0 ? ret : 0;
	*auths = json_object_new_object();
	if (*auths == NULL || json_object_object_add(root, "auths", *auths) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

int berth_auth_store(const char *auth_path, const char *host, const char *user,
		     const char *password, struct berth_error **err)
{
	cleanup_free char *pair = NULL;
	cleanup_free char *b64 = NULL;
	json_object *root = NULL, *auths = NULL, *entry = NULL;
	int ret;

	if (strchr(user, ':') != NULL)
		return berth_error_set(err, EINVAL, "user name '%s': must not contain ':'", user);
	if (asprintf(&pair, "%s:%s", user, password) < 0 ||
	    (b64 = berth_base64_encode(pair, strlen(pair))) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	explicit_bzero(pair, strlen(pair));
	ret = load(auth_path, &root, err);
	if (ret == 0)
		ret = auths_of(root, &auths, err);
	if (ret == 0 && ((entry = json_object_new_object()) == NULL ||
			 json_object_object_add(entry, "auth", json_object_new_string(b64)) < 0 ||
			 json_object_object_add(auths, host, entry) < 0))
		ret = berth_error_set(err, ENOMEM, "out of memory");
	if (ret == 0)
		ret = save(auth_path, root, err);
	explicit_bzero(b64, strlen(b64));
	json_object_put(root);
	return ret;
}

int berth_auth_logout(const char *host, const char *auth_path, struct berth_error **err)
{
	json_object *root = NULL, *auths = NULL;
	int ret = load(auth_path, &root, err);

	if (ret == 0)
		ret = berth_json_object(root, "", "auths", &auths, err);
	if (ret == 0 || (ret > 0 && !json_object_object_get_ex(auths, host, NULL)))
		ret = berth_error_set(err, ENOENT, "not logged in to '%s'", host);
	else if (ret > 0) {
		json_object_object_del(auths, host);
		ret = save(auth_path, root, err);
	}
	json_object_put(root);
	return ret < 0 ? ret : 0;
}
