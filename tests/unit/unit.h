/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_TESTS_UNIT_H
#define BERTH_TESTS_UNIT_H

/*
 * A tiny test harness: each BERTH_TEST registers itself at load time; the
 * runner forks every test with a timeout and prints TAP plus a closing
 * "N passed, N failed, N skipped" line.  A test fails by calling one of the
 * CHECK macros (which exit the forked child) and skips with SKIP().
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*berth_test_fn)(void);
void berth_test_register(const char *name, berth_test_fn fn);

#define BERTH_TEST(name)                                                                           \
	static void test_##name(void);                                                             \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		berth_test_register(#name, test_##name);                                           \
	}                                                                                          \
	static void test_##name(void)

#define TEST_SKIP_CODE 77

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "# %s:%d: ", __FILE__, __LINE__);                                  \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
		exit(1);                                                                           \
	} while (0)

#define SKIP(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "# skip: ");                                                       \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
		exit(TEST_SKIP_CODE);                                                              \
	} while (0)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			FAIL("check failed: %s", #cond);                                           \
	} while (0)

#define CHECK_INT(a, op, b)                                                                        \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (!(a_ op b_))                                                                   \
			FAIL("%s %s %s: %lld vs %lld", #a, #op, #b, a_, b_);                       \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                               \
			FAIL("%s == %s: \"%s\" vs \"%s\"", #a, #b, a_ ? a_ : "(null)",             \
			     b_ ? b_ : "(null)");                                                  \
	} while (0)

/* Check that a berth call succeeded; print its error otherwise. */
#define CHECK_OK(call, errp)                                                                       \
	do {                                                                                       \
		if ((call) < 0)                                                                    \
			FAIL("%s: %s", #call, *(errp) ? (*(errp))->msg : "(no message)");          \
	} while (0)

#endif
