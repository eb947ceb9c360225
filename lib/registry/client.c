/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry/config.h"
#include "registry/registry-internal.h"
#include "registry/sha256.h"
#include "util/cleanup.h"

/* Client lifecycle, endpoints (mirrors, certs.d, credentials) and URL building. */

#define CERTS_D "/etc/berth/certs.d"

const char *berth_registry_endpoint_host(const char *host)
{
	if (strcmp(host, "docker.io") == 0 || strcmp(host, "index.docker.io") == 0)
		return "registry-1.docker.io";
	return host;
}

static void endpoint_release(struct reg_endpoint *ep)
{
	free(ep->host);
	free(ep->base);
	if (ep->basic != NULL)
		explicit_bzero(ep->basic, strlen(ep->basic));
	free(ep->basic);
	free(ep->ca_pem);
	free(ep->cert);
	free(ep->key);
	berth_registry_challenge_release(&ep->ch);
	for (size_t i = 0; i < ep->n_tokens; i++) {
		free(ep->tokens[i].scope);
		free(ep->tokens[i].header);
	}
	free(ep->tokens);
}

void berth_registry_free(struct berth_registry *reg)
{
	if (reg == NULL)
		return;
	for (size_t i = 0; i < reg->n_eps; i++)
		endpoint_release(&reg->eps[i]);
	free(reg->eps);
	if (reg->share != NULL)
		curl_share_cleanup(reg->share);
	free(reg->host);
	free(reg->user_agent);
	free(reg);
}

