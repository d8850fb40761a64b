/*
 * Unit tests of emb_float: parse against strtof, shortest format (round trip, minimal length,
 * nearest), fixed format against printf, binary16 exhaustively.  EMB_FLOAT_EXHAUSTIVE=1 runs
 * instead a check of every one of the 2^32 float bit patterns (CPU-minutes, not for CI).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_float.h"
#include "emb_rng.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	return emb_rng_splitmix64(&rng_state);
}

static uint32_t bits_of(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof b);
	return b;
}

static float float_of(uint32_t b)
{
	float f;

	memcpy(&f, &b, sizeof f);
	return f;
}

/* Same float, NaN equal to any NaN. */
static bool same(float a, float b)
{
	return (isnan(a) && isnan(b)) || bits_of(a) == bits_of(b);
}

/* Parse s (NUL-terminated) with both parsers from an exact-size heap copy with no NUL. */
static void check_parse(const char *s)
{
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1), *endp;
	float want, got = 12345.0f;
	size_t used;

	assert_non_null(copy);
	memcpy(copy, s, n);
	want = strtof(s, &endp);
	used = emb_float_parse(copy, copy + n, &got);
	if (used != (size_t)(endp - s) || (used && !same(got, want)))
		fail_msg("'%s': used %zu want %zu, got %a want %a", s, used, (size_t)(endp - s),
			 (double)got, (double)want);
	free(copy);
}

static void test_parse_examples(void **state)
{
	static const char *const cases[] = {
		"0", "-0", "+0", "1", "-1", "+1.5", ".5", "5.", "-.5e1", "0.123456", "-0.000001",
		"1e10", "1E-10", "1e+38", "3.4028235e38", "3.4028236e38", "3.40282357e38", "1e39",
		"-1e39", "1e-45", "7e-46", "7.1e-46", "1.4e-45", "1e-46", "1e-50", "0e999999999999",
		"1e-999999999999", "1e999999999999", "16777216", "16777217", "16777218",
		"16777219", "33554433", "1.00000005960464477539062", "1.00000005960464477539063",
		"1.000000059604644775390625", "1.0000000596046447753906250000000000000001",
		"0.000000000000000000000000000000000000000000001401298464324817",
		"0.00000000000000000000000000000000000000000000070064923216240861318",
		"0.000000000000000000000000000000000000000000000700649232162408535461864791644958",
		"1.17549435e-38", "1.1754942e-38", "123456789012345678901234567890",
		"9007199254740993", "9007199254740992.5", "0.30000001192092896", "1.5e-7",
		"12345678901234567890", "1234567890123456789", "1e22", "1e23", "1e-22", "1e-23",
		"nan", "NaN", "-nan", "+nAn", "inf", "-INF", "Infinity", "-infinity", "infinit",
		"infx", "nanny", "", "-", "+", ".", "-.", "e5", ".e5", "1e", "1e+", "1e-x", "1.e5",
		"5.e", "x", "1 2", "1,5", "1.5.5", "--1", "00000000000000000000001",
		"0.0000000000000000000000000000000000000000000000000000000000000000000000000001e70",
	};
	float v;
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		check_parse(cases[i]);
	assert_int_equal(emb_float_parse(" 1", " 1" + 2, &v), 0);  /* no space skipping */
	assert_int_equal(emb_float_parse("0x1p3", "0x1p3" + 5, &v), 1);  /* no hex floats */
	assert_true(v == 0);
}

/* Stops at end and at a NUL: every prefix of a string parses as strtof parses the prefix. */
static void test_parse_bounds(void **state)
{
	static const char *const cases[] = {
		"-1.25e+17x", "infinity!", "nan", "0.000001234567890123456789e-3",
		"123456789012345678901234567890e-10",
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char buf[64];
		size_t n = strlen(cases[i]);

		for (size_t k = 0; k <= n; k++) {
			memcpy(buf, cases[i], k);
			buf[k] = '\0';
			check_parse(buf);
		}
	}
	{
		char s[] = "12\0" "34";
		float v;

		assert_int_equal(emb_float_parse(s, s + 5, &v), 2);
		assert_true(v == 12.0f);
	}
}

