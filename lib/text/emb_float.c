/*
 * emb_float: correctly rounded decimal -> float, shortest float -> decimal, fixed-point
 * formatting and binary16 conversion.  Text formats spend most of their time here.
 *
 * Parsing.  Up to 19 significant digits go into a uint64 m, the rest set a sticky flag, and
 * the decimal exponent k collects the point position and the "e" part.  When nothing was
 * dropped, m <= 2^53 and |k| <= 22, both m and 10^|k| are exact doubles, so d = m * 10^k (or
 * m / 10^-k) is the correctly rounded double of the exact value x (for k < 0 we first try the
 * cheaper m * RN(10^-k), accepted only when d is 8 ulps clear of any float midpoint, more
 * than its error of under 4 ulps can cross).  Rounding d once more to
 * float is then correct unless d is exactly a midpoint between two floats: every float and
 * every midpoint is a double and rounding is monotone, so if x < M then d <= M, and d == M is
 * the only way the two roundings can disagree (the classic bound "53 >= 2*24 + 2" of Figueroa,
 * "When is double rounding innocuous?", SIGNUM Newsletter 30(3), 1995, covers only operands
 * that are themselves floats; m here may have 53 bits, so we test for the midpoint instead,
 * which costs one compare).  d stays in [1e-22, 2^53 * 1e22], inside the normal float range,
 * so the midpoint test is on the low 29 bits of d's significand.  Anything else (more than 19
 * digits, huge exponents, the rare midpoint) is rewritten as "DIGITSeEXP" with at most 120
 * digits plus a sticky 1 and handed to strtof: every midpoint between floats has at most 113
 * significant digits (2^-150 * odd 25-bit), so the rewrite never changes the rounding, and with
 * no '.' in it LC_NUMERIC cannot matter.
 *
 * Shortest formatting.  v = M * 2^E.  The decimals that parse back to v fill the interval
 * (v - gap/2, v + gap/2), closed when M is even (ties go to even); in units of 2^(E-2) its
 * ends and centre are the integers L = 4M-2 (4M-1 at the bottom of a binade), C = 4M,
 * R = 4M+2.  With q = floor((E-2) log10 2), S(X) = X * 2^(E-2) / 10^q has an integer part
 * below 2^30 and the interval is at least 3 units wide, so every candidate is an integer at
 * this scale.  S is computed exactly with 128-bit (rarely 192-bit) integers: X * 5^p >> r for
 * small numbers, (X << s) / 5^q for huge ones; we keep its integer part and whether the
 * fraction is 0, below, at or above one half.  Then we find the largest j such that a
 * multiple of 10^j lies in the interval and take the multiple nearest to S(C) (ties even),
 * moved one step inward when it falls just outside.  No candidate loop, no strtof check;
 * the whole of it was checked over all 2^32 floats (tests/unit/test_float.c,
 * EMB_FLOAT_EXHAUSTIVE=1): round trip through strtof, and no shorter decimal parses back.
 *
 * Fixed formatting rounds v * 10^digits = M * 5^digits * 2^(E+digits) exactly in 128 bits,
 * ties to even on the exact binary value as glibc printf does; only more than 27 digits after
 * the point falls back to snprintf (with the locale's decimal point replaced).
 *
 * binary16: bit manipulation with round-to-nearest-even; the array versions use F16C
 * (checked at run time, never assumed at build time) and are tested to match bit for bit.
 */
#include <assert.h>
#include <errno.h>
#include <float.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "emb_float.h"
#include "internal.h"

__extension__ typedef unsigned __int128 u128;

static const double exact_pow10[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The doubles nearest 10^-k (the compiler rounds decimal literals correctly). */
static const double neg_pow10[23] = {
	1e-0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11,
	1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22,
};

static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
};

