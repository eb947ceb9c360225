/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry/client.h"
#include "registry/config.h"
#include "unit.h"
#include "util/cleanup.h"

/* The registries config, transport rules and URL building. */

static struct berth_registry_config *parse(const char *s)
{
	struct berth_registry_config *c = NULL;
	struct berth_error *err = NULL;

	CHECK_OK(berth_registry_config_parse(s, strlen(s), "test", &c, &err), &err);
	return c;
}

static void parse_fails(const char *s, const char *needle)
{
	struct berth_registry_config *c = NULL;
	struct berth_error *err = NULL;

	if (berth_registry_config_parse(s, strlen(s), "test.json", &c, &err) != -EINVAL)
		FAIL("accepted %s", s);
	if (strstr(err->msg, needle) == NULL || strstr(err->msg, "test.json") == NULL)
		FAIL("'%s' does not mention '%s'", err->msg, needle);
	berth_error_free(err);
}

BERTH_TEST(registry_config_full)
{
	struct berth_registry_config *c =
	    parse("{\"default-registry\":\"reg.lan:5000\","
		  "\"registry-mirrors\":{\"docker.io\":[\"m1.lan\",\"m2.lan:5000\"]},"
		  "\"insecure-registries\":[\"build.lan:5000\"]}");
	char *const *m;

	CHECK_STR(c->default_registry, "reg.lan:5000");
	m = berth_registry_config_mirrors(c, "docker.io");
	CHECK_STR(m[0], "m1.lan");
	CHECK_STR(m[1], "m2.lan:5000");
	CHECK(m[2] == NULL);
	CHECK(berth_registry_config_mirrors(c, "quay.io")[0] == NULL);
	CHECK(berth_registry_config_insecure(c, "build.lan:5000"));
	CHECK(!berth_registry_config_insecure(c, "build.lan"));
	CHECK(!berth_registry_config_insecure(c, "docker.io"));
	berth_registry_config_free(c);
}

BERTH_TEST(registry_config_defaults)
{
	struct berth_registry_config *c = parse("");

	CHECK_STR(c->default_registry, "docker.io");
	CHECK(c->insecure == NULL && c->n_mirrors == 0);
	berth_registry_config_free(c);
	c = parse("{}");
	CHECK_STR(c->default_registry, "docker.io");
	berth_registry_config_free(c);
}

BERTH_TEST(registry_config_refuses_bad_input)
{
	parse_fails("{\"insecure-registry\":[]}", "unknown key 'insecure-registry'");
	parse_fails("{\"insecure-registries\":\"a\"}", "insecure-registries");
	parse_fails("{\"insecure-registries\":[\"http://a\"]}", "insecure-registries[0]");
	parse_fails("{\"registry-mirrors\":{\"docker.io\":\"m\"}}", "registry-mirrors.docker.io");
	parse_fails("{\"registry-mirrors\":{\"a/b\":[]}}", "registry-mirrors.a/b");
	parse_fails("{\"default-registry\":7}", "default-registry");
	parse_fails("[]", "");
}

BERTH_TEST(registry_config_load_missing_file_gives_defaults)
{
	struct berth_registry_config *c = NULL;
	struct berth_error *err = NULL;

	CHECK_OK(berth_registry_config_load("/nonexistent/registries.json", &c, &err), &err);
	CHECK_STR(c->default_registry, "docker.io");
	berth_registry_config_free(c);
}

BERTH_TEST(registry_loopback_rules)
{
	static const char *const yes[] = { "localhost",	   "localhost:5000", "127.0.0.1",
					   "127.1.2.3:80", "[::1]:5000",     "::1" };
	static const char *const no[] = { "127.evil.example", "127.0.0.1.nip.io",  "10.0.0.1:5000",
					  "docker.io",	      "localhost.example", "[::2]:5000" };

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(yes); i++)
		if (!berth_registry_host_is_loopback(yes[i]))
			FAIL("%s is loopback", yes[i]);
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(no); i++)
		if (berth_registry_host_is_loopback(no[i]) ||
		    berth_registry_config_insecure(NULL, no[i]))
			FAIL("%s is not loopback", no[i]);
}

BERTH_TEST(registry_url_building)
{
	cleanup_free char *u = NULL;
	struct berth_error *err = NULL;
	const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	CHECK_STR(berth_registry_endpoint_host("docker.io"), "registry-1.docker.io");
	CHECK_STR(berth_registry_endpoint_host("quay.io"), "quay.io");
	CHECK_OK(
	    berth_registry_url("https://r", "library/busybox", "manifests", "latest", &u, &err),
	    &err);
	CHECK_STR(u, "https://r/v2/library/busybox/manifests/latest");
	free(u);
	CHECK_OK(berth_registry_url("http://127.0.0.1:5000", "a/b-c/d__e", "blobs", d, &u, &err),
		 &err);
	CHECK(strstr(u, "/v2/a/b-c/d__e/blobs/sha256:0123") != NULL);
	free(u);
	CHECK_OK(berth_registry_url("https://r", "x", "blobs/uploads", NULL, &u, &err), &err);
	CHECK_STR(u, "https://r/v2/x/blobs/uploads/");
}

BERTH_TEST(registry_url_refuses_bad_names)
{
	static const char *const repos[] = { "",   "Upper",  "a//b", "a/",  "/a",    "a..b",
					     "-a", "a/../b", "a?b",  "a b", "a___b", "a-.b" };
	static const char *const refs[] = { "",	   ".x",	  "-x",		 "a/b",
					    "x?y", "sha512:abcd", "sha256:0123", "a b" };
	cleanup_free char *u = NULL;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(repos); i++) {
		struct berth_error *err = NULL;

		if (berth_registry_url("https://r", repos[i], "manifests", "t", &u, &err) !=
		    -EINVAL)
			FAIL("accepted repository '%s'", repos[i]);
		berth_error_free(err);
	}
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(refs); i++) {
		struct berth_error *err = NULL;

		if (berth_registry_url("https://r", "a", "manifests", refs[i], &u, &err) != -EINVAL)
			FAIL("accepted reference '%s'", refs[i]);
		if (strncmp(refs[i], "sha512", 6) == 0 && strstr(err->msg, "only sha256") == NULL)
			FAIL("'%s' does not say only sha256", err->msg);
		berth_error_free(err);
	}
}
