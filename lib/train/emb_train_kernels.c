/*
 * emb_train_kernels: the per-sentence training loops and the vector kernels they inline.
 *
 * Exact mode follows word2vec.c update for update: per centre word a window shrunk at random,
 * skip-gram trains each context word's input vector against the centre word and NEGATIVE
 * noise words (or its Huffman path), CBOW trains the mean of the context vectors; sigmoid from
 * a table clipped at +-6; sub-sampling keeps a word with probability
 * (sqrt(c/(s*N)) + 1) * s*N/c; the learning rate falls linearly over all epochs.  Threads
 * share the matrices without locks (Hogwild) and each trains its own slice of the id cache.
 *
 * Where the time goes and what is done about it:
 *  - dot products and axpys over `dim` floats: GCC vector extensions with two accumulators,
 *    compiled twice (x86-64-v3 = AVX2+FMA, and baseline SSE2) via target_clones on the
 *    per-sentence functions, so one run-time dispatch per sentence and the kernels inline;
 *  - random row reads (the centre word's output row, the noise words' rows): the negatives of
 *    the next centre word are drawn one step ahead and their rows prefetched;
 *  - the noise distribution: an alias table (8 bytes a row, L2-resident) instead of
 *    word2vec.c's 400 MB unigram table that misses cache on every draw;
 *  - random numbers: xorshift64* (one multiply), never rand().
 * Batch mode (Ji et al. 2016): the context words of B consecutive centre words share one set
 * of negatives, so each noise row is read once per group and the updates are small dense
 * products (S = A·Bᵀ, ΔA = G·B, ΔB = Gᵀ·A) on rows that stay in L1.
 */
#if defined(__GNUC__) && !defined(__clang__) /* clang has no optimize pragma (and warns) */
#pragma GCC optimize("fp-contract=fast")
#endif
#pragma GCC diagnostic ignored "-Wpsabi"

#include <string.h>

#include "emb_rng.h"
#include "internal.h"
#include "emb_train_impl.h"
#include "emb_vec8.h"
#include "internal.h"

/* ---- kernels (inlined into the target_clones functions below; k_dot in emb_vec8.h) ---- */

/* y += g * x */
static inline __attribute__((always_inline)) void k_axpy(float *y, const float *x, float g, size_t n)
{
	v8f vg = { g, g, g, g, g, g, g, g }, a, b;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		VLOAD(a, y + i);
		VLOAD(b, x + i);
		a += vg * b;
		VSTORE(y + i, a);
	}
	for (; i < n; i++)
		y[i] += g * x[i];
}

/* acc += g * l2; l2 += g * l1  (one pass over l2) */
static inline __attribute__((always_inline)) void k_update(float *acc, float *l2, const float *l1,
							   float g, size_t n)
{
	v8f vg = { g, g, g, g, g, g, g, g }, a, b, c;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		VLOAD(a, acc + i);
		VLOAD(b, l2 + i);
		VLOAD(c, l1 + i);
		a += vg * b;
		b += vg * c;
		VSTORE(acc + i, a);
		VSTORE(l2 + i, b);
	}
	for (; i < n; i++) {
		acc[i] += g * l2[i];
		l2[i] += g * l1[i];
	}
}

static inline __attribute__((always_inline)) void k_prefetch(const float *row, size_t n)
{
	const char *p = (const char *)row;
	for (size_t o = 0; o < n * sizeof(float); o += 64)
		__builtin_prefetch(p + o, 1, 3);
}

/*
 * (label - σ(f)) α from the table.  Written so that a NaN f (a diverged run) takes a clipped
 * branch: (int)NaN is undefined and in practice indexes far outside the table.  The caller
 * notices the NaN through the sum of its dot products (see emb_train_sg()).
 */
static inline __attribute__((always_inline)) float k_sig_grad(const float *sig, float f, float label,
							     float alpha)
{
	if (!(f < MAX_EXP))
		return (label - 1) * alpha;
	if (!(f > -MAX_EXP))
		return label * alpha;
	return (label - sig[(int)((f + MAX_EXP) * ((float)SIG_N / (2 * MAX_EXP)))]) * alpha;
}

