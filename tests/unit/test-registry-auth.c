/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/auth.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* WWW-Authenticate challenges and auth.json. */

BERTH_TEST(registry_challenge_bearer)
{
	struct berth_registry_challenge c = { 0 };
	struct berth_error *err = NULL;

	CHECK_OK(berth_registry_parse_challenge(
		     "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		     "scope=\"repository:library/busybox:pull\"",
		     &c, &err),
		 &err);
	CHECK_INT(c.scheme, ==, BERTH_AUTH_BEARER);
	CHECK_STR(c.realm, "https://auth.docker.io/token");
	CHECK_STR(c.service, "registry.docker.io");
	CHECK_STR(c.scope, "repository:library/busybox:pull");
	berth_registry_challenge_release(&c);
}

BERTH_TEST(registry_challenge_order_case_escapes_and_extras)
{
	struct berth_registry_challenge c = { 0 };
	struct berth_error *err = NULL;

	CHECK_OK(
	    berth_registry_parse_challenge("bearer  scope=\"a:b,c\", error=\"insufficient_scope\", "
					   "Realm=\"http://h/t?x=\\\"1\\\"\" ,service=svc",
					   &c, &err),
	    &err);
	CHECK_INT(c.scheme, ==, BERTH_AUTH_BEARER);
	CHECK_STR(c.realm, "http://h/t?x=\"1\"");
	CHECK_STR(c.service, "svc");
	CHECK_STR(c.scope, "a:b,c");
	berth_registry_challenge_release(&c);
	CHECK_OK(berth_registry_parse_challenge("Basic realm=\"Registry Realm\"", &c, &err), &err);
	CHECK_INT(c.scheme, ==, BERTH_AUTH_BASIC);
	CHECK_STR(c.realm, "Registry Realm");
	CHECK(c.service == NULL);
	berth_registry_challenge_release(&c);
}

BERTH_TEST(registry_challenge_refuses_bad_headers)
{
	static const char *const bad[] = {
		"Digest realm=\"x\"",		       /* unknown scheme */
		"Bearer service=\"x\"",		       /* no realm */
		"Bearer realm=\"file:///etc/passwd\"", /* realm must be http(s) */
		"Bearer realm=\"https://x",	       /* unterminated */
		"Bearer realm",			       /* no value */
		"",
	};

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		struct berth_registry_challenge c = { 0 };
		struct berth_error *err = NULL;

		if (berth_registry_parse_challenge(bad[i], &c, &err) != -EINVAL)
			FAIL("accepted '%s'", bad[i]);
		CHECK(strstr(err->msg, "WWW-Authenticate") != NULL);
		berth_error_free(err);
	}
}

BERTH_TEST(registry_base64_round_trip)
{
	static const char *const in[] = { "", "a", "ab", "abc", "user:p@ss:w0rd" };

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(in); i++) {
		cleanup_free char *enc = berth_base64_encode(in[i], strlen(in[i]));
		cleanup_free char *dec = NULL;
		size_t len = 99;

		dec = berth_base64_decode(enc, &len);
		CHECK(dec != NULL);
		CHECK_INT(len, ==, strlen(in[i]));
		CHECK_STR(dec, in[i]);
	}
	{
		cleanup_free char *enc = berth_base64_encode("user:pass", 9);
		size_t len;

		CHECK_STR(enc, "dXNlcjpwYXNz");
		CHECK(berth_base64_decode("abc", &len) == NULL);
	}
}

/* RFC 4648's vectors, and what a decoder must refuse. */
BERTH_TEST(registry_base64_rfc4648)
{
	static const char *const vec[][2] = { { "f", "Zg==" },	       { "fo", "Zm8=" },
					      { "foo", "Zm9v" },       { "foob", "Zm9vYg==" },
					      { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" } };
	static const char *const bad[] = { "Zg=a", "Z===", "Zg==Zg==", "Zm9v!A==", "Zm9", "====" };
	unsigned char all[256];
	size_t len;

	for (size_t i = 0; i < BERTH_ARRAY_SIZE(vec); i++) {
		cleanup_free char *enc = berth_base64_encode(vec[i][0], strlen(vec[i][0]));
		cleanup_free char *dec = berth_base64_decode(vec[i][1], &len);

		CHECK_STR(enc, vec[i][1]);
		CHECK(dec != NULL);
		CHECK_STR(dec, vec[i][0]);
	}
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(bad); i++) {
		if (berth_base64_decode(bad[i], &len) != NULL)
			FAIL("accepted '%s'", bad[i]);
	}
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)i;
	{
		cleanup_free char *enc = berth_base64_encode(all, sizeof(all));
		cleanup_free char *dec = berth_base64_decode(enc, &len);

		CHECK(dec != NULL);
		CHECK_INT(len, ==, sizeof(all));
		CHECK(memcmp(dec, all, sizeof(all)) == 0);
	}
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/berth-auth-XXXXXX";

	CHECK(mkdtemp(tmpl) != NULL);
	return strdup(tmpl);
}

