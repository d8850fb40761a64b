/*
 * Bench driver for emb_float (built by bench/float.sh, not by the Makefile): parse and format
 * throughput of embkit against the C library on the same values, interleaved round by round.
 *
 * usage: float_bench N ROUNDS
 * Values: N "typical" embedding values, 6 decimals in [-1, 1] ("-0.123456"), and N full
 * precision values (gaussian * 0.3 as a trained model writes them).  Prints one TSV line per
 * case: case, ours_mbps, peer_mbps, ratio, with the medians over ROUNDS rounds.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emb_float.h"
#include "emb_rng.h"

static uint64_t state = 42;

static uint64_t rnd(void)
{
	return emb_rng_splitmix64(&state);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);  /* CPU time: the machine is shared */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static volatile float sink_f;
static volatile size_t sink_n;

/* Parse text (values separated by one space); 0 ours, 1 strtof.  Returns seconds. */
static double run_parse(int peer, const char *text, size_t len, float *out, size_t n)
{
	double t = now();
	const char *p = text, *end = text + len;
	size_t i = 0;

	if (!peer) {
		while (p < end && i < n) {
			p += emb_float_parse(p, end, &out[i++]);
			p++;
		}
	} else {
		char *e;

		while (p < end && i < n) {
			out[i++] = strtof(p, &e);
			p = e + 1;
		}
	}
	t = now() - t;
	sink_f = out[n / 2];
	if (i != n) {
		fprintf(stderr, "parse: %zu of %zu values\n", i, n);
		exit(1);
	}
	return t;
}

/* One TSV line: parse throughput (bytes of text per CPU second), ours against strtof. */
static void bench_parse(const char *name, const char *text, size_t len, float *vals, size_t n,
			int rounds, double *a, double *b)
{
	double ta, tb;

	for (int r = 0; r < rounds; r++) {
		a[r] = run_parse(0, text, len, vals, n);
		b[r] = run_parse(1, text, len, vals, n);
	}
	ta = median(a, rounds);
	tb = median(b, rounds);
	printf("%s\temb_float_parse\tstrtof\t%.0f\t%.0f\t%.2f\n", name, len / ta / 1e6,
	       len / tb / 1e6, tb / ta);
}

enum { F_SHORTEST, F_G, F_G9, F_FIXED6, F_PRINTF6 };

/* Format all values into a 1 MiB window (as an output buffer would be); bytes in *bytes. */
static double run_format(int how, const float *v, size_t n, size_t *bytes)
{
	static char buf[1 << 20];
	size_t pos = 0, total = 0;
	double t = now();

	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (pos > sizeof buf - 64) {
			total += pos;
			pos = 0;
		}
		switch (how) {
		case F_SHORTEST:
			k = emb_float_format(buf + pos, v[i]);
			break;
		case F_G:
			k = (size_t)snprintf(buf + pos, 64, "%g", (double)v[i]);
			break;
		case F_G9:
			k = (size_t)snprintf(buf + pos, 64, "%.9g", (double)v[i]);
			break;
		case F_FIXED6:
			k = emb_float_format_fixed(buf + pos, v[i], 6);
			break;
		default:
			k = (size_t)snprintf(buf + pos, 64, "%.6f", (double)v[i]);
			break;
		}
		buf[pos + k] = ' ';
		pos += k + 1;
	}
	t = now() - t;
	*bytes = total + pos;
	sink_n = *bytes + (size_t)buf[0];
	return t;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 30000000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	char *text = malloc(n * 16 + 64);
	float *vals = malloc(n * sizeof *vals), *full = malloc(n * sizeof *full);
	double *a = malloc((size_t)rounds * sizeof *a), *b = malloc((size_t)rounds * sizeof *b);
	size_t len = 0, bytes_a = 0, bytes_b = 0;

	if (!text || !vals || !full || !a || !b || rounds < 1)
		return 1;
	for (size_t i = 0; i < n; i++) {
		long x = (long)(rnd() % 2000001) - 1000000;    /* x / 1e6 in [-1, 1] */
		double u1 = emb_rng_unit(rnd(), 1), u2 = emb_rng_unit(rnd(), 0);

		len += (size_t)snprintf(text + len, 16, "%s%ld.%06ld ", x < 0 ? "-" : "",
					labs(x) / 1000000, labs(x) % 1000000);
		full[i] = (float)(0.3 * emb_rng_box_muller(u1, u2, NULL));
	}

	bench_parse("parse 6-decimal text", text, len, vals, n, rounds, a, b);

	static const struct {
		const char *name, *ours, *peer;
		int a, b, full;
	} cases[] = {
		{ "format 6-decimal values", "emb_float_format", "printf %g", F_SHORTEST, F_G, 0 },
		{ "format 6-decimal values", "emb_float_format", "printf %.9g", F_SHORTEST, F_G9, 0 },
		{ "format full-precision values", "emb_float_format", "printf %.9g", F_SHORTEST,
		  F_G9, 1 },
		{ "format fixed 6 digits", "emb_float_format_fixed", "printf %.6f", F_FIXED6,
		  F_PRINTF6, 1 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		const float *v = cases[c].full ? full : vals;

		for (int r = 0; r < rounds; r++) {
			a[r] = run_format(cases[c].a, v, n, &bytes_a);
			b[r] = run_format(cases[c].b, v, n, &bytes_b);
		}
		{
			double ta = median(a, rounds), tb = median(b, rounds);

			printf("%s\t%s\t%s\t%.0f\t%.0f\t%.2f\n", cases[c].name, cases[c].ours,
			       cases[c].peer, bytes_a / ta / 1e6, bytes_b / tb / 1e6,
			       (bytes_a / ta) / (bytes_b / tb));
		}
	}
	/* Shortest parse of full-precision text, as a reader of our own output sees it. */
	{
		size_t flen = 0;

		for (size_t i = 0; i < n; i++) {
			flen += emb_float_format(text + flen, full[i]);
			text[flen++] = ' ';
		}
		bench_parse("parse shortest full-precision text", text, flen, vals, n, rounds, a, b);
	}
	free(text);
	free(vals);
	free(full);
	free(a);
	free(b);
	return 0;
}