/* Random decimals: 1..20 digits, any point position, exponent -50..40. */
static void test_parse_random(void **state)
{
	char s[64];
	(void)state;

	for (int it = 0; it < 300000; it++) {
		uint64_t r = rnd();
		int nd = 1 + (int)(r % 20), point = (int)((r >> 8) % (uint64_t)(nd + 2)) - 1;
		size_t n = 0;

		if (r >> 16 & 1)
			s[n++] = '-';
		for (int d = 0; d < nd; d++) {
			if (d == point)
				s[n++] = '.';
			s[n++] = (char)('0' + rnd() % 10);
		}
		if (r >> 17 & 1)
			n += (size_t)snprintf(s + n, sizeof s - n, "e%d", (int)((r >> 20) % 91) - 50);
		s[n] = '\0';
		check_parse(s);
	}
}

/* Exact midpoints between neighbouring floats, and decimals just beside them. */
static void test_parse_halfway(void **state)
{
	char s[200];
	(void)state;

	for (int it = 0; it < 20000; it++) {
		uint32_t b = (uint32_t)rnd() & 0x7f7fffff;
		double mid = ((double)float_of(b) + (double)nextafterf(float_of(b), INFINITY)) / 2;
		int len;

		/* %.*e of a double is exact in glibc; a midpoint has at most 113 digits. */
		len = snprintf(s, sizeof s, "%.120e", mid);
		assert_true(len > 0 && (size_t)len < sizeof s);
		check_parse(s);
		for (int digits = 8; digits <= 30; digits += 3) {
			snprintf(s, sizeof s, "%.*e", digits, mid);
			check_parse(s);
		}
		snprintf(s, sizeof s, "%.17g", mid);
		check_parse(s);
		/* A 1 far past the last digit of the midpoint decides the rounding. */
		len = snprintf(s, sizeof s, "%.140e", mid);
		assert_true(len > 0 && (size_t)len < sizeof s);
		strchr(s, 'e')[-1] = '1';
		check_parse(s);
	}
}

/* Our digits: D (no trailing zero) and e10 with value D * 10^e10; returns the digit count. */
static int decompose(const char *s, uint64_t *D, int *e10)
{
	uint64_t d = 0;
	int n = 0, e = 0;
	bool frac = false;

	if (*s == '-')
		s++;
	for (; *s && *s != 'e'; s++) {
		if (*s == '.') {
			frac = true;
			continue;
		}
		if (d == 0 && *s == '0') {
			e -= frac;
			continue;
		}
		d = d * 10 + (uint64_t)(*s - '0');
		n++;
		e -= frac;
	}
	if (*s == 'e')
		e += (int)strtol(s + 1, NULL, 10);
	while (d && d % 10 == 0) {
		d /= 10;
		e++;
		n--;
	}
	*D = d;
	*e10 = e;
	return n;
}

static bool decimal_parses_to(uint64_t D, int e10, float v)
{
	char s[48];

	snprintf(s, sizeof s, "%s%llue%d", signbit(v) ? "-" : "", (unsigned long long)D, e10);
	return bits_of(strtof(s, NULL)) == bits_of(v);
}

/* The same with our parser (itself checked against strtof above): fast enough for 2^32. */
static bool decimal_parses_to_fast(uint64_t D, int e10, float v)
{
	char s[48];
	int n = 0;
	float back;

	if (signbit(v))
		s[n++] = '-';
	{
		char rev[24];
		int k = 0;

		do
			rev[k++] = (char)('0' + D % 10);
		while ((D /= 10) != 0);
		while (k)
			s[n++] = rev[--k];
	}
	s[n++] = 'e';
	if (e10 < 0) {
		s[n++] = '-';
		e10 = -e10;
	}
	if (e10 >= 10)
		s[n++] = (char)('0' + e10 / 10);
	s[n++] = (char)('0' + e10 % 10);
	return emb_float_parse(s, s + n, &back) == (size_t)n && bits_of(back) == bits_of(v);
}

/*
 * Format v; check it parses back (strtof and ours), that no decimal with one digit less does
 * (the two neighbours bracketing ours are enough: the rounding interval is convex), and, when
 * slow, that it is %.{n}g for the least n whose %.{n}g round-trips if that n is ours.
 */
