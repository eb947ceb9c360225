/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 blocks with the x86 SHA extensions (SHA-NI: sha256rnds2, sha256msg1,
 * sha256msg2), about ten times the portable code's speed.  util/sha256.c uses
 * them when the CPU has them (berth_sha256_x86_usable).
 *
 * The instructions keep the eight working variables in two vectors, ABEF and
 * CDGH (a in the highest lane), and do two rounds per sha256rnds2, taking the
 * two message words plus round constants from the low half of its third
 * operand.  The message schedule goes four words at a time: W[t..t+3] from
 * sha256msg1 (the sigma0 terms), the W[t-7] words, then sha256msg2 (sigma1).
 */
#include "util/sha256-x86.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

#define SHA_TARGET __attribute__((target("sha,sse4.1")))

#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>

/*
 * What glibc's loader found at start-up (glibc 2.33 and later): no CPUID of
 * our own, an instruction that costs ~5 us in a virtual machine (it traps).
 */
bool berth_sha256_x86_usable(void)
{
	return CPU_FEATURE_ACTIVE(SHA) && CPU_FEATURE_ACTIVE(SSE4_1) && CPU_FEATURE_ACTIVE(SSSE3);
}
#else
bool berth_sha256_x86_usable(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	if (!(b & (1u << 29))) /* CPUID.(EAX=7,ECX=0):EBX.SHA */
		return false;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	return (c & (1u << 19)) && (c & (1u << 9)); /* SSE4.1, SSSE3 */
}
#endif

/* Four rounds: the schedule words @w plus the constants from @k. */
SHA_TARGET static inline void rounds4(__m128i *abef, __m128i *cdgh, __m128i w, const uint32_t *k)
{
	__m128i m = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)k));

	*cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, m); /* now ABEF; *abef is CDGH */
	m = _mm_shuffle_epi32(m, 0x0e);
	*abef = _mm_sha256rnds2_epu32(*abef, *cdgh, m);
}

/* W[t..t+3] from the four previous groups (w0 the oldest). */
SHA_TARGET static inline __m128i schedule(__m128i w0, __m128i w1, __m128i w2, __m128i w3)
{
	__m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));

	return _mm_sha256msg2_epu32(t, w3);
}

SHA_TARGET void berth_sha256_x86_blocks(uint32_t h[8], const unsigned char *p, size_t n,
					const uint32_t k[64])
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
	__m128i badc = _mm_shuffle_epi32(dcba, 0xb1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
	__m128i abef = _mm_alignr_epi8(badc, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, badc, 0xf0);

	for (; n > 0; n--, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, w[4];

		for (int i = 0; i < 4; i++) {
			w[i] =
			    _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
			rounds4(&abef, &cdgh, w[i], &k[4 * i]);
		}
		for (int i = 4; i < 16; i++) {
			__m128i next =
			    schedule(w[i % 4], w[(i + 1) % 4], w[(i + 2) % 4], w[(i + 3) % 4]);

			w[i % 4] = next;
			rounds4(&abef, &cdgh, next, &k[4 * i]);
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	/* back to h[0..7] = a..h */
	__m128i feba = _mm_shuffle_epi32(abef, 0x1b);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xf0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

#else

bool berth_sha256_x86_usable(void)
{
	return false;
}

void berth_sha256_x86_blocks(uint32_t h[8], const unsigned char *p, size_t n, const uint32_t k[64])
{
	(void)h;
	(void)p;
	(void)n;
	(void)k;
}

#endif
