/*
 * emb_float: shortest float -> decimal (see emb_float.h); parsing is in emb_float_parse.c,
 * fixed-point formatting in emb_float_fixed.c, binary16 in emb_f16.c.  Text formats spend most
 * of their time in these.
 *
 * v = M * 2^E.  The decimals that parse back to v fill the interval
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
 */
#include <stdio.h>
#include <stdlib.h>

#include "emb_float.h"
#include "emb_float_impl.h"

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
