/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"
#include "unit.h"

#define D "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void norm(const char *in, const char *full, const char *familiar)
{
	struct berth_error *err = NULL;
	struct berth_reference *r = NULL;
	char *a, *b;

	CHECK_OK(berth_reference_parse(in, &r, &err), &err);
	a = berth_reference_string(r);
	b = berth_reference_familiar(r);
	CHECK_STR(a, full);
	CHECK_STR(b, familiar);
	free(a);
	free(b);
	berth_reference_free(r);
}

static void refuse(const char *in, const char *msg_part)
{
	struct berth_error *err = NULL;
	struct berth_reference *r = NULL;

	if (berth_reference_parse(in, &r, &err) == 0)
		FAIL("\"%s\" accepted", in);
	CHECK_INT(err->code, ==, EINVAL);
	if (strstr(err->msg, msg_part) == NULL)
		FAIL("\"%s\": message \"%s\" lacks \"%s\"", in, err->msg, msg_part);
	berth_error_free(err);
}

BERTH_TEST(image_reference_normalises_like_docker)
{
	norm("busybox", "docker.io/library/busybox:latest", "busybox:latest");
	norm("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
	norm("user/app", "docker.io/user/app:latest", "user/app:latest");
	norm("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest");
	norm("index.docker.io/library/busybox:x", "docker.io/library/busybox:x", "busybox:x");
	norm("localhost:5000/a/b:t", "localhost:5000/a/b:t", "localhost:5000/a/b:t");
	norm("localhost/a", "localhost/a:latest", "localhost/a:latest");
	norm("quay.io/x/y__z.w-q", "quay.io/x/y__z.w-q:latest", "quay.io/x/y__z.w-q:latest");
	norm("[::1]:5000/x:1", "[::1]:5000/x:1", "[::1]:5000/x:1");
	norm("Registry/x", "Registry/x:latest", "Registry/x:latest");
	norm("docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest");
	norm("busybox@" D, "docker.io/library/busybox@" D, "busybox@" D);
	norm("busybox:1@" D, "docker.io/library/busybox:1@" D, "busybox:1@" D);
}

BERTH_TEST(image_reference_fields)
{
	struct berth_error *err = NULL;
	struct berth_reference *r = NULL;
	char *name;

	CHECK_OK(berth_reference_parse("localhost:5000/a/b@" D, &r, &err), &err);
	CHECK_STR(r->domain, "localhost:5000");
	CHECK_STR(r->path, "a/b");
	CHECK(r->tag == NULL);
	CHECK_STR(r->digest, D);
	name = berth_reference_name(r);
	CHECK_STR(name, "localhost:5000/a/b");
	free(name);
	berth_reference_free(r);
}

BERTH_TEST(image_reference_refuses_bad_components)
{
	refuse("", "empty");
	refuse("Busybox", "must be lowercase");
	refuse("docker.io/Busybox", "must be lowercase");
	refuse("a//b", "bad repository path component");
	refuse("a/-b", "bad repository path component");
	refuse("a_", "bad repository path component");
	refuse("a___b", "bad repository path component");
	refuse("busybox:", "bad tag");
	refuse("busybox:.x", "bad tag");
	refuse("busybox:a+b", "bad tag");
	refuse("-x.io/a", "bad domain");
	refuse("x.io:port/a", "bad domain");
	refuse("busybox@sha512:abc", "unsupported digest algorithm \"sha512\"");
	refuse("busybox@sha256:abc", "64 lower-case hex");
	refuse("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "64-digit hex");
	refuse("@" D, "empty name");
}

BERTH_TEST(image_reference_length_limits)
{
	char name[300], tag[140];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	refuse(name, "longer than 255");
	memcpy(tag, "a:", 2);
	memset(tag + 2, 't', sizeof(tag) - 3);
	tag[sizeof(tag) - 1] = '\0';
	refuse(tag, "bad tag");
	tag[130] = '\0'; /* 128 characters of tag: the most allowed */
	{
		struct berth_error *err = NULL;
		struct berth_reference *r = NULL;

		CHECK_OK(berth_reference_parse(tag, &r, &err), &err);
		CHECK_INT(strlen(r->tag), ==, 128);
		berth_reference_free(r);
	}
}