/* Hierarchical softmax along row w's Huffman path, input l1, gradient into acc. */
static inline __attribute__((always_inline)) void k_hs(const struct emb_trainer *t, uint32_t w,
						       const float *l1, float *acc, float alpha,
						       float *dots)
{
	const uint8_t *code = t->code + t->code_off[w];
	const uint32_t *point = t->point + t->code_off[w];
	size_t d = t->dim;

	for (unsigned j = 0; j < t->code_len[w]; j++) {
		float *l2 = t->syn1 + (size_t)point[j] * d;
		float f = k_dot(l1, l2, d);
		*dots += f;
		if (!(f > -MAX_EXP && f < MAX_EXP)) /* NaN too */
			continue;
		f = t->sig[(int)((f + MAX_EXP) * ((float)SIG_N / (2 * MAX_EXP)))];
		k_update(acc, l2, l1, (1 - code[j] - f) * alpha, d);
	}
}

/*
 * Negative samples flow through a three-stage pipeline, one stage per (context, centre) pair
 * (skip-gram) or per centre word (CBOW): draw the random numbers and prefetch their alias
 * buckets; one step later resolve the buckets to rows and prefetch the rows; one step later
 * use them.  Each stage hides one dependent cache miss behind a step of useful work.  The
 * pipeline is refilled at the start of every sentence, so a run resumed from a checkpoint
 * (taken between sentences) draws exactly what an uninterrupted run would.
 */

static inline __attribute__((always_inline)) void np_draw(const struct emb_trainer *t,
							  struct negpipe *p, unsigned s, uint64_t *rng)
{
	for (unsigned j = 0; j < t->o.negative; j++) {
		uint64_t r = emb_rng_xorshift64s(rng);
		p->r[s][j] = r;
		__builtin_prefetch(&t->noise[emb_rng_below(r, (uint32_t)t->rows)]);
	}
}

static inline __attribute__((always_inline)) void np_resolve(const struct emb_trainer *t,
							     struct negpipe *p, unsigned s)
{
	for (unsigned j = 0; j < t->o.negative; j++) {
		uint64_t r = p->r[s][j];
		uint32_t b = emb_rng_below(r, (uint32_t)t->rows);
		uint32_t row = (uint32_t)r < t->noise[b].thr ? b : t->noise[b].other;
		p->row[s][j] = row;
		k_prefetch(t->syn1neg + (size_t)row * t->dim, t->dim);
	}
}

static inline __attribute__((always_inline)) void np_start(const struct emb_trainer *t,
							   struct negpipe *p, uint64_t *rng)
{
	p->head = 0;
	if (!t->syn1neg)
		return;
	np_draw(t, p, 0, rng);
	np_resolve(t, p, 0);
	np_draw(t, p, 1, rng);
}

/* The negatives for this step (prefetched a step ago); advances the pipeline. */
static inline __attribute__((always_inline)) const uint32_t *np_next(const struct emb_trainer *t,
								     struct negpipe *p, uint64_t *rng)
{
	unsigned h = p->head;

	if (!t->syn1neg)
		return NULL;
	p->head = h == 2 ? 0 : h + 1;
	np_resolve(t, p, p->head);
	np_draw(t, p, h == 0 ? 2 : h - 1, rng);
	return p->row[h];
}

/* Negative sampling: input l1 against the centre word W (label 1) and the noise words NEG. */
static inline __attribute__((always_inline)) void k_ns(const struct emb_trainer *t, uint32_t w,
						       const uint32_t *neg, const float *l1, float *acc,
						       float alpha, float *dots)
{
	size_t d = t->dim;
	float *l2 = t->syn1neg + (size_t)w * d;
	float f = k_dot(l1, l2, d);

	*dots += f;
	k_update(acc, l2, l1, k_sig_grad(t->sig, f, 1, alpha), d);
	for (unsigned j = 0; j < t->o.negative; j++) {
		if (neg[j] == w)
			continue;
		l2 = t->syn1neg + (size_t)neg[j] * d;
		f = k_dot(l1, l2, d);
		*dots += f;
		k_update(acc, l2, l1, k_sig_grad(t->sig, f, 0, alpha), d);
	}
}


