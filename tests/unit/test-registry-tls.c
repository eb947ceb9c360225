/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/registry-internal.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* certs.d: CAs added to the system's, client certificate pairs. */

static void put(const char *dir, const char *name, const char *text)
{
	cleanup_free char *p = NULL;

	CHECK(asprintf(&p, "%s/%s", dir, name) > 0);
	CHECK(berth_write_file_atomic(AT_FDCWD, p, text, strlen(text), 0600, NULL) == 0);
}

static void release(struct reg_endpoint *ep)
{
	free(ep->ca_pem);
	free(ep->cert);
	free(ep->key);
	memset(ep, 0, sizeof(*ep));
}

BERTH_TEST(registry_certs_d)
{
	char tmpl[] = "/tmp/berth-certs-XXXXXX";
	cleanup_free char *host = NULL;
	struct reg_endpoint ep = { 0 };
	struct berth_error *err = NULL;

	CHECK(mkdtemp(tmpl) != NULL);
	CHECK(asprintf(&host, "%s/reg.lan:5000", tmpl) > 0);
	/* No directory for the host: nothing changes, system CAs only. */
	CHECK_OK(reg_tls_load(&ep, tmpl, "reg.lan:5000", &err), &err);
	CHECK(ep.ca_pem == NULL && ep.cert == NULL);
	CHECK(mkdir(host, 0755) == 0);
	put(host, "one.crt", "-----ONE-----");
	put(host, "two.crt", "-----TWO-----");
	put(host, "ignored.txt", "-----NO-----");
	put(host, "me.cert", "cert");
	put(host, "me.key", "key");
	CHECK_OK(reg_tls_load(&ep, tmpl, "reg.lan:5000", &err), &err);
	CHECK(strstr(ep.ca_pem, "-----ONE-----") && strstr(ep.ca_pem, "-----TWO-----"));
	CHECK(strstr(ep.ca_pem, "-----NO-----") == NULL);
	CHECK_INT(strlen(ep.ca_pem), ==, ep.ca_len);
	/* The system CAs stay trusted (Debian's bundle is in front when present). */
	if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0)
		CHECK(ep.ca_len > 1000 && strstr(ep.ca_pem, "BEGIN CERTIFICATE") != NULL);
	CHECK(strstr(ep.cert, "/reg.lan:5000/me.cert") && strstr(ep.key, "/reg.lan:5000/me.key"));
	release(&ep);
	put(host, "other.cert", "cert"); /* two client certificates: which one? refuse */
	put(host, "other.key", "key");
	CHECK(reg_tls_load(&ep, tmpl, "reg.lan:5000", &err) == -EINVAL);
	berth_error_clear(&err);
	release(&ep);
	CHECK(berth_rm_rf_at(AT_FDCWD, tmpl) == 0);
}
