/*
 * emb_vec8: the 8-float vector kernels the trainers share (private).  GCC vector extensions:
 * a file compiles them into its target_clones functions (AVX2+FMA and the baseline), where
 * they inline.  The files that include this header ignore -Wpsabi (a 32-byte vector passed by
 * value in the baseline clone is not an ABI we export).
 */
#ifndef EMB_VEC8_H
#define EMB_VEC8_H

#include <stddef.h>
#include <string.h>

typedef float v8f __attribute__((vector_size(32)));

#define VLOAD(v, p) memcpy(&(v), (p), sizeof(v8f))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(v8f))

/* a . b over N floats: two accumulators, the same order of additions on every machine. */
static inline __attribute__((always_inline)) float k_dot(const float *a, const float *b, size_t n)
{
	v8f s0 = { 0 }, s1 = { 0 }, x, y;
	size_t i = 0;
	float r;

	for (; i + 16 <= n; i += 16) {
		VLOAD(x, a + i);
		VLOAD(y, b + i);
		s0 += x * y;
		VLOAD(x, a + i + 8);
		VLOAD(y, b + i + 8);
		s1 += x * y;
	}
	if (i + 8 <= n) {
		VLOAD(x, a + i);
		VLOAD(y, b + i);
		s0 += x * y;
		i += 8;
	}
	s0 += s1;
	r = ((s0[0] + s0[4]) + (s0[1] + s0[5])) + ((s0[2] + s0[6]) + (s0[3] + s0[7]));
	for (; i < n; i++)
		r += a[i] * b[i];
	return r;
}

#endif
