/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/config.h"
#include "image/manifest.h"
#include "unit.h"

#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static struct berth_manifest *parse_ok(const char *json, const char *hint)
{
	struct berth_error *err = NULL;
	struct berth_manifest *m = NULL;

	CHECK_OK(berth_manifest_parse(json, strlen(json), hint, &m, &err), &err);
	return m;
}

static void parse_fails(const char *json, const char *hint, int code, const char *part)
{
	struct berth_error *err = NULL;
	struct berth_manifest *m = NULL;

	if (berth_manifest_parse(json, strlen(json), hint, &m, &err) == 0)
		FAIL("accepted: %s", json);
	CHECK_INT(err->code, ==, code);
	if (strstr(err->msg, part) == NULL)
		FAIL("message \"%s\" lacks \"%s\"", err->msg, part);
	berth_error_free(err);
}

#define LAYER(mt, d) "{\"mediaType\":\"" mt "\",\"digest\":\"" d "\",\"size\":10}"
#define IMAGE(mt, cfgmt, layers)                                                                   \
	"{\"schemaVersion\":2,\"mediaType\":\"" mt "\",\"config\":{\"mediaType\":\"" cfgmt         \
	"\",\"digest\":\"" DA "\",\"size\":5},\"layers\":[" layers "]}"

BERTH_TEST(image_manifest_oci_and_docker)
{
	struct berth_manifest *m;
	enum berth_compression c;
	bool foreign;

	m = parse_ok(
	    IMAGE(BERTH_MT_OCI_MANIFEST, BERTH_MT_OCI_CONFIG,
		  LAYER(BERTH_MT_OCI_LAYER_GZIP, DB) "," LAYER(BERTH_MT_OCI_LAYER_ZSTD, DC)),
	    NULL);
	CHECK_INT(m->kind, ==, BERTH_MANIFEST_IMAGE);
	CHECK_STR(m->config.digest, DA);
	CHECK_INT(m->n_layers, ==, 2);
	CHECK_INT(m->layers[1].size, ==, 10);
	berth_manifest_free(m);
	/* Docker schema 2 with a foreign layer: its URLs are kept */
	m = parse_ok("{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_DOCKER_MANIFEST
		     "\",\"config\":{\"mediaType\":\"" BERTH_MT_DOCKER_CONFIG "\",\"digest\":\"" DA
		     "\",\"size\":5},\"layers\":[{\"mediaType\":\"" BERTH_MT_DOCKER_FOREIGN_GZIP
		     "\",\"digest\":\"" DB "\",\"size\":3,\"urls\":[\"https://x/y\"]}]}",
		     BERTH_MT_DOCKER_MANIFEST);
	CHECK_STR(m->media_type, BERTH_MT_DOCKER_MANIFEST);
	CHECK_STR(m->layers[0].urls[0], "https://x/y");
	CHECK_OK(berth_layer_media_type(m->layers[0].media_type, &c, &foreign,
					&(struct berth_error *){ NULL }),
		 &(struct berth_error *){ NULL });
	CHECK(foreign && c == BERTH_COMPRESSION_GZIP);
	berth_manifest_free(m);
	/* no mediaType in the document: the fields decide */
	m = parse_ok("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		     "\",\"digest\":\"" DA "\",\"size\":5},\"layers\":[]}",
		     NULL);
	CHECK_STR(m->media_type, BERTH_MT_OCI_MANIFEST);
	berth_manifest_free(m);
}

