/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/registry-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/*
 * certs.d, as Docker lays it out: in <dir>/<host[:port]>/ every *.crt is a CA
 * trusted for that registry in addition to the system CAs, and a *.cert with
 * the *.key of the same name is the client certificate.
 */

#define PEM_MAX (4u << 20)

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Append the file @dir/@name to the PEM bundle (*buf, *len). */
static int append_pem(int dirfd, const char *name, const char *what, char **buf, size_t *len,
		      struct berth_error **err)
{
	cleanup_free char *data = NULL;
	size_t n = 0;
	char *nb;

	if (berth_read_file_at(dirfd, name, PEM_MAX, &data, &n, err) < 0)
		return berth_error_prefix(err, "%s", what);
	nb = realloc(*buf, *len + n + 2);
	if (nb == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	memcpy(nb + *len, data, n);
	*len += n;
	nb[(*len)++] = '\n';
	nb[*len] = '\0';
	*buf = nb;
	return 0;
}

/* The CA file libcurl uses by default (Debian: /etc/ssl/certs/ca-certificates.crt). */
static const char *system_cafile(void)
{
	static char path[4096];
	CURL *c;
	char *p = NULL;

	if (path[0] != '\0')
		return path;
	c = curl_easy_init();
	if (c != NULL && curl_easy_getinfo(c, CURLINFO_CAINFO, &p) == CURLE_OK && p != NULL)
		snprintf(path, sizeof(path), "%s", p);
	if (c != NULL)
		curl_easy_cleanup(c);
	return path[0] ? path : NULL;
}

static int client_pair(struct reg_endpoint *ep, const char *hostdir, const char *name,
		       struct berth_error **err)
{
	size_t stem = strlen(name) - strlen(".cert");
	cleanup_free char *key = NULL;

	if (ep->cert != NULL)
		return berth_error_set(err, EINVAL,
				       "certs.d '%s': more than one client "
				       "certificate",
				       hostdir);
	if (asprintf(&ep->cert, "%s/%s", hostdir, name) < 0 ||
	    asprintf(&key, "%s/%.*s.key", hostdir, (int)stem, name) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (access(key, R_OK) < 0)
		return berth_error_errno(
		    err, "certs.d: client certificate '%s' without its key '%s'", ep->cert, key);
	ep->key = steal_ptr(&key);
	return 0;
}

static int scan(struct reg_endpoint *ep, DIR *d, const char *hostdir, struct berth_error **err)
{
	struct dirent *de;

	while ((de = readdir(d)) != NULL) {
		cleanup_free char *what = NULL;

		if (asprintf(&what, "certs.d '%s/%s'", hostdir, de->d_name) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		if (ends_with(de->d_name, ".crt") &&
		    append_pem(dirfd(d), de->d_name, what, &ep->ca_pem, &ep->ca_len, err) < 0)
			return berth_error_ret(err);
		if (ends_with(de->d_name, ".cert") && client_pair(ep, hostdir, de->d_name, err) < 0)
			return berth_error_ret(err);
	}
	return 0;
}

int reg_tls_load(struct reg_endpoint *ep, const char *dir, const char *cfg_host,
		 struct berth_error **err)
{
	cleanup_free char *hostdir = NULL;
	const char *sys;
	DIR *d;
	int ret;

	if (asprintf(&hostdir, "%s/%s", dir, cfg_host) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	d = opendir(hostdir);
	if (d == NULL && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (d == NULL)
		return berth_error_errno(err, "certs.d '%s'", hostdir);
	ret = scan(ep, d, hostdir, err);
	closedir(d);
	if (ret < 0 || ep->ca_pem == NULL)
		return ret;
	/* A CA blob replaces libcurl's CA file: put the system CAs in front, so both count. */
	sys = system_cafile();
	if (sys != NULL && access(sys, R_OK) == 0) {
		char *mine = steal_ptr(&ep->ca_pem);
		size_t n = ep->ca_len;

		ep->ca_len = 0;
		ret = append_pem(AT_FDCWD, sys, "system CAs", &ep->ca_pem, &ep->ca_len, err);
		if (ret == 0 && (ep->ca_pem = realloc(ep->ca_pem, ep->ca_len + n + 1)) != NULL) {
			memcpy(ep->ca_pem + ep->ca_len, mine, n + 1);
			ep->ca_len += n;
		} else if (ret == 0) {
			ret = berth_error_set(err, ENOMEM, "out of memory");
		}
		free(mine);
	}
	return ret;
}