/* The window of centre I, shrunk at random (word2vec.c: b = rand % window). */
static inline __attribute__((always_inline)) void k_window(const struct emb_trainer *t, size_t i,
							   size_t n, uint64_t *rng, size_t *lo, size_t *hi)
{
	size_t span = t->o.window - (size_t)(emb_rng_xorshift64s(rng) % t->o.window);

	*lo = i >= span ? i - span : 0;
	*hi = i + span < n ? i + span : n - 1;
}

/* Rows the next centre word will need: its output row and the context row entering the window. */
static inline __attribute__((always_inline)) void k_prefetch_next(const struct emb_trainer *t,
								  const uint32_t *sen, size_t n, size_t i)
{
	size_t far = i + 1 + t->o.window;

	if (i + 1 < n && t->syn1neg)
		k_prefetch(t->syn1neg + (size_t)sen[i + 1] * t->dim, t->dim);
	if (far < n)
		k_prefetch(t->syn0 + (size_t)sen[far] * t->dim, t->dim);
}

EMB_TARGET_CLONES("arch=x86-64-v3", "default")
float emb_train_sg(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
		   uint64_t *rng, const struct scratch *sc)
{
	size_t d = t->dim;
	float *acc = sc->work, dots = 0;

	np_start(t, sc->np, rng);
	for (size_t i = 0; i < n; i++) {
		uint32_t w = sen[i];
		size_t lo, hi;

		k_window(t, i, n, rng, &lo, &hi);
		k_prefetch_next(t, sen, n, i);
		for (size_t c = lo; c <= hi; c++) {
			uint32_t cw = sen[c];
			float *l1 = t->syn0 + (size_t)cw * d;
			const uint32_t *neg;

			if (c == i)
				continue;
			neg = np_next(t, sc->np, rng);
			memset(acc, 0, d * sizeof *acc);
			if (t->syn1)
				k_hs(t, w, l1, acc, alpha, &dots);
			if (neg)
				k_ns(t, w, neg, l1, acc, alpha, &dots);
			if (!t->frozen || !t->frozen[cw])
				k_axpy(l1, acc, 1, d);
		}
	}
	return dots;
}

EMB_TARGET_CLONES("arch=x86-64-v3", "default")
float emb_train_cbow(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
		     uint64_t *rng, const struct scratch *sc)
{
	size_t d = t->dim;
	float *acc = sc->work, *neu1 = sc->work + d, dots = 0;

	np_start(t, sc->np, rng);
	for (size_t i = 0; i < n; i++) {
		uint32_t w = sen[i];
		size_t lo, hi;
		unsigned cwn = 0;
		const uint32_t *neg;

		k_window(t, i, n, rng, &lo, &hi);
		k_prefetch_next(t, sen, n, i);
		neg = np_next(t, sc->np, rng);
		memset(neu1, 0, d * sizeof *neu1);
		for (size_t c = lo; c <= hi; c++)
			if (c != i) {
				k_axpy(neu1, t->syn0 + (size_t)sen[c] * d, 1, d);
				cwn++;
			}
		if (!cwn)
			continue;
		for (size_t j = 0; j < d; j++)
			neu1[j] /= (float)cwn;
		memset(acc, 0, d * sizeof *acc);
		if (t->syn1)
			k_hs(t, w, neu1, acc, alpha, &dots);
		if (neg)
			k_ns(t, w, neg, neu1, acc, alpha, &dots);
		for (size_t c = lo; c <= hi; c++)
			if (c != i && (!t->frozen || !t->frozen[sen[c]]))
				k_axpy(t->syn0 + (size_t)sen[c] * d, acc, 1, d);
	}
	return dots;
}

