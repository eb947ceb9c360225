/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/sha256-x86.h"
#include "util/sha256.h"

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

/*
 * berth_sha256_buf hashes small buffers with the portable SHA-256 and big
 * ones with OpenSSL; streaming always uses OpenSSL.  Both must agree on
 * every length around the block size and around the switch-over.
 */
BERTH_TEST(digest_small_and_big_buffers_match_openssl)
{
	static const size_t lens[] = { 0,   1,	 55,  56,   63,	   64,	  65,	 119,
				       120, 127, 128, 4095, 65535, 65536, 65537, 1 << 20 };
	struct berth_error *err = NULL;
	unsigned char *buf = malloc(1 << 20);
	uint32_t x = 12345;

	CHECK(buf != NULL);
	for (size_t i = 0; i < 1 << 20; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (unsigned char)(x >> 16);
	}
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(lens); i++) {
		char a[BERTH_DIGEST_BUF], b[BERTH_DIGEST_BUF];
		struct berth_sha256 h;

		CHECK_OK(berth_sha256_buf(buf, lens[i], a, &err), &err);
		CHECK_OK(berth_sha256_init(&h, &err), &err);
		CHECK_OK(berth_sha256_update(&h, buf, lens[i], &err), &err);
		CHECK_OK(berth_sha256_final(&h, b, &err), &err);
		if (strcmp(a, b) != 0)
			FAIL("length %zu: %s != %s", lens[i], a, b);
	}
	free(buf);
}

/* FIPS 180-2's long vector: one million 'a', fed to the portable SHA-256. */
BERTH_TEST(digest_portable_sha256_million_a)
{
	struct berth_sha256_lite c;
	unsigned char chunk[1000], d[32];
	char hex[65];

	memset(chunk, 'a', sizeof(chunk));
	berth_sha256_lite_init(&c);
	for (int i = 0; i < 1000; i++)
		berth_sha256_lite_update(&c, chunk, sizeof(chunk));
	berth_sha256_lite_final(&c, d);
	berth_hex_encode(d, sizeof(d), hex);
	CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/*
 * The lite SHA-256 against OpenSSL's, over every length from 0 to 300 and fed
 * in uneven pieces (so blocks come both from its buffer and straight from the
 * input): with the x86 SHA extensions when the CPU has them, and the
 * portable code (BERTH_SHA256_PORTABLE, read at the first use in a process).
 */
static void lite_matches_openssl(void)
{
	struct berth_error *err = NULL;
	unsigned char buf[300];
	uint32_t x = 777;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (unsigned char)(x >> 16);
	}
	for (size_t len = 0; len <= sizeof(buf); len++) {
		char want[BERTH_DIGEST_BUF], got[65];
		struct berth_sha256_lite c;
		struct berth_sha256 h;
		unsigned char d[32];

		CHECK_OK(berth_sha256_init(&h, &err), &err);
		CHECK_OK(berth_sha256_update(&h, buf, len, &err), &err);
		CHECK_OK(berth_sha256_final(&h, want, &err), &err);
		berth_sha256_lite_init(&c);
		for (size_t at = 0, step = 1; at < len; at += step, step = step * 3 % 97 + 1)
			berth_sha256_lite_update(&c, buf + at, step < len - at ? step : len - at);
		berth_sha256_lite_final(&c, d);
		berth_hex_encode(d, sizeof(d), got);
		if (strcmp(want + strlen("sha256:"), got) != 0)
			FAIL("length %zu: %s != %s", len, want, got);
		berth_sha256_lite_hex(buf, len, got);
		if (strcmp(want + strlen("sha256:"), got) != 0)
			FAIL("one shot, length %zu: %s != %s", len, want, got);
	}
}

BERTH_TEST(digest_lite_sha256_matches_openssl)
{
	if (!berth_sha256_x86_usable())
		fprintf(stderr, "# no SHA extensions here: the portable code is tested twice\n");
	lite_matches_openssl();
}

BERTH_TEST(digest_lite_sha256_portable_matches_openssl)
{
	CHECK(setenv("BERTH_SHA256_PORTABLE", "1", 1) == 0);
	lite_matches_openssl();
}
