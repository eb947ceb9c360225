/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/digest.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* over s[0..n). */
static bool valid_path_component(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start = i;

		while (i < n && lower_alnum(s[i]))
			i++;
		if (i == start)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.' || (s[i] == '_' && (i + 1 >= n || s[i + 1] != '_')))
			i++;
		else if (s[i] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
		if (i == n)
			return false;
	}
	return n > 0;
}

/* [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])? */
static bool valid_host_label(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool valid_port(const char *p)
{
	if (*p == '\0')
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static bool valid_domain(const char *d)
{
	const char *end = d + strlen(d);
	const char *colon;

	if (d[0] == '[') {
		const char *close = strchr(d, ']');

		if (close == NULL || close == d + 1)
			return false;
		for (const char *p = d + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':')
				return false;
		return close[1] == '\0' || (close[1] == ':' && valid_port(close + 2));
	}
	colon = strchr(d, ':');
	if (colon != NULL) {
		if (!valid_port(colon + 1))
			return false;
		end = colon;
	}
	while (d < end) {
		const char *dot = memchr(d, '.', (size_t)(end - d));
		const char *stop = dot ? dot : end;

		if (!valid_host_label(d, (size_t)(stop - d)))
			return false;
		d = dot ? dot + 1 : end;
		if (dot && d == end)
			return false;
	}
	return true;
}

static bool valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > TAG_MAX_LEN || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

static int check_path(const char *input, const char *path, struct berth_error **err)
{
	const char *p = path;

	for (const char *c = path; *c; c++)
		if (isupper((unsigned char)*c))
			return berth_error_set(err, EINVAL,
					       "invalid reference \"%s\": repository name must be "
					       "lowercase",
					       input);
	while (true) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (!valid_path_component(p, n))
			return berth_error_set(err, EINVAL,
					       "invalid reference \"%s\": bad repository path "
					       "component \"%.*s\"",
					       input, (int)n, p);
		if (slash == NULL)
			return 0;
		p = slash + 1;
	}
}

/* Docker's rule for telling "registry/repo" from "user/repo". */
static bool looks_like_domain(const char *s, size_t n)
{
	if (n == 9 && strncmp(s, "localhost", 9) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || isupper((unsigned char)s[i]))
			return true;
	return false;
}

static int split_name(const char *name, struct berth_reference *r)
{
	const char *slash = strchr(name, '/');

	if (slash != NULL && looks_like_domain(name, (size_t)(slash - name))) {
		r->domain = strndup(name, (size_t)(slash - name));
		r->path = strdup(slash + 1);
	} else {
		r->domain = strdup(BERTH_DEFAULT_DOMAIN);
		r->path = strdup(name);
	}
	if (r->domain == NULL || r->path == NULL)
		return -ENOMEM;
	if (strcmp(r->domain, "index.docker.io") == 0) {
		free(r->domain);
		r->domain = strdup(BERTH_DEFAULT_DOMAIN);
	}
	if (r->domain != NULL && strcmp(r->domain, BERTH_DEFAULT_DOMAIN) == 0 &&
	    strchr(r->path, '/') == NULL) {
		char *p = NULL;

		if (asprintf(&p, "library/%s", r->path) < 0)
			return -ENOMEM;
		free(r->path);
		r->path = p;
	}
	return r->domain ? 0 : -ENOMEM;
}

/* Split "name[:tag]" in place: the tag is after the last ':' that follows the last '/'. */
static char *cut_tag(char *s)
{
	char *colon = strrchr(s, ':');
	char *slash = strrchr(s, '/');

	if (colon == NULL || (slash != NULL && colon < slash))
		return NULL;
	*colon = '\0';
	return colon + 1;
}

static int check_parts(const char *s, const struct berth_reference *r, const char *tag,
		       struct berth_error **err)
{
	if (!valid_domain(r->domain))
		return berth_error_set(err, EINVAL, "invalid reference \"%s\": bad domain \"%s\"",
				       s, r->domain);
	if (check_path(s, r->path, err) < 0)
		return -EINVAL;
	if (strlen(r->domain) + 1 + strlen(r->path) > NAME_MAX_LEN)
		return berth_error_set(err, EINVAL,
				       "invalid reference \"%s\": repository name longer than %d "
				       "characters",
				       s, NAME_MAX_LEN);
	if (tag != NULL && !valid_tag(tag))
		return berth_error_set(err, EINVAL, "invalid reference \"%s\": bad tag \"%s\"", s,
				       tag);
	return 0;
}

static int parse_name_part(const char *s, char *rest, struct berth_reference *r,
			   struct berth_error **err)
{
	char *tag = cut_tag(rest);

	if (rest[0] == '\0')
		return berth_error_set(err, EINVAL, "invalid reference \"%s\": empty name", s);
	if (berth_is_sha256_hex(rest))
		return berth_error_set(err, EINVAL,
				       "invalid reference \"%s\": a repository name cannot be a "
				       "64-digit hex string",
				       s);
	if (split_name(rest, r) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (check_parts(s, r, tag, err) < 0)
		return -EINVAL;
	if (tag == NULL && r->digest == NULL)
		tag = BERTH_DEFAULT_TAG;
	if (tag != NULL && (r->tag = strdup(tag)) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

int berth_reference_parse(const char *s, struct berth_reference **out, struct berth_error **err)
{
	cleanup_free char *copy = NULL;
	struct berth_reference *r;
	char *at;

	if (s[0] == '\0')
		return berth_error_set(err, EINVAL, "invalid reference \"\": empty");
	copy = strdup(s);
	r = calloc(1, sizeof(*r));
	if (copy == NULL || r == NULL) {
		free(r);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	at = strchr(copy, '@');
	if (at != NULL) {
		*at = '\0';
		if (berth_digest_check(at + 1, err) < 0) {
			berth_reference_free(r);
			return berth_error_prefix(err, "invalid reference \"%s\"", s);
		}
		r->digest = strdup(at + 1);
	}
	if ((at != NULL && r->digest == NULL) || parse_name_part(s, copy, r, err) < 0) {
		berth_reference_free(r);
		return *err ? berth_error_ret(err) : berth_error_set(err, ENOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

static char *format(const char *domain, const char *path, const struct berth_reference *r)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s%s%s%s%s%s", domain ? domain : "", domain ? "/" : "", path,
		     r->tag ? ":" : "", r->tag ? r->tag : "", r->digest ? "@" : "",
		     r->digest ? r->digest : "") < 0)
		return NULL;
	return s;
}

char *berth_reference_string(const struct berth_reference *r)
{
	return format(r->domain, r->path, r);
}

char *berth_reference_name(const struct berth_reference *r)
{
	char *s = NULL;

	if (asprintf(&s, "%s/%s", r->domain, r->path) < 0)
		return NULL;
	return s;
}

char *berth_reference_familiar(const struct berth_reference *r)
{
	const char *path = r->path;

	if (strcmp(r->domain, BERTH_DEFAULT_DOMAIN) != 0)
		return format(r->domain, path, r);
	if (strncmp(path, "library/", 8) == 0 && strchr(path + 8, '/') == NULL)
		path += 8;
	return format(NULL, path, r);
}

void berth_reference_free(struct berth_reference *r)
{
	if (r == NULL)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	free(r);
}
