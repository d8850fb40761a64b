/*
 * emb_f16: IEEE binary16 <-> binary32 (see emb_float.h).
 *
 * Bit manipulation with round-to-nearest-even; the array versions use F16C
 * (checked at run time, never assumed at build time) and are tested to match bit for bit.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "emb_float.h"


float emb_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff, b;
	float f;

	if (e == 0x1f) {
		b = sign | 0x7f800000 | (m << 13) | (m ? 0x400000 : 0);
	} else if (e) {
		b = sign | ((e + 112) << 23) | (m << 13);
	} else {
		f = (float)m * 0x1p-24f;        /* exact: m < 2^10 */
		memcpy(&b, &f, sizeof b);
		b |= sign;
	}
	memcpy(&f, &b, sizeof f);
	return f;
}

uint16_t emb_f32_to_f16(float f)
{
	uint32_t b, sign, e, m, full, hm, rem, half;
	int ue, shift;

	memcpy(&b, &f, sizeof b);
	sign = (b >> 16) & 0x8000;
	e = (b >> 23) & 0xff;
	m = b & 0x7fffff;
	if (e == 0xff)
		return (uint16_t)(sign | 0x7c00 | (m ? 0x200 | (m >> 13) : 0));
	ue = (int)e - 127;
	if (ue > 15)
		return (uint16_t)(sign | 0x7c00);
	if (ue >= -14) {
		/* Normal half; a carry out of the mantissa bumps the exponent, up to inf. */
		uint32_t h = ((uint32_t)(ue + 15) << 10) | (m >> 13);

		rem = m & 0x1fff;
		h += rem > 0x1000 || (rem == 0x1000 && (h & 1));
		return (uint16_t)(sign | h);
	}
	if (ue < -25)
		return (uint16_t)sign;
	/* Subnormal half: units of 2^-24. */
	full = m | 0x800000;
	shift = -ue - 1;
	hm = full >> shift;
	rem = full & ((1u << shift) - 1);
	half = 1u << (shift - 1);
	hm += rem > half || (rem == half && (hm & 1));
	return (uint16_t)(sign | hm);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>

__attribute__((target("avx,f16c"))) static void f16_to_f32_f16c(float *dst, const uint16_t *src,
								 size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
	for (; i < n; i++)
		dst[i] = emb_f16_to_f32(src[i]);
}

__attribute__((target("avx,f16c"))) static void f32_to_f16_f16c(uint16_t *dst, const float *src,
								 size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(dst + i),
				 _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
	for (; i < n; i++)
		dst[i] = emb_f32_to_f16(src[i]);
}

static bool have_f16c(void)
{
	unsigned a, b, c, d;

	/* CPUID leaf 1, ECX bit 29: clang 14's __builtin_cpu_supports has no "f16c" */
	return __builtin_cpu_supports("avx") && __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}
#endif

void emb_f16_to_f32_n(float *dst, const uint16_t *src, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (have_f16c()) {
		f16_to_f32_f16c(dst, src, n);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++)
		dst[i] = emb_f16_to_f32(src[i]);
}

void emb_f32_to_f16_n(uint16_t *dst, const float *src, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (have_f16c()) {
		f32_to_f16_f16c(dst, src, n);
		return;
	}
#endif
	for (size_t i = 0; i < n; i++)
		dst[i] = emb_f32_to_f16(src[i]);
}