static int credentials(struct reg_endpoint *ep, const char *cfg_host, bool is_origin,
		       const struct berth_registry_opts *o, struct berth_error **err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *pair = NULL;

	if (is_origin && o->username != NULL && o->password != NULL) {
		if (asprintf(&pair, "%s:%s", o->username, o->password) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		ep->basic = berth_base64_encode(pair, strlen(pair));
		explicit_bzero(pair, strlen(pair));
		return ep->basic ? 0 : berth_error_set(err, ENOMEM, "out of memory");
	}
	if (o->auth_path == NULL && berth_auth_default_path(&path, err) < 0)
		return berth_error_ret(err);
	return berth_auth_lookup(o->auth_path ? o->auth_path : path, cfg_host, &ep->basic, err);
}

/* @cfg_host names the registry in auth.json, certs.d and the config ("docker.io"). */
static int endpoint_init(struct berth_registry *reg, const char *cfg_host, bool is_origin,
			 const struct berth_registry_opts *o, struct berth_error **err)
{
	struct reg_endpoint *ep = &reg->eps[reg->n_eps];
	const char *dir = o->certs_dir ? o->certs_dir : getenv("BERTH_CERTS_D");

	reg->n_eps++;
	ep->host = strdup(berth_registry_endpoint_host(cfg_host));
	if (ep->host == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	ep->insecure = berth_registry_config_insecure(o->config, cfg_host);
	if (reg_tls_load(ep, dir && *dir ? dir : CERTS_D, cfg_host, err) < 0 ||
	    credentials(ep, cfg_host, is_origin, o, err) < 0)
		return berth_error_prefix(err, "registry '%s'", cfg_host);
	return 0;
}

/*
 * One thread uses the client, so the share needs no locks: every request
 * (the ping, a manifest, HEADs, uploads, the blob transfers) can reuse an
 * open connection and its TLS session instead of a new handshake each time.
 */
static int share_init(struct berth_registry *reg)
{
	CURLSHcode r = CURLSHE_OK;

	reg->share = curl_share_init();
	if (reg->share == NULL)
		return -ENOMEM;
	r |= curl_share_setopt(reg->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	r |= curl_share_setopt(reg->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	r |= curl_share_setopt(reg->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	return r == CURLSHE_OK ? 0 : -ENOMEM;
}

int berth_registry_open(const char *host, const struct berth_registry_opts *o,
			struct berth_registry **out, struct berth_error **err)
{
	static const struct berth_registry_opts none = { 0 };
	struct berth_registry *reg = NULL;
	char *const *mirrors;
	size_t n = 0;

	o = o ? o : &none;
	if (berth_registry_check_host(host, "registry", err) < 0 || berth_curl_load(err) < 0)
		return berth_error_ret(err);
	mirrors = berth_registry_config_mirrors(o->config, host);
	while (mirrors[n] != NULL)
		n++;
	reg = calloc(1, sizeof(*reg));
	if (reg == NULL || share_init(reg) < 0 ||
	    (reg->eps = calloc(n + 1, sizeof(*reg->eps))) == NULL ||
	    (reg->host = strdup(host)) == NULL ||
	    asprintf(&reg->user_agent, "%s",
		     o->user_agent ? o->user_agent : "berth/" BERTH_VERSION) < 0) {
		berth_registry_free(reg);
		return berth_error_set(err, ENOMEM, "registry '%s': out of memory", host);
	}
	for (size_t i = 0; i <= n; i++) {
		if (endpoint_init(reg, i < n ? mirrors[i] : host, i == n, o, err) < 0) {
			berth_registry_free(reg);
			return berth_error_ret(err);
		}
	}
	*out = reg;
	return 0;
}

/* A path component of a repository name, per the distribution spec's grammar. */
static bool repo_component_ok(const char *p, size_t n)
{
	if (n == 0 || !strchr("abcdefghijklmnopqrstuvwxyz0123456789", p[0]) ||
	    !strchr("abcdefghijklmnopqrstuvwxyz0123456789", p[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", p[i]) == NULL)
			return false;
		/* separators: ".", "_", "__" or runs of "-" */
		if ((p[i] == '.' || p[i] == '_') && i + 1 < n && strchr(".-", p[i + 1]))
			return false;
		if ((p[i] == '.' && p[i + 1] == '_') || (p[i] == '-' && strchr("._", p[i + 1])))
			return false;
		if (p[i] == '_' && p[i + 1] == '_' && i + 2 < n && p[i + 2] == '_')
			return false;
	}
	return true;
}

static int check_repo(const char *repo, struct berth_error **err)
{
	const char *p = repo;

	if (strlen(repo) > 255)
		return berth_error_set(err, EINVAL, "repository '%.80s...': longer than 255", repo);
	for (;;) {
		size_t n = strcspn(p, "/");

		if (!repo_component_ok(p, n))
			return berth_error_set(err, EINVAL,
					       "repository '%s': not a valid name "
					       "(lower-case letters, digits and separators)",
					       repo);
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

static int check_ref(const char *ref, struct berth_error **err)
{
	size_t n = strlen(ref);

	if (strchr(ref, ':') != NULL)
		return reg_digest_check(ref, err);
	if (n == 0 || n > 128 || ref[0] == '.' || ref[0] == '-' ||
	    strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return berth_error_set(err, EINVAL, "tag '%.140s': not a valid tag", ref);
	return 0;
}

int berth_registry_url(const char *base, const char *repo, const char *kind, const char *ref,
		       char **out, struct berth_error **err)
{
	if (check_repo(repo, err) < 0 || (ref != NULL && check_ref(ref, err) < 0))
		return berth_error_ret(err);
	if (asprintf(out, "%s/v2/%s/%s/%s", base, repo, kind, ref ? ref : "") < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

int reg_pull_endpoint(struct berth_registry *reg, struct reg_endpoint **out,
		      struct berth_error **err)
{
	if (reg->pull_ep != NULL) {
		*out = reg->pull_ep;
		return 0;
	}
	for (size_t i = 0; i < reg->n_eps; i++) {
		if (reg_ping(reg, &reg->eps[i], err) == 0) {
			*out = reg->pull_ep = &reg->eps[i];
			return 0;
		}
		if (i + 1 < reg->n_eps)
			berth_error_clear(err);
	}
	return berth_error_ret(err);
}