/*
 * Skip-gram with shared negatives: the centre words i..i+B-1 of a group and their context
 * words.  Inputs A = the context positions' rows, outputs = the B centre words and K shared
 * noise words; pair (context j, centre q) is positive when j is in q's (shrunk) window, (j,
 * noise) negative when j is in any window, anything else ignored.  All gradients come from the
 * rows as they were before the group (a mini-batch), which turns the updates into three small
 * dense products with register blocking: S = A·Bᵀ, ΔA = G·B, B += Gᵀ·A.  Each loads a row
 * chunk once for several multiply-adds where word2vec's dot/axpy pairs load two per one.
 */

/* S[j][k0..k0+3) = A_j · B_k over d floats: three output rows per pass over A_j. */
static inline __attribute__((always_inline)) void k_dot3(const float *a, const float *b0,
							 const float *b1, const float *b2, size_t d,
							 float *s)
{
	v8f x, y, s0 = { 0 }, s1 = { 0 }, s2 = { 0 };
	size_t c = 0;

	for (; c + 8 <= d; c += 8) {
		VLOAD(x, a + c);
		VLOAD(y, b0 + c);
		s0 += x * y;
		VLOAD(y, b1 + c);
		s1 += x * y;
		VLOAD(y, b2 + c);
		s2 += x * y;
	}
	s[0] = ((s0[0] + s0[4]) + (s0[1] + s0[5])) + ((s0[2] + s0[6]) + (s0[3] + s0[7]));
	s[1] = ((s1[0] + s1[4]) + (s1[1] + s1[5])) + ((s1[2] + s1[6]) + (s1[3] + s1[7]));
	s[2] = ((s2[0] + s2[4]) + (s2[1] + s2[5])) + ((s2[2] + s2[6]) + (s2[3] + s2[7]));
	for (; c < d; c++) {
		s[0] += a[c] * b0[c];
		s[1] += a[c] * b1[c];
		s[2] += a[c] * b2[c];
	}
}

/* dst = Σ_k g[k] * rows[k] (dst overwritten; ADD: dst += instead) */
static inline __attribute__((always_inline)) void k_combine(float *dst, float *const *rows,
							    const float *g, size_t nk, size_t d,
							    bool add)
{
	size_t c = 0;

	for (; c + 8 <= d; c += 8) {
		v8f r = { 0 }, y;
		if (add)
			VLOAD(r, dst + c);
		for (size_t k = 0; k < nk; k++) {
			v8f vg = { g[k], g[k], g[k], g[k], g[k], g[k], g[k], g[k] };
			VLOAD(y, rows[k] + c);
			r += vg * y;
		}
		VSTORE(dst + c, r);
	}
	for (; c < d; c++) {
		float r = add ? dst[c] : 0;
		for (size_t k = 0; k < nk; k++)
			r += g[k] * rows[k][c];
		dst[c] = r;
	}
}