BERTH_TEST(image_manifest_layer_media_types)
{
	struct berth_error *err = NULL;
	enum berth_compression c;
	bool f;

	CHECK_OK(berth_layer_media_type(BERTH_MT_OCI_LAYER, &c, &f, &err), &err);
	CHECK(c == BERTH_COMPRESSION_NONE && !f);
	CHECK_OK(berth_layer_media_type(BERTH_MT_DOCKER_LAYER_GZIP, &c, &f, &err), &err);
	CHECK(c == BERTH_COMPRESSION_GZIP && !f);
	CHECK_OK(berth_layer_media_type(
		     "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", &c, &f, &err),
		 &err);
	CHECK(c == BERTH_COMPRESSION_ZSTD && f);
	CHECK_INT(berth_layer_media_type("application/x-tar", &c, &f, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "unsupported layer media type \"application/x-tar\"");
	berth_error_free(err);
}

BERTH_TEST(image_manifest_refusals)
{
	char *big;

	parse_fails("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", NULL, EINVAL,
		    "schema 1 manifests are not supported: ");
	parse_fails("{}", BERTH_MT_DOCKER_SCHEMA1_SIGNED, EINVAL, "schema 1 manifests");
	parse_fails("{\"schemaVersion\":2,", NULL, EINVAL, "invalid JSON");
	parse_fails("[1]", NULL, EINVAL, "expected an object");
	parse_fails(IMAGE(BERTH_MT_OCI_MANIFEST, BERTH_MT_OCI_CONFIG, LAYER("text/plain", DB)),
		    NULL, EINVAL, "layers[0]: unsupported layer media type \"text/plain\"");
	parse_fails(IMAGE(BERTH_MT_OCI_MANIFEST, "application/x-helm", ""), NULL, EINVAL,
		    "unsupported config media type");
	parse_fails(IMAGE("application/x-thing", BERTH_MT_OCI_CONFIG, ""), NULL, EINVAL,
		    "unsupported manifest media type");
	parse_fails(IMAGE(BERTH_MT_OCI_MANIFEST, BERTH_MT_OCI_CONFIG, ""), BERTH_MT_DOCKER_MANIFEST,
		    EINVAL, "does not match");
	parse_fails(IMAGE(BERTH_MT_OCI_MANIFEST, BERTH_MT_OCI_CONFIG,
			  LAYER(BERTH_MT_OCI_LAYER, "sha512:abcd")),
		    NULL, EINVAL, "layers[0].digest: unsupported digest algorithm \"sha512\"");
	parse_fails("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" BERTH_MT_OCI_CONFIG
		    "\",\"digest\":\"" DA "\",\"size\":-1},\"layers\":[]}",
		    NULL, ERANGE, "config.size");
	big = malloc(BERTH_MANIFEST_MAX + 2);
	memset(big, ' ', BERTH_MANIFEST_MAX + 1);
	big[BERTH_MANIFEST_MAX + 1] = '\0';
	parse_fails(big, NULL, EFBIG, "manifest larger than 4 MiB");
	free(big);
}

#define ENTRY(os, arch, variant, d)                                                                \
	"{\"mediaType\":\"" BERTH_MT_OCI_MANIFEST "\",\"digest\":\"" d                             \
	"\",\"size\":1,\"platform\":{\"os\":\"" os "\",\"architecture\":\"" arch "\"" variant "}}"

static const char *pick(const struct berth_manifest *idx, const char *want)
{
	struct berth_error *err = NULL;
	struct berth_platform p;
	const struct berth_descriptor *d = NULL;

	CHECK_OK(berth_platform_parse(want, &p, &err), &err);
	if (berth_manifest_select(idx, &p, &d, &err) < 0) {
		static char msg[512];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		berth_error_free(err);
		return msg;
	}
	return d->digest;
}

BERTH_TEST(image_manifest_index_platform_choice)
{
	struct berth_manifest *m =
	    parse_ok("{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MT_OCI_INDEX
		     "\",\"manifests\":[" ENTRY("linux", "amd64", "", DA) "," ENTRY(
			 "linux", "arm", ",\"variant\":\"v6\"",
			 DB) "," ENTRY("linux", "arm64", ",\"variant\":\"v8\"", DC) "]}",
		     NULL);

	CHECK_INT(m->kind, ==, BERTH_MANIFEST_INDEX);
	CHECK_STR(pick(m, "linux/amd64"), DA);
	CHECK_STR(pick(m, "linux/arm64"), DC);
	CHECK_STR(pick(m, "linux/aarch64"), DC);
	/* an ARMv7 board runs the v6 image when there is no v7 one */
	CHECK_STR(pick(m, "linux/arm/v7"), DB);
	CHECK_STR(pick(m, "linux/arm/v5"),
		  "no image for linux/arm/v5 in the index (available: linux/amd64, linux/arm/v6, "
		  "linux/arm64)");
	CHECK_STR(pick(m, "windows/amd64"),
		  "no image for windows/amd64 in the index (available: linux/amd64, linux/arm/v6, "
		  "linux/arm64)");
	berth_manifest_free(m);
}

BERTH_TEST(image_platform_machines_and_flags)
{
	struct berth_error *err = NULL;
	struct berth_platform p;
	char buf[128];
	static const char *cases[][2] = {
		{ "x86_64", "linux/amd64" },  { "aarch64", "linux/arm64" },
		{ "armv7l", "linux/arm/v7" }, { "armv6l", "linux/arm/v6" },
		{ "i686", "linux/386" },      { "ppc64le", "linux/ppc64le" },
		{ "s390x", "linux/s390x" },   { "riscv64", "linux/riscv64" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_OK(berth_platform_from_machine(cases[i][0], &p, &err), &err);
		berth_platform_format(&p, buf, sizeof(buf));
		CHECK_STR(buf, cases[i][1]);
	}
	CHECK_INT(berth_platform_from_machine("pdp11", &p, &err), ==, -EINVAL);
	CHECK_STR(err->msg, "unknown machine architecture \"pdp11\"");
	berth_error_clear(&err);
	CHECK_OK(berth_platform_parse("linux/arm", &p, &err), &err);
	CHECK_STR(p.variant, "v7");
	CHECK_OK(berth_platform_parse("Linux/ARM64/v8", &p, &err), &err);
	berth_platform_format(&p, buf, sizeof(buf));
	CHECK_STR(buf, "linux/arm64");
	CHECK_INT(berth_platform_parse("linux", &p, &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "expected os/arch[/variant]") != NULL);
	berth_error_clear(&err);
	CHECK_INT(berth_platform_parse("linux/amd64/v1/x", &p, &err), ==, -EINVAL);
	berth_error_clear(&err);
	CHECK_OK(berth_platform_host(&p, &err), &err);
	CHECK_STR(p.os, "linux");
}

BERTH_TEST(image_config_parse_fields)
{
	const char *json =
	    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\","
	    "\"config\":{\"User\":\"1000:1000\",\"Env\":[\"PATH=/bin\"],\"Entrypoint\":[\"/e\"],"
	    "\"Cmd\":[\"sh\",\"-c\",\"x\"],\"WorkingDir\":\"/w\",\"ExposedPorts\":{\"80/tcp\":{}},"
	    "\"Volumes\":{\"/data\":{}},\"Labels\":{\"a\":\"b\"},\"StopSignal\":\"SIGINT\"},"
	    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DA "\",\"" DB "\"]},"
	    "\"history\":[{\"created_by\":\"x\"},{\"empty_layer\":true}]}";
	struct berth_error *err = NULL;
	struct berth_image_config *c = NULL;

	CHECK_OK(berth_image_config_parse(json, strlen(json), &c, &err), &err);
	CHECK_STR(c->architecture, "amd64");
	CHECK_STR(c->user, "1000:1000");
	CHECK_STR(c->env[0], "PATH=/bin");
	CHECK_STR(c->entrypoint[0], "/e");
	CHECK_STR(c->cmd[2], "x");
	CHECK_STR(c->working_dir, "/w");
	CHECK_STR(c->exposed_ports[0], "80/tcp");
	CHECK_STR(c->volumes[0], "/data");
	CHECK_INT(c->n_labels, ==, 1);
	CHECK_STR(c->labels[0].value, "b");
	CHECK_STR(c->stop_signal, "SIGINT");
	CHECK_INT(c->n_diff_ids, ==, 2);
	CHECK_INT(c->n_history, ==, 2);
	CHECK(c->history[1].empty_layer);
	berth_image_config_free(c);
}

BERTH_TEST(image_config_refusals)
{
	static const char *bad[][2] = {
		{ "{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
		  "architecture and os are required" },
		{ "{\"architecture\":\"amd64\",\"os\":\"linux\"}", "rootfs: missing" },
		{ "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"x\"}}",
		  "rootfs.type" },
		{ "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		  "\"diff_ids\":[\"md5:00\"]}}",
		  "rootfs.diff_ids[0]: unsupported digest algorithm \"md5\"" },
		{ "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":\"sh\"},"
		  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
		  "config.Cmd: expected an array" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct berth_error *err = NULL;
		struct berth_image_config *c = NULL;

		if (berth_image_config_parse(bad[i][0], strlen(bad[i][0]), &c, &err) == 0)
			FAIL("accepted %s", bad[i][0]);
		if (strstr(err->msg, bad[i][1]) == NULL)
			FAIL("message \"%s\" lacks \"%s\"", err->msg, bad[i][1]);
		berth_error_free(err);
	}
}

BERTH_TEST(image_chain_ids_follow_the_spec)
{
	char *diffs[] = { DA, DB, DC };
	char out[3][BERTH_DIGEST_BUF];
	struct berth_error *err = NULL;

	CHECK_OK(berth_chain_ids(diffs, 3, out, &err), &err);
	CHECK_STR(out[0], DA);
	CHECK_STR(out[1],
		  "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c");
	CHECK_STR(out[2],
		  "sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588");
}