static void check_format(float v, bool slow)
{
	char s[EMB_FLOAT_MAX], g[48];
	size_t n = emb_float_format(s, v);
	uint64_t D;
	int e10, nd;
	float back;

	assert_int_equal(n, strlen(s));
	if (bits_of(strtof(s, NULL)) != bits_of(v) ||
	    emb_float_parse(s, s + n, &back) != n || bits_of(back) != bits_of(v))
		fail_msg("%a formatted as '%s' does not round-trip", (double)v, s);
	if (v == 0)
		return;
	nd = decompose(s, &D, &e10);
	if (nd > 1 && (decimal_parses_to(D / 10, e10 + 1, v) ||
		       decimal_parses_to(D / 10 + 1, e10 + 1, v)))
		fail_msg("%a: '%s' is not shortest", (double)v, s);
	if (slow) {
		for (int k = 1; k <= 9; k++) {
			snprintf(g, sizeof g, "%.*g", k, (double)v);
			if (bits_of(strtof(g, NULL)) == bits_of(v)) {
				if (k == nd && strtod(g, NULL) != strtod(s, NULL))
					fail_msg("%a: '%s' is not the nearest ('%s')", (double)v, s, g);
				assert_true(nd <= k);
				break;
			}
		}
	}
}

static void test_format_examples(void **state)
{
	static const struct { float v; const char *s; } cases[] = {
		{ 0.1f, "0.1" }, { 1.5f, "1.5" }, { -1.5f, "-1.5" }, { 1e-7f, "1e-07" },
		{ 1e10f, "1e+10" }, { 123456.0f, "123456" }, { 0.123456f, "0.123456" },
		{ FLT_MAX, "3.4028235e+38" }, { 0x1p-149f, "1e-45" }, { -0x1p-149f, "-1e-45" },
		{ FLT_MIN, "1.1754944e-38" }, { 0.0f, "0" }, { -0.0f, "-0" }, { 0.001f, "0.001" },
		{ 0.0001f, "1e-04" }, { 100.0f, "100" }, { 10000.0f, "10000" },
		{ 100000.0f, "1e+05" }, { 16777216.0f, "16777216" }, { 1.0f, "1" },
		{ 0.3f, "0.3" }, { 2.0f / 3, "0.6666667" }, { 0.000123456f, "0.000123456" },
		{ 1.17549435e-38f, "1.1754944e-38" }, { 9.999999e-5f, "9.999999e-05" },
		{ 33554432.0f, "33554432" }, { 1e-44f, "1e-44" }, { 1.5e20f, "1.5e+20" }, { 4294967296.0f, "4294967300" },
	};
	char s[EMB_FLOAT_MAX];
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		emb_float_format(s, cases[i].v);
		assert_string_equal(s, cases[i].s);
		assert_int_equal(strlen(s), strlen(cases[i].s));
	}
	emb_float_format(s, NAN);
	assert_string_equal(s, "nan");
	emb_float_format(s, -NAN);
	assert_string_equal(s, "nan");
	emb_float_format(s, INFINITY);
	assert_string_equal(s, "inf");
	emb_float_format(s, -INFINITY);
	assert_string_equal(s, "-inf");
}

static void test_format_ranges(void **state)
{
	(void)state;
	/* Random bit patterns, all finite. */
	for (int i = 0; i < 1000000; i++) {
		uint32_t b = (uint32_t)rnd();

		if ((b & 0x7f800000) != 0x7f800000)
			check_format(float_of(b), i < 100000);
	}
	/* Both ends of the subnormals, and around every power of two. */
	for (uint32_t b = 1; b < 4096; b++) {
		check_format(float_of(b), true);
		check_format(float_of(0x00800000 - b), b < 512);
	}
	for (uint32_t e = 1; e < 255; e++)
		for (uint32_t d = 0; d < 64; d++) {
			check_format(float_of((e << 23) + d), true);
			check_format(float_of((e << 23) - 1 - d), true);
		}
	/* Neighbours of powers of ten. */
	for (int k = -45; k <= 38; k++) {
		float f = strtof(k < 0 ? "1e-1" : "1", NULL);
		char p[16];

		snprintf(p, sizeof p, "1e%d", k);
		f = strtof(p, NULL);
		for (int d = 0; d < 32 && f < INFINITY; d++) {
			check_format(f, true);
			check_format(-f, false);
			f = nextafterf(f, INFINITY);
		}
	}
	/* Typical embedding values: one contiguous slice around 0.1. */
	for (uint32_t b = bits_of(0.1f) - (1u << 17); b < bits_of(0.1f) + (1u << 17); b++)
		check_format(float_of(b), false);
}

