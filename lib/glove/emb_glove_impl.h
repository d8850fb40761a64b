/*
 * emb_glove_impl.h: what the GloVe files share; private to lib/glove.
 *
 *   emb_glove_store.c  the shuffled co-occurrence data (memory, or groups of blocks on disk),
 *                      unlinked temporary files
 *   emb_glove_cooc.c   counting: dense table, buffer, sorted runs, bounded merge
 *   emb_glove_train.c  AdaGrad training
 *   emb_glove_ckpt.c   checkpoints
 */
#ifndef EMB_GLOVE_IMPL_H
#define EMB_GLOVE_IMPL_H

#include <stdint.h>
#include <stdio.h>

#include "emb_glove.h"

/* The model (emb_glove_train.c, emb_glove_ckpt.c). */
struct emb_glove {
	struct emb_glove_opts o;
	size_t rows, dim, stride;
	float *w, *c, *gw, *gc;
	unsigned epoch;
	double cost, seconds;
	uint64_t records;     /* of the data trained on (a checkpoint must continue on the same) */
};

/* An unlinked temporary file in $TMPDIR (else /tmp): *fd, or EMB_EIO. */
int glove_tmp_open(int *fd, struct emb_err *err);
/* All of N bytes at OFF; a full disk is named as such.  0 or EMB_EIO. */
int glove_pwrite(int fd, const void *p, size_t n, uint64_t off, struct emb_err *err);
int glove_pread(int fd, void *p, size_t n, uint64_t off, struct emb_err *err);
/* Record that counting spilled N runs (emb_cooc_runs()). */
void glove_store_set_runs(struct emb_cooc *c, size_t n);
/* The fine shuffle bucket of (i, j) under SEED. */
uint32_t glove_fine_bucket(uint64_t seed, uint32_t i, uint32_t j);
/* Seconds on a monotonic clock. */
double glove_now(void);

/* A record being counted: the weighted count in units of 1/EMB_COOC_SCALE, saturating. */
struct glove_crec {
	uint32_t i, j, v;
};

static inline int glove_less(uint32_t ai, uint32_t aj, uint32_t bi, uint32_t bj)
{
	return ai < bi || (ai == bi && aj < bj);
}

/*
 * GLOVE_SORT(name, type): an in-place sort of records by (i, j), quicksort with a median of
 * three and insertion sort below 24, the smaller side first (log depth).  Records are small
 * and the key is two integers: inlined compares beat qsort() several times over.  (TYPE is
 * a type name, which parentheses would break.)
 */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define GLOVE_SORT(name, type)                                                              \
static void name(type *a, size_t n)                                                         \
{                                                                                           \
	while (n > 24) {                                                                    \
		type t, p;                                                                  \
		size_t m = n / 2, lo = 0, hi = n - 1;                                       \
		if (glove_less(a[m].i, a[m].j, a[0].i, a[0].j)) { t = a[m]; a[m] = a[0]; a[0] = t; } \
		if (glove_less(a[n - 1].i, a[n - 1].j, a[0].i, a[0].j)) { t = a[n - 1]; a[n - 1] = a[0]; a[0] = t; } \
		if (glove_less(a[n - 1].i, a[n - 1].j, a[m].i, a[m].j)) { t = a[n - 1]; a[n - 1] = a[m]; a[m] = t; } \
		p = a[m];                                                                   \
		for (;;) {                                                                  \
			while (glove_less(a[lo].i, a[lo].j, p.i, p.j))                      \
				lo++;                                                       \
			while (glove_less(p.i, p.j, a[hi].i, a[hi].j))                      \
				hi--;                                                       \
			if (lo >= hi)                                                       \
				break;                                                      \
			t = a[lo]; a[lo] = a[hi]; a[hi] = t;                                \
			lo++;                                                               \
			hi--;                                                               \
		}                                                                           \
		/* [0, hi] <= p <= [hi + 1, n) */                                           \
		if (hi + 1 < n - hi - 1) {                                                  \
			name(a, hi + 1);                                                    \
			a += hi + 1;                                                        \
			n -= hi + 1;                                                        \
		} else {                                                                    \
			name(a + hi + 1, n - hi - 1);                                       \
			n = hi + 1;                                                         \
		}                                                                           \
	}                                                                                   \
	for (size_t k = 1; k < n; k++) {                                                    \
		type t = a[k];                                                              \
		size_t q = k;                                                               \
		for (; q > 0 && glove_less(t.i, t.j, a[q - 1].i, a[q - 1].j); q--)          \
			a[q] = a[q - 1];                                                    \
		a[q] = t;                                                                   \
	}                                                                                   \
}
/* NOLINTEND(bugprone-macro-parentheses) */

#endif
