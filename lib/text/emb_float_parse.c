/*
 * emb_float_parse: correctly rounded decimal -> float (see emb_float.h).
 *
 * Up to 19 significant digits go into a uint64 m, the rest set a sticky flag, and
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
 */
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>

#include "emb_float.h"
#include "emb_float_impl.h"

static const double exact_pow10[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The doubles nearest 10^-k (the compiler rounds decimal literals correctly). */
static const double neg_pow10[23] = {
	1e-0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11,
	1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22,
};

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