static void test_fixed_vs_printf(void **state)
{
	char want[128], got[128];
	static const float special[] = { 0.0f, -0.0f, 0.5f, 1.5f, 2.5f, -2.5f, 0.125f, 0.0625f,
					  1e-7f, 0.05f, 0.45f, 9.5f, 99.5f, 1e20f, FLT_MAX, -FLT_MAX,
					  0x1p-149f, FLT_MIN, 16777216.0f, INFINITY, -INFINITY, NAN,
					  -NAN, 0.000500000024f, 1e-30f };
	(void)state;

	for (int i = 0; i < 400000; i++) {
		uint32_t b = (uint32_t)rnd();
		int digits = (int)(rnd() % 16);
		float v;

		if (i % 4 == 0)  /* mostly values of embedding size */
			b = (b & 0x80ffffff) | (uint32_t)(110 + rnd() % 20) << 23;
		if (i % 50 == 0)
			digits = (int)(rnd() % 64) - 2;
		v = float_of(b);
		snprintf(want, sizeof want, "%.*f", digits < 0 ? 6 : digits, (double)v);
		if (strlen(want) + 1 > EMB_FLOAT_FIXED_MAX(digits))
			continue;  /* huge value with many digits: not claimed */
		assert_int_equal(emb_float_format_fixed(got, v, digits), strlen(want));
		assert_string_equal(got, want);
	}
	for (size_t i = 0; i < sizeof special / sizeof *special; i++)
		for (int digits = -1; digits <= 40; digits++) {
			snprintf(want, sizeof want, "%.*f", digits < 0 ? 6 : digits,
				 (double)special[i]);
			if (strlen(want) + 1 > sizeof got)
				continue;
			emb_float_format_fixed(got, special[i], digits);
			assert_string_equal(got, want);
		}
}

static void test_f16_exhaustive(void **state)
{
	static float f[65536];
	static uint16_t h[65536], back[65536];
	(void)state;

	for (uint32_t i = 0; i < 65536; i++) {
		uint16_t x = (uint16_t)i;
		float v = emb_f16_to_f32(x);
		bool is_nan = (x & 0x7c00) == 0x7c00 && (x & 0x3ff);
		int e = (x >> 10) & 0x1f;
		double want = e ? ldexp(1024 + (x & 0x3ff), e - 25) : ldexp(x & 0x3ff, -24);

		h[i] = x;
		if (is_nan) {
			assert_true(isnan(v));
			assert_true(isnan(emb_f16_to_f32(emb_f32_to_f16(v))));
			continue;
		}
		if (e == 0x1f)
			want = INFINITY;
		if (x & 0x8000)
			want = -want;
		assert_true((double)v == want && !signbit(v) == !(x & 0x8000));
		assert_int_equal(emb_f32_to_f16(v), x);
		if (e == 0x1f || (x & 0x7fff) == 0x7bff)
			continue;
		/* Just below, at and just above the midpoint to the next half up. */
		{
			float up = emb_f16_to_f32((uint16_t)(x + 1));
			float mid = (float)(((double)v + (double)up) / 2);
			uint16_t even = (x & 1) ? (uint16_t)(x + 1) : x;

			assert_int_equal(emb_f32_to_f16(mid), even);
			assert_int_equal(emb_f32_to_f16(nextafterf(mid, 0)), x);
			assert_int_equal(emb_f32_to_f16(nextafterf(mid, (x & 0x8000) ? -INFINITY : INFINITY)), x + 1);
		}
	}
	assert_int_equal(emb_f32_to_f16(65520.0f), 0x7c00);
	assert_int_equal(emb_f32_to_f16(65519.99f), 0x7bff);
	assert_int_equal(emb_f32_to_f16(-1e10f), 0xfc00);
	assert_int_equal(emb_f32_to_f16(0x1p-25f), 0);
	assert_int_equal(emb_f32_to_f16(0x1.000002p-25f), 1);
	assert_int_equal(emb_f32_to_f16(-0x1p-30f), 0x8000);

	/* Array versions: the same bits as the scalar ones, NaNs included. */
	emb_f16_to_f32_n(f, h, 65536);
	for (uint32_t i = 0; i < 65536; i++)
		assert_int_equal(bits_of(f[i]), bits_of(emb_f16_to_f32(h[i])));
	emb_f32_to_f16_n(back, f, 65536);
	for (uint32_t i = 0; i < 65536; i++)
		assert_int_equal(back[i], emb_f32_to_f16(f[i]));
	for (int round = 0; round < 16; round++) {
		for (uint32_t i = 0; i < 65536; i++) {
			uint32_t b = (uint32_t)rnd();

			if (round & 1)  /* near the half range */
				b = (b & 0x807fffff) | (uint32_t)(98 + rnd() % 50) << 23;
			f[i] = float_of(b);
		}
		emb_f32_to_f16_n(back, f, 65536 - (size_t)round);
		for (uint32_t i = 0; i < 65536 - (uint32_t)round; i++)
			if (back[i] != emb_f32_to_f16(f[i]))
				fail_msg("%08x: array %04x scalar %04x", bits_of(f[i]), back[i],
					 emb_f32_to_f16(f[i]));
	}
#ifdef __FLT16_MAX__
	/* The compiler's own conversion as a second opinion. */
	for (int i = 0; i < 1000000; i++) {
		uint32_t b = (uint32_t)rnd();
		_Float16 r;
		uint16_t rb;

		if (i & 1)
			b = (b & 0x807fffff) | (uint32_t)(98 + rnd() % 50) << 23;
		if (isnan(float_of(b)))
			continue;
		r = (_Float16)float_of(b);
		memcpy(&rb, &r, sizeof rb);
		assert_int_equal(emb_f32_to_f16(float_of(b)), rb);
	}
#endif
}