/* ceil(2^64 / 10^j), j = 1..9 */
static const uint64_t recip_pow10[9] = {
	1844674407370955162ULL,
	184467440737095517ULL,
	18446744073709552ULL,
	1844674407370956ULL,
	184467440737096ULL,
	18446744073710ULL,
	1844674407371ULL,
	184467440738ULL,
	18446744074ULL,
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

static uint64_t pow5_u64(int n)
{
	assert(n >= 0 && n <= 27);
	return pow5_tab[n];
}

static u128 pow5_u128(int n)
{
	assert(n >= 0 && n <= 54);
	return n <= 27 ? pow5_u64(n) : (u128)pow5_u64(27) * pow5_u64(n - 27);
}

static inline bool is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* ---------------------------------------------------------------- parsing */

/* Case-insensitive: does [p, end) start with the lower-case word w? */
static bool starts_with_word(const char *p, const char *end, const char *w)
{
	for (; *w; p++, w++)
		if (p >= end || (*p | 0x20) != *w)
			return false;
	return true;
}

static size_t parse_special(const char *p, const char *end, bool neg, float *v)
{
	float f;
	size_t n;

	if (starts_with_word(p, end, "infinity")) {
		f = __builtin_inff();
		n = 8;
	} else if (starts_with_word(p, end, "inf")) {
		f = __builtin_inff();
		n = 3;
	} else if (starts_with_word(p, end, "nan")) {
		f = __builtin_nanf("");
		n = 3;
	} else {
		return 0;
	}
	*v = neg ? -f : f;
	return n;
}

/* Decimal digits of x (1 for 0): bit length * log10(2) (1233 / 2^12), then one compare. */
static int ndigits64(uint64_t x)
{
	int t = (64 - __builtin_clzll(x | 1)) * 1233 >> 12;

	return t + (t < 20 && x >= pow10_u64[t]);
}

/*
 * The exact path: rewrite the mantissa [s, mant_end) (no sign) times 10^exp as
 * "[-]DIGITSeEXP" and let strtof round it.  See the file comment for why 120 digits and a
 * sticky 1 keep the rounding.
 */
#define SLOW_DIGITS 120
static float parse_slow(const char *s, const char *mant_end, int64_t exp, bool neg)
{
	char buf[SLOW_DIGITS + 32];
	size_t n = 0;
	int kept = 0;
	bool frac = false, dropped = false;
	int saved = errno;
	uint64_t ax;
	float f;

	if (neg)
		buf[n++] = '-';
	for (const char *p = s; p < mant_end; p++) {
		if (*p == '.') {
			frac = true;
			continue;
		}
		if (kept == 0 && *p == '0') {
			exp -= frac;
			continue;
		}
		if (kept < SLOW_DIGITS) {
			buf[n++] = *p;
			kept++;
			exp -= frac;
		} else {
			exp += !frac;
			dropped |= *p != '0';
		}
	}
	if (kept == 0)
		return neg ? -0.0f : 0.0f;
	if (dropped) {
		buf[n++] = '1';
		exp--;
	}
	/* 121 digits at most: past +-99999 the result is inf or 0 either way. */
	if (exp > 99999)
		exp = 99999;
	if (exp < -99999)
		exp = -99999;
	buf[n++] = 'e';
	if (exp < 0)
		buf[n++] = '-';
	ax = (uint64_t)(exp < 0 ? -exp : exp);
	for (int i = ndigits64(ax ? ax : 1); i > 0; i--)
		buf[n++] = (char)('0' + ax / pow10_u64[i - 1] % 10);
	buf[n] = '\0';
	f = strtof(buf, NULL);
	errno = saved;
	return f;
}

size_t emb_float_parse(const char *s, const char *end, float *v)
{
	const char *p = s, *mant, *mant_end, *lim;
	bool neg = false, sticky = false, any;
	uint64_t m = 0;
	int nd = 0;
	int64_t k = 0, x = 0;

	if (p < end) {
		/* Without a branch: the sign of embedding values is a coin toss. */
		neg = *p == '-';
		p += neg | (*p == '+');
	}
	mant = p;
	/*
	 * Digits go into m while it has fewer than 19 (m < 10^19 < 2^64).  The first loop of
	 * each part counts characters, not significant digits (cheaper, and leading zeros are
	 * rare); the second resets the count while m is still 0 and makes the rest sticky.
	 */
	lim = end - p > 19 ? p + 19 : end;
	for (; p < lim && is_digit(*p); p++)
		m = m * 10 + (uint64_t)(*p - '0');
	nd = (int)(p - mant);
	for (; p < end && is_digit(*p); p++) {
		nd = m ? nd : 0;
		if (nd < 19) {
			m = m * 10 + (uint64_t)(*p - '0');
			nd++;
		} else {
			k++;
			sticky |= *p != '0';
		}
	}
	any = p > mant;
	if (p < end && *p == '.') {
		const char *f = ++p;

		lim = end - p > 19 - nd ? p + (19 - nd) : end;
		for (; p < lim && is_digit(*p); p++)
			m = m * 10 + (uint64_t)(*p - '0');
		nd += (int)(p - f);
		k -= p - f;
		for (; p < end && is_digit(*p); p++) {
			nd = m ? nd : 0;
			if (nd < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				nd++;
				k--;
			} else {
				sticky |= *p != '0';
			}
		}
		any |= p > f;
	}
	if (!any) {
		size_t n = p == mant ? parse_special(mant, end, neg, v) : 0;

		return n ? n + (size_t)(mant - s) : 0;
	}
	mant_end = p;
	if (p < end && (*p | 0x20) == 'e') {
		const char *q = p + 1;
		bool eneg = false;

		if (q < end && (*q == '+' || *q == '-'))
			eneg = *q++ == '-';
		if (q < end && is_digit(*q)) {
			for (; q < end && is_digit(*q); q++)
				if (x < 100000000)
					x = x * 10 + (*q - '0');
			k += eneg ? -x : x;
			x = eneg ? -x : x;
			p = q;
		}
	}
	if (m == 0) {
		*v = neg ? -0.0f : 0.0f;
		return (size_t)(p - s);
	}
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
	if (!sticky && m <= (1ULL << 53) && k >= -22 && k <= 22) {
		double d;
		uint64_t bits, low;

		if (k < 0) {
			/*
			 * m * RN(10^-k) instead of m / 10^-k (a division is 4x slower): two roundings,
			 * so |d - x| < 2 ulp(x) <= 4 ulp(d).  Accept only when no float midpoint is
			 * within 8 ulps of d; else divide, which is exact up to the midpoint test.
			 */
			d = (double)m * neg_pow10[-k];
			memcpy(&bits, &d, sizeof bits);
			low = bits & 0x1fffffffULL;
			if (low - (0x10000000ULL - 8) <= 16)
				d = (double)m / exact_pow10[-k];
		} else {
			d = (double)m * exact_pow10[k];
		}
		memcpy(&bits, &d, sizeof bits);
		if ((bits & 0x1fffffffULL) != 0x10000000ULL) {
			float f = (float)d;
			uint32_t fb;

			memcpy(&fb, &f, sizeof fb);
			fb |= (uint32_t)neg << 31;
			memcpy(v, &fb, sizeof fb);
			return (size_t)(p - s);
		}
	}
#endif
	*v = parse_slow(mant, mant_end, x, neg);
	return (size_t)(p - s);
}

/* ---------------------------------------------------------------- digits out */

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Write exactly n decimal digits of x (x < 10^n) at dst. */
static void put_digits(char *dst, uint64_t x, int n)
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
static uint64_t swar8(uint32_t hi4, uint32_t lo4)
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
static size_t put_u128(char *dst, u128 x)
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

static size_t put_str(char *dst, const char *s)
{
	size_t n = strlen(s);

	memcpy(dst, s, n + 1);
	return n;
}

/* ---------------------------------------------------------------- shortest */

/*
 * A scaled value: integer part ip and the dropped fraction as rem / (2 * half), of which only
 * rem == 0 and rem against half are ever asked.  The exact 128/192-bit paths reduce the
 * fraction to rem in 0..3 with half = 2 (0, below, at, above one half).
 */
struct scaled {
	uint64_t ip, rem, half;
};

static struct scaled frac_class(uint64_t ip, u128 rem, u128 half)
{
	struct scaled s = { ip, rem == 0 ? 0 : rem < half ? 1 : rem == half ? 2 : 3, 2 };

	return s;
}

/* floor(e * log10(2)) for |e| <= 1650 (78913 / 2^18 ~ log10 2). */
static int floor_log10_pow2(int e)
{
	int64_t t = (int64_t)e * 78913;

	return (int)(t >> 18);          /* GCC's >> of a negative value is floor division */
}

/*
 * S(X) = X * 2^e2 / 10^q exactly, X < 2^27.  For e2 < 0, S = X * 5^p / 2^r with p = -q and
 * r = -e2 - p >= 0; for e2 >= 0, S = (X << (e2 - q)) / 5^q.
 */
static struct scaled scale(uint64_t X, int e2, int q)
{
	if (e2 >= 0) {
		u128 num = (u128)X << (e2 - q), den = pow5_u128(q);

		return frac_class((uint64_t)(num / den), 2 * (num % den), den);
	} else if (-q <= 27) {
		int r = -e2 + q;
		u128 prod = (u128)X * pow5_u64(-q);

		assert(r >= 0 && r < 128);
		if (r == 0)
			return frac_class((uint64_t)prod, 0, 1);
		return frac_class((uint64_t)(prod >> r), prod & (((u128)1 << r) - 1),
				  (u128)1 << (r - 1));
	} else {
		/* 192-bit product hi:lo (lo 64 bits) of X * 5^p, p <= 46 so 5^p < 2^107. */
		int r = -e2 + q;
		u128 f = pow5_u128(-q);
		u128 t0 = (u128)X * (uint64_t)f, t1 = (u128)X * (uint64_t)(f >> 64);
		uint64_t lo = (uint64_t)t0;
		u128 hi = t1 + (t0 >> 64);

		assert(r >= 1 && r < 128 + 64);
		if (r < 64)
			return frac_class((uint64_t)(hi << (64 - r)) | (lo >> r),
					  lo & ((1ULL << r) - 1), (u128)1 << (r - 1));
		if (r == 64)
			return frac_class((uint64_t)hi, lo, (u128)1 << 63);
		{
			/* Compare hi's dropped bits with the half first; lo breaks ties. */
			int rh = r - 64;
			u128 rem_hi = hi & (((u128)1 << rh) - 1), half = (u128)1 << (rh - 1);
			struct scaled s = frac_class((uint64_t)(hi >> rh), rem_hi, half);

			if (s.rem == 0 && lo)
				s.rem = 1;
			else if (s.rem == 2 && lo)
				s.rem = 3;
			return s;
		}
	}
}

/*
 * The common case of scale() for all three points at once: e2 < 0 with 5^p <= 5^16 and
 * 1 <= r < 64, so X * 5^p < 2^26 * 5^16 < 2^64 and plain 64-bit arithmetic is exact.  This is
 * every float in [2^-28, 2^24), about [3.7e-9, 1.7e7]: nearly every embedding value.
 */
static bool scale3_fast(uint64_t XL, uint64_t X, int e2, int q, struct scaled *L,
			struct scaled *C, struct scaled *R)
{
	int r = -e2 + q;
	uint64_t f5, mask, pl, pc, pr;

	if (e2 >= 0 || -q > 16 || r < 1 || r > 63)
		return false;
	f5 = pow5_tab[-q];              /* 0 <= -q <= 16 here */
	mask = (1ULL << r) - 1;
	pl = XL * f5;
	pc = X * f5;
	pr = (X + 2) * f5;
	L->ip = pl >> r;
	L->rem = pl & mask;
	R->ip = pr >> r;
	R->rem = pr & mask;
	C->ip = pc >> r;
	C->rem = pc & mask;
	C->half = 1ULL << (r - 1);
	return true;
}

/*
 * The shortest decimal D * 10^*e10 in v's rounding interval, nearest v; v = M * 2^E > 0.
 * Written without data-dependent branches where it mattered: the digits of random floats
 * make every branch here a coin toss.
 */
static uint64_t shortest(uint32_t M, int E, bool lower_gap_half, int *e10, int *nd)
{
	int e2 = E - 2, q = floor_log10_pow2(e2), j;
	uint64_t incl = !(M & 1), up;
	uint64_t X = 4 * (uint64_t)M, XL = X - (lower_gap_half ? 1 : 2);
	struct scaled L, C, R;
	uint64_t lo, hi, w, c, d;

	if (!scale3_fast(XL, X, e2, q, &L, &C, &R)) {
		L = scale(XL, e2, q);
		C = scale(X, e2, q);
		R = scale(X + 2, e2, q);
	}
	lo = L.ip + ((L.rem != 0) | !incl);
	hi = R.ip - ((R.rem == 0) & !incl);
	w = hi - lo + 1;
	assert(w >= 3 && w <= 41);
	/*
	 * The largest j with a multiple of 10^j in [lo, hi] is the largest with hi mod 10^j < w
	 * (monotone in j).  As w < 100, for j >= 2 that is hi mod 100 < w and 10^(j-2) dividing
	 * u = hi / 100, so j = ok1 + ok2 + ok2 * (trailing decimal zeros of u), the zeros
	 * counted 4, 2, 1 at a time without branches (u < 2^30 / 100 < 10^8).
	 */
	{
		uint32_t u = (uint32_t)(hi / 100), r2 = (uint32_t)hi - u * 100, tz = 0, qd, z;
		uint32_t ok2 = r2 < w, ok1 = r2 % 10 < w;

		qd = u / 10000;
		z = u == qd * 10000;
		u = z ? qd : u;
		tz += 4 * z;
		qd = u / 100;
		z = u == qd * 100;
		u = z ? qd : u;
		tz += 2 * z;
		qd = u / 10;
		tz += u == qd * 10;
		j = (int)(ok1 + ok2 + ok2 * tz);
	}
	/* c = S(C) rounded to a multiple of d = 10^j, nearest, ties to an even quotient. */
	c = C.ip;
	if (j == 0) {
		d = 1;
		up = (C.rem > C.half) | ((C.rem == C.half) & c);
	} else {
		/*
		 * x / 10^j as x * ceil(2^64 / 10^j) >> 64 for x < 2^34: the excess is below
		 * x / 2^64 < 2^-30, less than the 10^-9 a non-integer quotient stays below the next
		 * integer.
		 */
		uint64_t rem = c;

		d = pow10_u64[j];
		c = (uint64_t)(((u128)c * recip_pow10[j - 1]) >> 64);
		rem -= c * d;
		up = (2 * rem > d) | ((2 * rem == d) & ((C.rem != 0) | c));
	}
	c += up & 1;
	/*
	 * The nearest multiple can fall just outside [lo, hi] (the interval is asymmetric at a
	 * binade's bottom, and its ends may be open); the next one inward is then inside, as
	 * [lo, hi] holds a multiple of d and S(C) lies between the two.
	 */
	c += c * d < lo;
	c -= c * d > hi;
	*e10 = q + j;
	/*
	 * c has as many digits as hi / 10^j: a power of ten 10^m (m >= 1) between them would be
	 * a multiple of 10^(j+1) in [lo, hi].  Counting hi's digits needs no c, which keeps the
	 * length (and so where the caller writes next) off the long dependency chain.
	 */
	*nd = ndigits64(hi) - j;
	return c;
}

/*
 * D * 10^e10 (D has no trailing zero) in fixed or, when strictly shorter, exponent notation.
 */
static size_t put_decimal(char *dst, uint64_t D, int n, int e10)
{
	int x = n - 1 + e10;
	int ax = x < 0 ? -x : x;
	int fixed_len = e10 >= 0 ? n + e10 : x >= 0 ? n + 1 : n + 1 - x;
	int exp_len = n + (n > 1) + 2 + (ax >= 100 ? 3 : 2);
	char *p = dst;

	if (fixed_len <= exp_len) {
		if (e10 >= 0) {
			put_digits9(p, D, n);
			p += n;
			memcpy(p, "00000000", 8);       /* e10 <= 5 here, dst has room */
			p += e10;
		} else if (x >= 0) {
			/* Digits one place right, then the integer part back over the gap. */
			put_digits9(p + 1, D, n);
			for (int i = 0; i <= x; i++)
				p[i] = p[i + 1];
			p[x + 1] = '.';
			p += n + 1;
		} else {
			memcpy(p, "0.000000", 8);       /* at most 4 zeros here */
			p += 2 - x - 1;
			put_digits9(p, D, n);
			p += n;
		}
	} else {
		put_digits9(p + 1, D, n);
		p[0] = p[1];
		if (n > 1) {
			p[1] = '.';
			p += n + 1;
		} else {
			p++;
		}
		*p++ = 'e';
		*p++ = x < 0 ? '-' : '+';
		if (ax >= 100) {
			*p++ = (char)('0' + ax / 100);
			ax %= 100;
		}
		memcpy(p, digit_pairs + 2 * ax, 2);
		p += 2;
	}
	*p = '\0';
	return (size_t)(p - dst);
}

size_t emb_float_format(char *dst, float v)
{
	uint32_t b, frac, be;
	uint64_t D;
	int e10, nd;
	char *p = dst;

	memcpy(&b, &v, sizeof b);
	frac = b & 0x7fffff;
	be = (b >> 23) & 0xff;
	if (be == 0xff)
		return put_str(dst, frac ? "nan" : b >> 31 ? "-inf" : "inf");
	*p = '-';
	p += b >> 31;
	if (be == 0 && frac == 0) {
		*p++ = '0';
		*p = '\0';
		return (size_t)(p - dst);
	}
	D = shortest(be ? frac | 0x800000 : frac, be ? (int)be - 150 : -149, frac == 0 && be > 1,
		     &e10, &nd);
	return (size_t)(p - dst) + put_decimal(p, D, nd, e10);
}

/* ---------------------------------------------------------------- fixed */

/* printf("%.*f") for the rare case the 128-bit path cannot take, with '.' for the point. */
static size_t fixed_fallback(char *dst, float v, int digits)
{
	char *p;
	int n = snprintf(dst, EMB_FLOAT_FIXED_MAX(digits), "%.*f", digits, (double)v);

	assert(n > 0 && (size_t)n < EMB_FLOAT_FIXED_MAX(digits));
	p = dst + (*dst == '-');
	while (is_digit(*p))
		p++;
	if (*p && *p != '.') {
		char *q = p + 1;

		while (*q && !is_digit(*q))
			q++;
		*p = '.';
		memmove(p + 1, q, strlen(q) + 1);
		n = (int)strlen(dst);
	}
	return (size_t)n;
}

size_t emb_float_format_fixed(char *dst, float v, int digits)
{
	uint32_t b, frac, be, M;
	int E, sh;
	u128 N, P;
	char *p = dst;
	size_t ni;

	if (digits < 0)
		digits = 6;
	memcpy(&b, &v, sizeof b);
	frac = b & 0x7fffff;
	be = (b >> 23) & 0xff;
	if (be == 0xff)
		return put_str(dst, frac ? (b >> 31 ? "-nan" : "nan") : b >> 31 ? "-inf" : "inf");
	M = be ? frac | 0x800000 : frac;
	E = be ? (int)be - 150 : -149;
	if (E < 0 && digits > 27)
		return fixed_fallback(dst, v, digits);
	if (b >> 31)
		*p++ = '-';
	if (E >= 0) {
		/* An integer below 2^128: its digits, then zeros. */
		p += put_u128(p, (u128)M << E);
		if (digits > 0) {
			*p++ = '.';
			memset(p, '0', (size_t)digits);
			p += digits;
		}
		*p = '\0';
		return (size_t)(p - dst);
	}
	/* N = round(M * 5^digits * 2^(E + digits)), ties even; E + digits < 27 here. */
	P = (u128)M * pow5_u64(digits);
	sh = -(E + digits);
	if (sh <= 0) {
		N = P << -sh;
	} else if (sh >= 120) {
		N = 0;                  /* P < 2^88, so the value is below one half */
	} else {
		u128 rem = P & (((u128)1 << sh) - 1), half = (u128)1 << (sh - 1);

		N = P >> sh;
		N += rem > half || (rem == half && (N & 1));
	}
	if (N >> 64) {
		char tmp[80];
		size_t nd = put_u128(tmp, N);

		/* At least one integer digit: pad with leading zeros to digits + 1. */
		if (nd < (size_t)digits + 1) {
			size_t pad = (size_t)digits + 1 - nd;

			memmove(tmp + pad, tmp, nd);
			memset(tmp, '0', pad);
			nd = (size_t)digits + 1;
		}
		ni = nd - (size_t)digits;
		memcpy(p, tmp, ni);
		p += ni;
		if (digits > 0) {
			*p++ = '.';
			memcpy(p, tmp + ni, (size_t)digits);
			p += digits;
		}
	} else {
		int nd = ndigits64((uint64_t)N);

		if (nd < digits + 1)
			nd = digits + 1;        /* zero-padded: at least one integer digit */
		ni = (size_t)(nd - digits);
		if (digits == 0) {
			put_digits(p, (uint64_t)N, nd);
			p += nd;
		} else {
			put_digits(p + 1, (uint64_t)N, nd);
			for (size_t i = 0; i < ni; i++)
				p[i] = p[i + 1];
			p[ni] = '.';
			p += nd + 1;
		}
	}
	*p = '\0';
	return (size_t)(p - dst);
}

/* ---------------------------------------------------------------- binary16 */

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
