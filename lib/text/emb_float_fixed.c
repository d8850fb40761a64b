/*
 * emb_float_format_fixed: printf("%.*f") for a float, byte for byte (see emb_float.h).
 *
 * It rounds v * 10^digits = M * 5^digits * 2^(E+digits) exactly in 128 bits,
 * ties to even on the exact binary value as glibc printf does; only more than 27 digits after
 * the point falls back to snprintf (with the locale's decimal point replaced).
 */
#include <stdio.h>
#include <stdlib.h>

#include "emb_float.h"
#include "emb_float_impl.h"


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
