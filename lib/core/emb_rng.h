/*
 * emb_rng: the library's random numbers, in one place so every tool draws the same sequence
 * from the same seed (seeded outputs are part of the tools' contract: `embtrain --seed S -j 1`,
 * `embconv --missing normal --seed S`, `embpack --shuffle --seed S` are bit-reproducible).
 *
 *  - splitmix64 (Steele, Lea, Flood 2014): turns any seed, 0 included, into well-mixed
 *    64-bit values; used to seed and for draws that are not on a hot path.
 *  - xorshift64* (Vigna 2016): one multiply a draw, for the trainer's inner loops; the state
 *    must not be 0 (seed it from splitmix64 with `| 1`).
 *  - Box–Muller: two independent N(0,1) values from two uniforms.
 *
 * Header-only and static inline: the trainer's kernels need the draws inlined.
 */
#ifndef EMB_RNG_H
#define EMB_RNG_H

#include <math.h>
#include <stdint.h>

static inline uint64_t emb_rng_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t emb_rng_xorshift64s(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A value below N from the high 32 bits of R (Lemire's multiply-shift, no division). */
static inline uint32_t emb_rng_below(uint64_t r, uint32_t n)
{
	return (uint32_t)(((r >> 32) * n) >> 32);
}

/*
 * A double from the top 53 bits of R plus BIAS ulps of 2^-53: bias 0 gives [0, 1), 0.5 gives
 * (0, 1), 1 gives (0, 1] (what log() in Box–Muller needs).
 */
static inline double emb_rng_unit(uint64_t r, double bias)
{
	return ((double)(r >> 11) + bias) * 0x1p-53;
}

/* Box–Muller: N(0,1) from U1 in (0, 1] and U2 in [0, 1); the independent sine twin into
 * *second unless it is NULL. */
static inline double emb_rng_box_muller(double u1, double u2, double *second)
{
	double r = sqrt(-2 * log(u1));

	if (second)
		*second = r * sin(2 * M_PI * u2);
	return r * cos(2 * M_PI * u2);
}

#endif