EMB_TARGET_CLONES("arch=x86-64-v3", "default")
float emb_train_sg_batch(const struct emb_trainer *t, const uint32_t *sen, size_t n,
			 float alpha, uint64_t *rng, const struct scratch *sc)
{
	float dots = 0;
	size_t d = t->dim, B = t->o.batch;
	unsigned K = t->o.negative;
	float *dA = sc->work;                   /* BMAX_IN x d */
	float G[BMAX_IN][BMAX_OUT], GT[BMAX_OUT][BMAX_IN];
	float *arow[BMAX_IN], *brow[BMAX_OUT];
	size_t lo_q[BMAX_OUT], hi_q[BMAX_OUT];
	uint32_t out[BMAX_OUT];

	for (size_t g0 = 0; g0 < n; g0 += B) {
		size_t g1 = g0 + B < n ? g0 + B : n, nb = g1 - g0, lo = n, hi = 0, nin, nout = 0, k;

		for (size_t q = g0; q < g1; q++) {
			k_window(t, q, n, rng, &lo_q[q - g0], &hi_q[q - g0]);
			lo = lo_q[q - g0] < lo ? lo_q[q - g0] : lo;
			hi = hi_q[q - g0] > hi ? hi_q[q - g0] : hi;
			out[nout++] = sen[q];
		}
		for (unsigned j = 0; j < K; j++) {
			uint64_t r = emb_rng_xorshift64s(rng);
			uint32_t b = emb_rng_below(r, (uint32_t)t->rows);
			out[nout++] = (uint32_t)r < t->noise[b].thr ? b : t->noise[b].other;
		}
		for (k = 0; k < nout; k++) {
			brow[k] = t->syn1neg + (size_t)out[k] * d;
			k_prefetch(brow[k], d);
		}
		nin = hi - lo + 1;
		for (size_t j = 0; j < nin; j++)
			arow[j] = t->syn0 + (size_t)sen[lo + j] * d;
		/* S = A·Bᵀ */
		for (size_t j = 0; j < nin; j++) {
			for (k = 0; k + 3 <= nout; k += 3)
				k_dot3(arow[j], brow[k], brow[k + 1], brow[k + 2], d, &G[j][k]);
			for (; k < nout; k++)
				G[j][k] = k_dot(arow[j], brow[k], d);
		}
		/* G = (label - σ(S)) α where the pair is trained, else 0 */
		for (size_t j = 0; j < nin; j++) {
			size_t p = lo + j;
			bool any = false;
			for (k = 0; k < nout; k++)
				dots += G[j][k];
			for (size_t q = 0; q < nb; q++) {
				bool in = p != g0 + q && p >= lo_q[q] && p <= hi_q[q];
				G[j][q] = in ? k_sig_grad(t->sig, G[j][q], 1, alpha) : 0;
				any |= in;
			}
			for (k = nb; k < nout; k++) {
				bool dup = false;
				for (size_t q = 0; q < nb; q++)
					dup |= out[k] == out[q];
				G[j][k] = any && !dup ? k_sig_grad(t->sig, G[j][k], 0, alpha) : 0;
			}
			for (k = 0; k < nout; k++)
				GT[k][j] = G[j][k];
		}
		/* ΔA = G·B, B += Gᵀ·A (both from the old rows), then A += ΔA */
		for (size_t j = 0; j < nin; j++)
			k_combine(dA + j * d, brow, G[j], nout, d, false);
		for (k = 0; k < nout; k++)
			k_combine(brow[k], arow, GT[k], nin, d, true);
		for (size_t j = 0; j < nin; j++)
			if (!t->frozen || !t->frozen[sen[lo + j]])
				k_axpy(arow[j], dA + j * d, 1, d);
	}
	return dots;
}

/*
 * fastText's subword model (emb_train_subword.c): the input side of a word is the mean of its
 * row and its n-gram rows, and the gradient goes to each of them.
 *
 * Skip-gram (fastText's roles: the centre word's subwords predict each context word).  fastText
 * recomputes the centre word's mean for every context word and adds the gradient to all its
 * rows each time; since adding g to every row adds g to their mean, we keep the mean in a
 * buffer (h += g) and add the summed gradient to the rows once after the last context word.
 * Single-threaded this is the same arithmetic up to float rounding, at a cost per centre word
 * of two passes over its rows instead of two per context word.
 */
static inline __attribute__((always_inline)) void k_mean_rows(const struct emb_trainer *t,
							      uint32_t w, float *h)
{
	size_t d = t->dim;
	const uint32_t *g = t->sub_ids + t->sub_off[w], *end = t->sub_ids + t->sub_off[w + 1];
	float scale = (float)(1.0 / (double)(end - g + 1));

	memcpy(h, t->syn0 + (size_t)w * d, d * sizeof *h);
	for (; g < end; g++)
		k_axpy(h, t->syn0 + (size_t)*g * d, 1, d);
	for (size_t j = 0; j < d; j++)
		h[j] *= scale;
}

/* The rows of word W's mean, for the next centre word. */
static inline __attribute__((always_inline)) void k_prefetch_word(const struct emb_trainer *t,
								  uint32_t w)
{
	k_prefetch(t->syn0 + (size_t)w * t->dim, t->dim);
	for (uint64_t k = t->sub_off[w]; k < t->sub_off[w + 1]; k++)
		k_prefetch(t->syn0 + (size_t)t->sub_ids[k] * t->dim, t->dim);
}

