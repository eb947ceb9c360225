/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry-internal.h"
#include "util/cleanup.h"

/* berth login: prove the credentials against /v2/ before writing them down. */

static int check_v2(struct berth_registry *reg, struct berth_error **err)
{
	struct reg_endpoint *ep = reg_origin(reg);
	cleanup_free char *url = NULL;
	cleanup_free char *auth = NULL;
	struct reg_resp rs = { 0 };
	struct reg_req rq = { .method = "GET", .body_fd = -1 };
	int ret;

	/* A bearer login asks the realm for a token with no scope, as docker login does. */
	if (reg_auth_header(reg, ep, NULL, &auth, err) < 0)
		return berth_error_ret(err);
	if (asprintf(&url, "%s/v2/", ep->base) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	rq.url = url;
	ret = reg_perform(reg, ep, &rq, auth, &rs, err);
	if (ret == 0 && rs.status != 200)
		ret = reg_status_error(&rq, &rs, err);
	reg_resp_release(&rs);
	return ret;
}

int berth_auth_login(const char *host, const char *user, const char *password,
		     const struct berth_registry_opts *o, const char *auth_path,
		     struct berth_error **err)
{
	struct berth_registry_opts lo = o ? *o : (struct berth_registry_opts){ 0 };
	struct berth_registry *reg = NULL;
	cleanup_free char *path = NULL;
	int ret;

	if (user == NULL || *user == '\0' || password == NULL || *password == '\0')
		return berth_error_set(err, EINVAL, "login '%s': user name and password needed",
				       host);
	if (auth_path == NULL && berth_auth_default_path(&path, err) < 0)
		return berth_error_ret(err);
	lo.username = user;
	lo.password = password;
	lo.auth_path = auth_path ? auth_path : path;
	ret = berth_registry_open(host, &lo, &reg, err);
	if (ret == 0)
		ret = check_v2(reg, err);
	berth_registry_free(reg);
	if (ret < 0)
		return berth_error_prefix(err, "login to '%s' as '%s'", host, user);
	return berth_auth_store(lo.auth_path, host, user, password, err);
}
