/*
 * Private to lib/text/emb_float*.c and emb_f16.c: the 128-bit type, the power tables and the
 * digit writers that parsing, shortest and fixed formatting share.  Everything is static (the
 * functions inline), so each file keeps its hot loops to itself, as when they were one file.
 */
#ifndef EMB_FLOAT_IMPL_H
#define EMB_FLOAT_IMPL_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
};
/* 5^0 .. 5^27: 5^27 is the largest power of five below 2^64. */
static const uint64_t pow5_tab[28] = {
	1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL,
	1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL,
	6103515625ULL, 30517578125ULL, 152587890625ULL, 762939453125ULL,
	3814697265625ULL, 19073486328125ULL, 95367431640625ULL, 476837158203125ULL,
	2384185791015625ULL, 11920928955078125ULL, 59604644775390625ULL,
	298023223876953125ULL, 1490116119384765625ULL, 7450580596923828125ULL,
};

static inline uint64_t pow5_u64(int n)
{
	assert(n >= 0 && n <= 27);
	return pow5_tab[n];
}

static inline u128 pow5_u128(int n)
{
	assert(n >= 0 && n <= 54);
	return n <= 27 ? pow5_u64(n) : (u128)pow5_u64(27) * pow5_u64(n - 27);
}

static inline bool is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* Decimal digits of x (1 for 0): bit length * log10(2) (1233 / 2^12), then one compare. */
static inline int ndigits64(uint64_t x)
{
	int t = (64 - __builtin_clzll(x | 1)) * 1233 >> 12;

	return t + (t < 20 && x >= pow10_u64[t]);
}

/* ---------------------------------------------------------------- digits out */

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Write exactly n decimal digits of x (x < 10^n) at dst. */
static inline void put_digits(char *dst, uint64_t x, int n)
{
	while (n >= 2) {
		unsigned r = (unsigned)(x % 100);

		x /= 100;
		n -= 2;
		memcpy(dst + n, digit_pairs + 2 * r, 2);
	}
	if (n)
		dst[0] = (char)('0' + x);
}

/*
 * Eight ASCII digits of hi4 * 10^4 + lo4 (both < 10^4), first digit in the lowest byte, with
 * no division chain: two 4-digit lanes, each lane into two 2-digit lanes (y * 10486 >> 20 is y / 100
 * for y < 10^4), each of those into two digits (z * 103 >> 10 is z / 10 for z < 100).  The
 * lanes are far enough apart that no product spills into the next lane's kept bits.
 */
static inline uint64_t swar8(uint32_t hi4, uint32_t lo4)
{
	uint64_t v = hi4 | (uint64_t)lo4 << 32;
	uint64_t t = ((v * 10486) >> 20) & 0x0000007f0000007fULL;

	v = t | (v - t * 100) << 16;
	t = ((v * 103) >> 10) & 0x000f000f000f000fULL;
	v = t | (v - t * 10) << 8;
	return v + 0x3030303030303030ULL;
}

/*
 * The n <= 9 digits of x < 10^n at dst; stores 16 bytes (the tail is scratch for the caller
 * to overwrite), so dst needs 16 bytes of room.  The nine digits are assembled in a register
 * and shifted, to avoid a branch on n and a store-forwarding stall.
 */
static inline __attribute__((always_inline)) void put_digits9(char *dst, uint64_t x, int n)
{
	u128 w;

	{
		/* Both 4-digit groups straight from x, not one from the other: shorter latency. */
		uint32_t x4 = (uint32_t)(x / 10000), x8 = (uint32_t)(x / 100000000);

		w = (u128)swar8(x4 - x8 * 10000, (uint32_t)x - x4 * 10000) << 8 | ('0' + x8);
	}
	w >>= 8 * (9 - n);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = (u128)__builtin_bswap64((uint64_t)w) << 64 | __builtin_bswap64((uint64_t)(w >> 64));
#endif
	memcpy(dst, &w, 16);
}

/* Decimal digits of a u128 at dst; returns the count. */
static inline size_t put_u128(char *dst, u128 x)
{
	char tmp[40];
	size_t n = 0;

	while (x >> 64) {
		uint64_t chunk = (uint64_t)(x % pow10_u64[19]);

		x /= pow10_u64[19];
		n += 19;
		put_digits(tmp + sizeof tmp - n, chunk, 19);
	}
	{
		int d = ndigits64((uint64_t)x);

		n += (size_t)d;
		put_digits(tmp + sizeof tmp - n, (uint64_t)x, d);
	}
	memcpy(dst, tmp + sizeof tmp - n, n);
	return n;
}

static inline size_t put_str(char *dst, const char *s)
{
	size_t n = strlen(s);

	memcpy(dst, s, n + 1);
	return n;
}

#endif