/* Rows of word W: its own (unless frozen) and its n-grams', += acc. */
static inline __attribute__((always_inline)) void k_spread(const struct emb_trainer *t, uint32_t w,
							   const float *acc)
{
	size_t d = t->dim;

	if (!t->frozen || !t->frozen[w])
		k_axpy(t->syn0 + (size_t)w * d, acc, 1, d);
	for (uint64_t k = t->sub_off[w]; k < t->sub_off[w + 1]; k++)
		k_axpy(t->syn0 + (size_t)t->sub_ids[k] * d, acc, 1, d);
}

EMB_TARGET_CLONES("arch=x86-64-v3", "default")
float emb_train_sg_sub(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
		       uint64_t *rng, const struct scratch *sc)
{
	size_t d = t->dim;
	float *acc = sc->work, *h = sc->work + d, *sum = sc->work + 2 * d, dots = 0;

	np_start(t, sc->np, rng);
	for (size_t i = 0; i < n; i++) {
		uint32_t w = sen[i];
		size_t lo, hi;

		k_window(t, i, n, rng, &lo, &hi);
		if (lo == hi)
			continue;
		k_mean_rows(t, w, h);
		if (i + 1 < n)
			k_prefetch_word(t, sen[i + 1]);
		memset(sum, 0, d * sizeof *sum);
		for (size_t c = lo; c <= hi; c++) {
			uint32_t target = sen[c];
			const uint32_t *neg;

			if (c == i)
				continue;
			neg = np_next(t, sc->np, rng);
			memset(acc, 0, d * sizeof *acc);
			if (t->syn1)
				k_hs(t, target, h, acc, alpha, &dots);
			if (neg)
				k_ns(t, target, neg, h, acc, alpha, &dots);
			k_axpy(h, acc, 1, d);
			k_axpy(sum, acc, 1, d);
		}
		k_spread(t, w, sum);
	}
	return dots;
}

/* CBOW: the mean over every row of every context word (own rows and n-grams alike, as
 * fastText pools them) predicts the centre word. */
EMB_TARGET_CLONES("arch=x86-64-v3", "default")
float emb_train_cbow_sub(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
			 uint64_t *rng, const struct scratch *sc)
{
	size_t d = t->dim;
	float *acc = sc->work, *neu1 = sc->work + d, dots = 0;

	np_start(t, sc->np, rng);
	for (size_t i = 0; i < n; i++) {
		uint32_t w = sen[i];
		size_t lo, hi;
		uint64_t cnt = 0;
		const uint32_t *neg;
		float scale;

		k_window(t, i, n, rng, &lo, &hi);
		neg = np_next(t, sc->np, rng);
		if (i + 1 + t->o.window < n) /* the word entering the next window */
			k_prefetch_word(t, sen[i + 1 + t->o.window]);
		if (lo == hi)
			continue;
		memset(neu1, 0, d * sizeof *neu1);
		for (size_t c = lo; c <= hi; c++) {
			uint32_t cw = sen[c];
			if (c == i)
				continue;
			k_axpy(neu1, t->syn0 + (size_t)cw * d, 1, d);
			for (uint64_t k = t->sub_off[cw]; k < t->sub_off[cw + 1]; k++)
				k_axpy(neu1, t->syn0 + (size_t)t->sub_ids[k] * d, 1, d);
			cnt += 1 + t->sub_off[cw + 1] - t->sub_off[cw];
		}
		scale = (float)(1.0 / (double)cnt);
		for (size_t j = 0; j < d; j++)
			neu1[j] *= scale;
		memset(acc, 0, d * sizeof *acc);
		if (t->syn1)
			k_hs(t, w, neu1, acc, alpha, &dots);
		if (neg)
			k_ns(t, w, neg, neu1, acc, alpha, &dots);
		for (size_t c = lo; c <= hi; c++)
			if (c != i)
				k_spread(t, sen[c], acc);
	}
	return dots;
}
