/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "util/digest.h"

#define ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

BERTH_TEST(digest_sha256_streaming_matches_one_shot)
{
	struct berth_error *err = NULL;
	struct berth_sha256 h;
	char a[BERTH_DIGEST_BUF], b[BERTH_DIGEST_BUF];

	CHECK_OK(berth_sha256_init(&h, &err), &err);
	CHECK_OK(berth_sha256_update(&h, "a", 1, &err), &err);
	CHECK_OK(berth_sha256_update(&h, "", 0, &err), &err);
	CHECK_OK(berth_sha256_update(&h, "bc", 2, &err), &err);
	CHECK_OK(berth_sha256_final(&h, a, &err), &err);
	CHECK_STR(a, ABC);
	CHECK_OK(berth_sha256_buf("abc", 3, b, &err), &err);
	CHECK_STR(b, ABC);
	CHECK_OK(berth_sha256_buf("", 0, b, &err), &err);
	CHECK_STR(b, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* a finished context refuses more input instead of hashing garbage */
	CHECK_INT(berth_sha256_update(&h, "x", 1, &err), ==, -EINVAL);
	berth_error_free(err);
}

BERTH_TEST(digest_check_refuses_other_algorithms_and_bad_hex)
{
	struct berth_error *err = NULL;

	CHECK_OK(berth_digest_check(ABC, &err), &err);
	CHECK_INT(berth_digest_check("sha512:abcd", &err), ==, -EINVAL);
	CHECK_STR(err->msg, "unsupported digest algorithm \"sha512\"");
	berth_error_clear(&err);
	CHECK_INT(berth_digest_check("sha256:ABC", &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "64 lower-case hex") != NULL);
	berth_error_clear(&err);
	CHECK_INT(
	    berth_digest_check(
		"sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", &err),
	    ==, -EINVAL);
	berth_error_clear(&err);
	CHECK_INT(berth_digest_check(ABC "0", &err), ==, -EINVAL);
	berth_error_clear(&err);
	CHECK_INT(berth_digest_check("ba7816bf", &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "missing algorithm") != NULL);
	berth_error_clear(&err);
	CHECK_INT(berth_digest_check("SHA256:x", &err), ==, -EINVAL);
	CHECK(strstr(err->msg, "bad algorithm") != NULL);
	berth_error_free(err);
	CHECK_STR(berth_digest_hex(ABC), &ABC[7]);
}

BERTH_TEST(digest_hex_round_trip)
{
	unsigned char in[4] = { 0x00, 0x7f, 0xa5, 0xff }, out[4];
	char hex[9];

	berth_hex_encode(in, 4, hex);
	CHECK_STR(hex, "007fa5ff");
	CHECK_INT(berth_hex_decode("007FA5ff", out, 4), ==, 0);
	CHECK(memcmp(in, out, 4) == 0);
	CHECK_INT(berth_hex_decode("007fa5", out, 4), ==, -EINVAL);
	CHECK_INT(berth_hex_decode("00zfa5ff", out, 4), ==, -EINVAL);
	CHECK(berth_is_sha256_hex(&ABC[7]));
	CHECK(!berth_is_sha256_hex("abc"));
}