static void rm_tree(const char *dir)
{
	CHECK(berth_rm_rf_at(AT_FDCWD, dir) == 0);
}

BERTH_TEST(registry_auth_file_store_lookup_logout)
{
	cleanup_free char *dir = tmpdir();
	cleanup_free char *path = NULL;
	cleanup_free char *sub = NULL;
	cleanup_free char *v = NULL;
	cleanup_free char *body = NULL;
	struct berth_error *err = NULL;
	struct stat st;
	size_t len;

	CHECK(asprintf(&sub, "%s/cfg/berth", dir) > 0);
	CHECK(asprintf(&path, "%s/auth.json", sub) > 0);
	CHECK_OK(berth_auth_lookup(path, "r.example", &v, &err), &err);
	CHECK(v == NULL);
	CHECK_OK(berth_auth_store(path, "r.example", "bob", "pw", &err), &err);
	CHECK_OK(berth_auth_store(path, "docker.io", "amy", "x:y", &err), &err);
	CHECK(stat(path, &st) == 0);
	CHECK_INT(st.st_mode & 07777, ==, 0600);
	CHECK(stat(sub, &st) == 0);
	CHECK_INT(st.st_mode & 07777, ==, 0700);
	CHECK_OK(berth_auth_lookup(path, "r.example", &v, &err), &err);
	CHECK_STR(v, "Ym9iOnB3");
	free(v);
	v = NULL;
	CHECK_OK(berth_read_file_at(AT_FDCWD, path, 4096, &body, &len, &err), &err);
	CHECK(strstr(body, "\"auths\"") != NULL && strstr(body, "\"docker.io\"") != NULL);
	CHECK_OK(berth_auth_logout("r.example", path, &err), &err);
	CHECK_OK(berth_auth_lookup(path, "r.example", &v, &err), &err);
	CHECK(v == NULL);
	CHECK_OK(berth_auth_lookup(path, "docker.io", &v, &err), &err);
	CHECK(v != NULL);
	CHECK_INT(berth_auth_logout("r.example", path, &err), ==, -ENOENT);
	CHECK(strstr(err->msg, "not logged in to 'r.example'") != NULL);
	berth_error_free(err);
	rm_tree(dir);
}

BERTH_TEST(registry_auth_file_docker_keys_and_bad_files)
{
	cleanup_free char *dir = tmpdir();
	cleanup_free char *path = NULL;
	cleanup_free char *v = NULL;
	struct berth_error *err = NULL;
	const char *hub = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"YTpi\"}}}";

	CHECK(asprintf(&path, "%s/auth.json", dir) > 0);
	CHECK_OK(berth_write_file_atomic(AT_FDCWD, path, hub, strlen(hub), 0600, &err), &err);
	CHECK_OK(berth_auth_lookup(path, "docker.io", &v, &err), &err);
	CHECK_STR(v, "YTpi");
	CHECK_OK(berth_write_file_atomic(AT_FDCWD, path, "{\"auths\":[]}", 12, 0600, &err), &err);
	CHECK(berth_auth_lookup(path, "docker.io", &v, &err) == -EINVAL);
	CHECK(strstr(err->msg, path) != NULL && strstr(err->msg, "auths") != NULL);
	berth_error_clear(&err);
	CHECK_OK(berth_write_file_atomic(AT_FDCWD, path, "{\"auths\"", 8, 0600, &err), &err);
	CHECK(berth_auth_lookup(path, "docker.io", &v, &err) < 0);
	berth_error_clear(&err);
	/* A store into a broken file refuses and leaves it as it was. */
	CHECK(berth_auth_store(path, "x", "u", "p", &err) < 0);
	berth_error_clear(&err);
	{
		cleanup_free char *body = NULL;
		size_t len;

		CHECK_OK(berth_read_file_at(AT_FDCWD, path, 100, &body, &len, &err), &err);
		CHECK_STR(body, "{\"auths\"");
	}
	CHECK(berth_auth_store(path, "x", "a:b", "p", &err) == -EINVAL);
	berth_error_free(err);
	rm_tree(dir);
}

BERTH_TEST(registry_auth_default_path)
{
	cleanup_free char *p = NULL;
	struct berth_error *err = NULL;

	unsetenv("BERTH_AUTH_FILE");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/u", 1);
	CHECK_OK(berth_auth_default_path(&p, &err), &err);
	CHECK_STR(p, "/home/u/.config/berth/auth.json");
	free(p);
	setenv("XDG_CONFIG_HOME", "/x", 1);
	CHECK_OK(berth_auth_default_path(&p, &err), &err);
	CHECK_STR(p, "/x/berth/auth.json");
	free(p);
	setenv("BERTH_AUTH_FILE", "/a.json", 1);
	CHECK_OK(berth_auth_default_path(&p, &err), &err);
	CHECK_STR(p, "/a.json");
}