/* ---------------------------------------------------------------- exhaustive (opt-in) */

struct slice {
	uint64_t from, to, failures;
};

/*
 * Positive patterns get the full check (our parser and strtof read the text back, the two
 * one-digit-shorter neighbours do not parse to v); a negative pattern must print as "-" and
 * its positive twin, which halves the strtof calls.
 */
static void *exhaust(void *arg)
{
	struct slice *sl = arg;
	char s[EMB_FLOAT_MAX], neg[EMB_FLOAT_MAX];

	for (uint64_t i = sl->from; i < sl->to; i++) {
		float v = float_of((uint32_t)i), back;
		size_t n = emb_float_format(s, v);
		uint64_t D;
		int e10, nd;

		if ((i & 0xfffffff) == 0)
			fprintf(stderr, "exhaustive: %08llx\n", (unsigned long long)i);
		if (!isnan(v) && (emb_float_format(neg, -v) != n + 1 || neg[0] != '-' ||
				  memcmp(neg + 1, s, n + 1))) {
			if (sl->failures++ < 10)
				fprintf(stderr, "sign %08llx '%s' '%s'\n", (unsigned long long)i, s, neg);
		}
		if (emb_float_parse(s, s + n, &back) != n || !same(back, v) ||
		    !same(strtof(s, NULL), v)) {
			if (sl->failures++ < 10)
				fprintf(stderr, "round trip %08llx '%s'\n", (unsigned long long)i, s);
			continue;
		}
		if (isnan(v) || isinf(v) || v == 0)
			continue;
		nd = decompose(s, &D, &e10);
		if (nd > 1 && (decimal_parses_to_fast(D / 10, e10 + 1, v) ||
			       decimal_parses_to_fast(D / 10 + 1, e10 + 1, v))) {
			if (sl->failures++ < 10)
				fprintf(stderr, "not shortest %08llx '%s'\n", (unsigned long long)i, s);
		}
	}
	return NULL;
}

static void test_exhaustive(void **state)
{
	enum { T = 2 };
	struct slice sl[T];
	pthread_t th[T];
	uint64_t failures = 0;
	(void)state;

	for (int t = 0; t < T; t++) {
		sl[t].from = (1ULL << 31) / T * (uint64_t)t;
		sl[t].to = (1ULL << 31) / T * (uint64_t)(t + 1);
		sl[t].failures = 0;
		assert_int_equal(pthread_create(&th[t], NULL, exhaust, &sl[t]), 0);
	}
	for (int t = 0; t < T; t++) {
		pthread_join(th[t], NULL);
		failures += sl[t].failures;
	}
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_examples),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_parse_random),
		cmocka_unit_test(test_parse_halfway),
		cmocka_unit_test(test_format_examples),
		cmocka_unit_test(test_format_ranges),
		cmocka_unit_test(test_fixed_vs_printf),
		cmocka_unit_test(test_f16_exhaustive),
	};
	const struct CMUnitTest slow[] = {
		cmocka_unit_test(test_exhaustive),
	};
	const char *ex = getenv("EMB_FLOAT_EXHAUSTIVE");

	/* Not listed at all unless asked: tests/run.sh counts a TAP skip ("not ok # SKIP"). */
	if (ex && !strcmp(ex, "1"))
		return cmocka_run_group_tests(slow, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
