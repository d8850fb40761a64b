/*
 * emb_train: the word2vec training engine.  See emb_train.h for the contract.
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

#include "emb_train.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emb_out.h"
#include "emb_stream.h"
#include "internal.h"

#define MAX_EXP 6
#define SIG_N 2048
#define READ_IDS 65536          /* ids per read from the cache (256 KB) */
#define ALPHA_EVERY 10000       /* words between learning-rate updates (word2vec.c) */
#define CKPT_MAGIC "EMBTRCK1"

typedef float v8f __attribute__((vector_size(32)));

struct alias {
	uint32_t thr;   /* keep the bucket when the low 32 random bits are below */
	uint32_t other;
};

struct thread_state {
	uint64_t begin, end, pos;
	uint64_t rng;
	uint64_t words;            /* all words this thread processed, all epochs */
	uint32_t epoch;
};

struct worker {
	struct emb_trainer *t;
	struct thread_state *ts;
	const struct emb_train_corpus *corpus;
	struct emb_err err;
	int rc;
};

struct emb_trainer {
	struct emb_train_opts o;   /* training options (control fields unused) */
	size_t rows, dim;
	long padding;
	uint64_t *counts;
	float *syn0, *syn1neg, *syn1;
	uint8_t *frozen;
	uint32_t *keep;            /* sub-sampling: keep when a 32-bit random is below */
	struct alias *noise;
	/* Huffman codes: row r's path is code[off[r] .. off[r]+len[r]) / point[...] */
	uint8_t *code;
	uint32_t *point;
	uint64_t *code_off;
	uint8_t *code_len;
	float sig[SIG_N + 1];
	/* run state */
	unsigned nthreads;
	struct thread_state *ts;
	uint64_t total_words;      /* trainable words in the corpus (one epoch) */
	uint64_t corpus_size, corpus_digest;
	_Atomic uint64_t done_words;
	atomic_int halt;
	atomic_int running;
	uint64_t stop_after;
	double seconds;
	uint64_t run_words;
	const struct emb_vocab *vocab;
};

/* ---- random numbers ---- */

static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static inline uint32_t rng_below(uint64_t r, uint32_t n)
{
	return (uint32_t)(((r >> 32) * n) >> 32);
}

/* ---- kernels (inlined into the target_clones functions below) ---- */

#define VLOAD(v, p) memcpy(&(v), (p), sizeof(v8f))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(v8f))

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

static inline __attribute__((always_inline)) float k_sig_grad(const float *sig, float f, float label,
							     float alpha)
{
	if (f >= MAX_EXP)
		return (label - 1) * alpha;
	if (f <= -MAX_EXP)
		return label * alpha;
	return (label - sig[(int)((f + MAX_EXP) * ((float)SIG_N / (2 * MAX_EXP)))]) * alpha;
}

/* Hierarchical softmax along row w's Huffman path, input l1, gradient into acc. */
static inline __attribute__((always_inline)) void k_hs(const struct emb_trainer *t, uint32_t w,
						       const float *l1, float *acc, float alpha)
{
	const uint8_t *code = t->code + t->code_off[w];
	const uint32_t *point = t->point + t->code_off[w];
	size_t d = t->dim;

	for (unsigned j = 0; j < t->code_len[w]; j++) {
		float *l2 = t->syn1 + (size_t)point[j] * d;
		float f = k_dot(l1, l2, d);
		if (f <= -MAX_EXP || f >= MAX_EXP)
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
struct negpipe {
	unsigned head;
	uint64_t r[3][64];
	uint32_t row[3][64];
};

static inline __attribute__((always_inline)) void np_draw(const struct emb_trainer *t,
							  struct negpipe *p, unsigned s, uint64_t *rng)
{
	for (unsigned j = 0; j < t->o.negative; j++) {
		uint64_t r = rng_next(rng);
		p->r[s][j] = r;
		__builtin_prefetch(&t->noise[rng_below(r, (uint32_t)t->rows)]);
	}
}

static inline __attribute__((always_inline)) void np_resolve(const struct emb_trainer *t,
							     struct negpipe *p, unsigned s)
{
	for (unsigned j = 0; j < t->o.negative; j++) {
		uint64_t r = p->r[s][j];
		uint32_t b = rng_below(r, (uint32_t)t->rows);
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
						       float alpha)
{
	size_t d = t->dim;
	float *l2 = t->syn1neg + (size_t)w * d;

	k_update(acc, l2, l1, k_sig_grad(t->sig, k_dot(l1, l2, d), 1, alpha), d);
	for (unsigned j = 0; j < t->o.negative; j++) {
		if (neg[j] == w)
			continue;
		l2 = t->syn1neg + (size_t)neg[j] * d;
		k_update(acc, l2, l1, k_sig_grad(t->sig, k_dot(l1, l2, d), 0, alpha), d);
	}
}

/* Per-thread scratch: rows of floats (gradient, CBOW mean, or the batch matrices). */
struct scratch {
	float *work;
	struct negpipe *np;
};

/* The window of centre I, shrunk at random (word2vec.c: b = rand % window). */
static inline __attribute__((always_inline)) void k_window(const struct emb_trainer *t, size_t i,
							   size_t n, uint64_t *rng, size_t *lo, size_t *hi)
{
	size_t span = t->o.window - (size_t)(rng_next(rng) % t->o.window);

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
static void sg_sentence(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
			uint64_t *rng, const struct scratch *sc)
{
	size_t d = t->dim;
	float *acc = sc->work;
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
				k_hs(t, w, l1, acc, alpha);
			if (neg)
				k_ns(t, w, neg, l1, acc, alpha);
			if (!t->frozen || !t->frozen[cw])
				k_axpy(l1, acc, 1, d);
		}
	}
}

EMB_TARGET_CLONES("arch=x86-64-v3", "default")
static void cbow_sentence(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
			  uint64_t *rng, const struct scratch *sc)
{
	size_t d = t->dim;
	float *acc = sc->work, *neu1 = sc->work + d;

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
			k_hs(t, w, neu1, acc, alpha);
		if (neg)
			k_ns(t, w, neg, neu1, acc, alpha);
		for (size_t c = lo; c <= hi; c++)
			if (c != i && (!t->frozen || !t->frozen[sen[c]]))
				k_axpy(t->syn0 + (size_t)sen[c] * d, acc, 1, d);
	}
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
#define BMAX_IN 160   /* context positions of one group: B + 2*window */
#define BMAX_OUT 80   /* B + K */

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
static void sg_batch_sentence(const struct emb_trainer *t, const uint32_t *sen, size_t n,
			      float alpha, uint64_t *rng, const struct scratch *sc)
{
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
			uint64_t r = rng_next(rng);
			uint32_t b = rng_below(r, (uint32_t)t->rows);
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
}

/* ---- setup ---- */

static int build_noise(struct emb_trainer *t, struct emb_err *err)
{
	size_t n = t->rows, ns = 0, nl = 0;
	double *p = malloc(n * sizeof *p), sum = 0;
	size_t *small = malloc(n * sizeof *small), *large = malloc(n * sizeof *large);
	int rc = 0;

	t->noise = malloc(n * sizeof *t->noise);
	if (!p || !small || !large || !t->noise) {
		rc = emb_err_nomem(err, "building the noise distribution");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		sum += p[i] = t->counts[i] ? pow((double)t->counts[i], t->o.ns_exponent) : 0;
	/* Vose's alias method: each bucket keeps its own row with probability thr, else `other` */
	for (size_t i = 0; i < n; i++) {
		p[i] = p[i] * (double)n / sum;
		if (p[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		size_t s = small[--ns], l = large[nl - 1];
		t->noise[s].thr = (uint32_t)(p[s] * 4294967296.0);
		t->noise[s].other = (uint32_t)l;
		p[l] -= 1 - p[s];
		if (p[l] < 1) {
			nl--;
			small[ns++] = l;
		}
	}
	while (nl) {
		size_t l = large[--nl];
		t->noise[l] = (struct alias){ UINT32_MAX, (uint32_t)l };
	}
	while (ns) {   /* rounding leftovers: keep only if the row can be drawn at all */
		size_t s = small[--ns];
		t->noise[s] = (struct alias){ t->counts[s] ? UINT32_MAX : 0, (uint32_t)s };
	}
done:
	free(p);
	free(small);
	free(large);
	return rc;
}

struct hkey {
	uint64_t count;
	size_t row;
};

static int hkey_cmp(const void *a, const void *b)
{
	const struct hkey *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Huffman tree over the rows with a count (word2vec.c's two-queue build on sorted counts). */
static int build_huffman(struct emb_trainer *t, struct emb_err *err)
{
	size_t n = 0, rows = t->rows;
	size_t *leaf = malloc(rows * sizeof *leaf);
	uint64_t *cnt = NULL;
	size_t *parent = NULL;
	uint8_t *bin = NULL;
	uint64_t total_len = 0;
	int rc = 0;

	t->code_off = calloc(rows, sizeof *t->code_off);
	t->code_len = calloc(rows, sizeof *t->code_len);
	if (!leaf || !t->code_off || !t->code_len)
		goto nomem;
	for (size_t i = 0; i < rows; i++)
		if (t->counts[i])
			leaf[n++] = i;
	/* ascending by count, ties by row: a total order so the tree is deterministic */
	{
		struct hkey *k = malloc((n ? n : 1) * sizeof *k);
		if (!k)
			goto nomem;
		for (size_t i = 0; i < n; i++)
			k[i] = (struct hkey){ t->counts[leaf[i]], leaf[i] };
		qsort(k, n, sizeof *k, hkey_cmp);
		for (size_t i = 0; i < n; i++)
			leaf[i] = k[i].row;
		free(k);
	}
	if (n < 2)
		goto assign; /* one word: no internal node, nothing to learn */
	cnt = malloc((2 * n) * sizeof *cnt);
	parent = malloc((2 * n) * sizeof *parent);
	bin = calloc(2 * n, 1);
	if (!cnt || !parent || !bin)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		cnt[i] = t->counts[leaf[i]];
	{
		size_t a = 0, b = n; /* next leaf, next internal node */
		for (size_t m = n; m < 2 * n - 1; m++) {
			size_t x, y;
			x = (a < n && (b >= m || cnt[a] <= cnt[b])) ? a++ : b++;
			y = (a < n && (b >= m || cnt[a] <= cnt[b])) ? a++ : b++;
			cnt[m] = cnt[x] + cnt[y];
			parent[x] = parent[y] = m;
			bin[y] = 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		unsigned len = 0;
		for (size_t x = i; x != 2 * n - 2; x = parent[x])
			len++;
		if (len > 255) {
			rc = emb_err_set(err, EMB_ELIMIT, "Huffman code longer than 255 bits");
			goto done;
		}
		t->code_len[leaf[i]] = (uint8_t)len;
		total_len += len;
	}
	t->code = malloc(total_len ? total_len : 1);
	t->point = malloc((total_len ? total_len : 1) * sizeof *t->point);
	if (!t->code || !t->point)
		goto nomem;
	total_len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t r = leaf[i], len = t->code_len[r], k = len;
		t->code_off[r] = total_len;
		/* walk up from the leaf, filling root-first order backwards */
		for (size_t x = i; x != 2 * n - 2; x = parent[x]) {
			k--;
			t->code[total_len + k] = bin[x];
			t->point[total_len + k] = (uint32_t)(parent[x] - n); /* internal node -> syn1 row */
		}
		total_len += len;
	}
assign:
	if (!t->code) {
		t->code = malloc(1);
		t->point = malloc(sizeof *t->point);
		if (!t->code || !t->point)
			goto nomem;
	}
	goto done;
nomem:
	rc = emb_err_nomem(err, "building the Huffman tree");
done:
	free(leaf);
	free(cnt);
	free(parent);
	free(bin);
	return rc;
}

static void *alloc_matrix(size_t rows, size_t dim, bool zero)
{
	size_t n;
	void *p = NULL;

	if (!emb_mul_ok(rows ? rows : 1, dim, &n) || !emb_mul_ok(n, sizeof(float), &n))
		return NULL;
	n = (n + 63) & ~(size_t)63;
	if (posix_memalign(&p, 64, n))
		return NULL;
	if (zero)
		memset(p, 0, n);
	return p;
}

static void init_input(struct emb_trainer *t)
{
	uint64_t s = t->o.seed;
	size_t n = t->rows * t->dim;

	if (t->o.init == EMB_TRAIN_INIT_NORMAL) {
		for (size_t i = 0; i < n; i += 2) { /* Box-Muller */
			double u1 = ((double)(splitmix(&s) >> 11) + 1) * 0x1p-53;
			double u2 = (double)(splitmix(&s) >> 11) * 0x1p-53;
			double r = sqrt(-2 * log(u1));
			t->syn0[i] = (float)(r * cos(2 * M_PI * u2));
			if (i + 1 < n)
				t->syn0[i + 1] = (float)(r * sin(2 * M_PI * u2));
		}
	} else {
		for (size_t i = 0; i < n; i++)
			t->syn0[i] = (float)((((double)(splitmix(&s) >> 40) * 0x1p-24) - 0.5) / (double)t->dim);
	}
	if (t->padding >= 0)
		memset(t->syn0 + (size_t)t->padding * t->dim, 0, t->dim * sizeof(float));
}

static int check_opts(const struct emb_train_opts *o, struct emb_err *err)
{
	if (o->dim == 0 || o->dim > 100000)
		return emb_err_set(err, EMB_EINVAL, "--dim must be 1 to 100000");
	if (o->window == 0 || o->window > 64)
		return emb_err_set(err, EMB_EINVAL, "--window must be 1 to 64");
	if (o->negative == 0 && !o->hs)
		return emb_err_set(err, EMB_EINVAL, "--negative 0 needs --hs");
	if (o->negative > 64)
		return emb_err_set(err, EMB_EINVAL, "--negative must be at most 64");
	if (o->epochs == 0)
		return emb_err_set(err, EMB_EINVAL, "--epochs must be at least 1");
	if (o->threads == 0 || o->threads > 1024)
		return emb_err_set(err, EMB_EINVAL, "--threads must be 1 to 1024");
	if (o->batch > 16)
		return emb_err_set(err, EMB_EINVAL, "--batch must be 0 to 16");
	if (o->batch && (o->negative + o->batch > BMAX_OUT))
		return emb_err_set(err, EMB_EINVAL, "--batch with too many negatives");
	if (!(o->sample >= 0) || !(o->ns_exponent >= 0 && o->ns_exponent <= 10))
		return emb_err_set(err, EMB_EINVAL, "--sample and --ns-exponent must be non-negative");
	return 0;
}

static int trainer_alloc(struct emb_trainer **out, const uint64_t *counts, size_t rows,
			 const struct emb_train_opts *o, long padding, struct emb_err *err)
{
	struct emb_trainer *t;
	int rc;

	*out = NULL;
	if ((rc = check_opts(o, err)) < 0)
		return rc;
	if (rows == 0 || rows >= EMB_TRAIN_EOS)
		return emb_err_set(err, EMB_EINVAL, "the vocabulary is empty");
	if (!(t = calloc(1, sizeof *t)))
		return emb_err_nomem(err, "allocating the trainer");
	t->o = *o;
	t->o.stop = NULL;
	t->o.checkpoint = NULL;
	t->o.progress = NULL;
	t->o.progress_ctx = NULL;
	if (t->o.alpha < 0)
		t->o.alpha = o->model == EMB_TRAIN_CBOW ? 0.05 : 0.025;
	if (t->o.min_alpha < 0)
		t->o.min_alpha = t->o.alpha * 1e-4;
	t->rows = rows;
	t->dim = o->dim;
	t->padding = padding >= 0 && (size_t)padding < rows ? padding : -1;
	if (!(t->counts = malloc(rows * sizeof *t->counts)) ||
	    !(t->syn0 = alloc_matrix(rows, o->dim, true)) ||
	    !(t->keep = malloc(rows * sizeof *t->keep))) {
		emb_trainer_free(t);
		return emb_err_nomem(err, "allocating the vectors");
	}
	memcpy(t->counts, counts, rows * sizeof *counts);
	if (t->padding >= 0)
		t->counts[t->padding] = 0;
	if (o->negative && !(t->syn1neg = alloc_matrix(rows, o->dim, true))) {
		emb_trainer_free(t);
		return emb_err_nomem(err, "allocating the context vectors");
	}
	if (o->hs && !(t->syn1 = alloc_matrix(rows, o->dim, true))) {
		emb_trainer_free(t);
		return emb_err_nomem(err, "allocating the context vectors");
	}
	for (int i = 0; i <= SIG_N; i++) {
		double x = ((double)i / SIG_N * 2 - 1) * MAX_EXP;
		t->sig[i] = (float)(1 / (1 + exp(-x)));
	}
	atomic_init(&t->done_words, 0);
	atomic_init(&t->halt, 0);
	atomic_init(&t->running, 0);
	*out = t;
	return 0;
}

/* Tables derived from the counts (also after loading a checkpoint). */
static int trainer_derive(struct emb_trainer *t, struct emb_err *err)
{
	uint64_t total = 0;
	int rc;

	for (size_t i = 0; i < t->rows; i++)
		total += t->counts[i];
	if (total == 0)
		return emb_err_set(err, EMB_EFORMAT, "no word of the vocabulary has a count");
	for (size_t i = 0; i < t->rows; i++) {
		double c = (double)t->counts[i], thr = t->o.sample * (double)total, k;
		k = t->o.sample > 0 && c > 0 ? (sqrt(c / thr) + 1) * thr / c : 1;
		t->keep[i] = k >= 1 ? UINT32_MAX : (uint32_t)(k * 4294967296.0);
	}
	if (t->syn1neg && (rc = build_noise(t, err)) < 0)
		return rc;
	if (t->syn1 && (rc = build_huffman(t, err)) < 0)
		return rc;
	return 0;
}

int emb_trainer_new(struct emb_trainer **out, const uint64_t *counts, size_t rows,
		    const struct emb_train_opts *o, long padding, struct emb_err *err)
{
	struct emb_trainer *t;
	int rc;

	if ((rc = trainer_alloc(&t, counts, rows, o, padding, err)) < 0)
		return rc;
	init_input(t);
	if ((rc = trainer_derive(t, err)) < 0) {
		emb_trainer_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void emb_trainer_free(struct emb_trainer *t)
{
	if (!t)
		return;
	free(t->counts);
	free(t->syn0);
	free(t->syn1neg);
	free(t->syn1);
	free(t->frozen);
	free(t->keep);
	free(t->noise);
	free(t->code);
	free(t->point);
	free(t->code_off);
	free(t->code_len);
	free(t->ts);
	free(t);
}

float *emb_trainer_input(struct emb_trainer *t) { return t->syn0; }
const float *emb_trainer_output(const struct emb_trainer *t) { return t->syn1neg ? t->syn1neg : t->syn1; }
size_t emb_trainer_rows(const struct emb_trainer *t) { return t->rows; }
size_t emb_trainer_dim(const struct emb_trainer *t) { return t->dim; }
uint64_t emb_trainer_words(const struct emb_trainer *t) { return t->run_words; }
double emb_trainer_seconds(const struct emb_trainer *t) { return t->seconds; }
void emb_trainer_set_vocab(struct emb_trainer *t, const struct emb_vocab *v) { t->vocab = v; }

void emb_trainer_freeze(struct emb_trainer *t, size_t r)
{
	if (!t->frozen && !(t->frozen = calloc(t->rows, 1)))
		return; /* out of memory: the row trains; harmless */
	if (r < t->rows)
		t->frozen[r] = 1;
}

/* ---- threads ---- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The learning rate after DONE words (plus what other threads have not published yet). */
static float alpha_at(const struct emb_trainer *t, uint64_t done)
{
	double total = (double)t->total_words * t->o.epochs;
	double f = (double)done / (total + 1);
	double a = t->o.alpha - (t->o.alpha - t->o.min_alpha) * f;
	return (float)(a < t->o.min_alpha ? t->o.min_alpha : a);
}

static float current_alpha(const struct emb_trainer *t)
{
	return alpha_at(t, atomic_load_explicit(&t->done_words, memory_order_relaxed));
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct emb_trainer *t = wk->t;
	struct thread_state *ts = wk->ts;
	uint32_t *buf = malloc(READ_IDS * sizeof *buf);
	uint32_t *sen = malloc(EMB_TRAIN_MAX_SENTENCE * sizeof *sen);
	float *work = alloc_matrix(BMAX_IN + 2, t->dim, false);
	struct negpipe *np = malloc(sizeof *np);
	struct scratch sc = { work, np };
	uint64_t buf_pos = 0, pending = 0, seen = atomic_load(&t->done_words);
	size_t buf_len = 0;

	if (!buf || !sen || !work || !np) {
		wk->rc = emb_err_nomem(&wk->err, "allocating thread buffers");
		goto out;
	}
	while (ts->epoch < t->o.epochs) {
		size_t n = 0;

		if (atomic_load_explicit(&t->halt, memory_order_relaxed) ||
		    (t->stop_after && seen + pending >= t->stop_after))
			break;
		if (ts->pos >= ts->end) {
			ts->epoch++;
			ts->pos = ts->begin;
			continue;
		}
		/* one sentence: up to EOS, the slice end, or MAX kept words */
		while (ts->pos < ts->end) {
			uint32_t id;
			if (ts->pos < buf_pos || ts->pos >= buf_pos + buf_len) {
				if ((wk->rc = emb_train_corpus_read(wk->corpus, ts->pos, buf, READ_IDS,
								    &buf_len, &wk->err)) < 0)
					goto out;
				buf_pos = ts->pos;
				if (buf_len == 0) {
					ts->pos = ts->end;
					break;
				}
			}
			id = buf[ts->pos++ - buf_pos];
			if (id == EMB_TRAIN_EOS)
				break;
			pending++;
			ts->words++;
			if ((uint32_t)rng_next(&ts->rng) >= t->keep[id])
				continue;
			sen[n++] = id;
			if (n == EMB_TRAIN_MAX_SENTENCE)
				break;
		}
		if (n > 0) {
			/* from the words seen by this thread: with one thread, the exact schedule
			 * whatever the timing, so a resumed run repeats an uninterrupted one */
			float alpha = alpha_at(t, seen + pending);
			if (t->o.model == EMB_TRAIN_CBOW)
				cbow_sentence(t, sen, n, alpha, &ts->rng, &sc);
			else if (t->o.batch && t->syn1neg && !t->syn1)
				sg_batch_sentence(t, sen, n, alpha, &ts->rng, &sc);
			else
				sg_sentence(t, sen, n, alpha, &ts->rng, &sc);
		}
		if (pending >= ALPHA_EVERY) {
			seen = atomic_fetch_add_explicit(&t->done_words, pending, memory_order_relaxed) +
			       pending;
			pending = 0;
		}
	}
out:
	atomic_fetch_add_explicit(&t->done_words, pending, memory_order_relaxed);
	atomic_fetch_sub(&t->running, 1);
	free(buf);
	free(sen);
	free(work);
	free(np);
	return NULL;
}

/* Slice boundaries: N*i/T moved past the next EOS within a sentence's length (word2vec.c
 * starts a thread at a byte offset and reads on; we start at a sentence when one is near). */
static int slice_start(const struct emb_train_corpus *c, uint64_t at, uint64_t *start,
		       struct emb_err *err)
{
	uint32_t buf[EMB_TRAIN_MAX_SENTENCE];
	size_t got;
	int rc;

	*start = at;
	if (at == 0)
		return 0;
	if ((rc = emb_train_corpus_read(c, at - 1, buf, EMB_TRAIN_MAX_SENTENCE, &got, err)) < 0)
		return rc;
	for (size_t i = 0; i < got; i++)
		if (buf[i] == EMB_TRAIN_EOS) {
			*start = at - 1 + i + 1;
			return 0;
		}
	return 0;
}

static int plan_slices(struct emb_trainer *t, const struct emb_train_corpus *c, struct emb_err *err)
{
	uint64_t n = emb_train_corpus_size(c), seed = t->o.seed;
	unsigned T = t->o.threads;
	int rc;

	if (!(t->ts = calloc(T, sizeof *t->ts)))
		return emb_err_nomem(err, "allocating thread state");
	t->nthreads = T;
	for (unsigned i = 0; i < T; i++) {
		if ((rc = slice_start(c, n / T * i + (n % T) * i / T, &t->ts[i].begin, err)) < 0)
			return rc;
		t->ts[i].rng = splitmix(&seed) | 1;
	}
	for (unsigned i = 0; i < T; i++) {
		t->ts[i].end = i + 1 < T ? t->ts[i + 1].begin : n;
		if (t->ts[i].end < t->ts[i].begin)
			t->ts[i].end = t->ts[i].begin;
		t->ts[i].pos = t->ts[i].begin;
	}
	t->corpus_size = n;
	t->corpus_digest = emb_train_corpus_digest(c);
	return 0;
}

static void report(struct emb_trainer *t, const struct emb_train_opts *o, double t0,
		   uint64_t words0, bool done)
{
	struct emb_train_progress p;
	double total = (double)t->total_words * t->o.epochs;
	uint64_t w = atomic_load(&t->done_words);

	if (!o->progress)
		return;
	p.words = w;
	p.frac = total > 0 ? (double)w / total : 1;
	if (p.frac > 1)
		p.frac = 1;
	p.elapsed = now() - t0;
	p.threads = t->nthreads;
	p.words_per_sec = p.elapsed > 0 ? (double)(w - words0) / p.elapsed / t->nthreads : 0;
	p.alpha = current_alpha(t);
	p.eta = p.words_per_sec > 0 ? (total - (double)w) / (p.words_per_sec * t->nthreads) : 0;
	if (p.eta < 0 || done)
		p.eta = 0;
	p.done = done;
	o->progress(o->progress_ctx, &p);
}

int emb_trainer_run(struct emb_trainer *t, struct emb_train_corpus *corpus,
		    const struct emb_train_opts *o, struct emb_err *err)
{
	struct worker *wk = NULL;
	pthread_t *th = NULL;
	double t0 = now(), last_ckpt = t0, last_prog = 0;
	uint64_t words0;
	int rc = 0;

	if (!t->ts) {
		if ((rc = plan_slices(t, corpus, err)) < 0)
			return rc;
	} else if (t->corpus_size != emb_train_corpus_size(corpus) ||
		   t->corpus_digest != emb_train_corpus_digest(corpus)) {
		return emb_err_set(err, EMB_EFORMAT,
				   "the corpus is not the one the checkpoint was made from");
	}
	t->total_words = emb_train_corpus_stats(corpus)->kept;
	if (t->total_words == 0)
		return emb_err_set(err, EMB_EFORMAT, "no word of the corpus is in the vocabulary");
	words0 = atomic_load(&t->done_words);
	t->stop_after = o->stop_after_words ? words0 + o->stop_after_words : 0;
	wk = calloc(t->nthreads, sizeof *wk);
	th = calloc(t->nthreads, sizeof *th);
	if (!wk || !th) {
		rc = emb_err_nomem(err, "starting threads");
		goto done;
	}
	for (;;) {
		bool stopped = false, ckpt = false, finished = true;
		unsigned started = 0;

		atomic_store(&t->halt, 0);
		atomic_store(&t->running, (int)t->nthreads);
		for (unsigned i = 0; i < t->nthreads; i++) {
			wk[i] = (struct worker){ t, &t->ts[i], corpus, EMB_ERR_INIT, 0 };
			if (pthread_create(&th[i], NULL, worker_main, &wk[i]) != 0) {
				atomic_fetch_sub(&t->running, (int)(t->nthreads - i));
				atomic_store(&t->halt, 1);
				rc = emb_err_set(err, EMB_ENOMEM, "cannot start a thread: %s", strerror(errno));
				break;
			}
			started++;
		}
		while (atomic_load(&t->running) > 0) {
			struct timespec ns = { 0, 20 * 1000 * 1000 };
			double tn;
			nanosleep(&ns, NULL);
			tn = now();
			if (o->stop && *o->stop && !stopped) {
				stopped = true;
				atomic_store(&t->halt, 1);
			}
			if (o->checkpoint && o->checkpoint_every > 0 && tn - last_ckpt >= o->checkpoint_every &&
			    !ckpt) {
				ckpt = true;
				atomic_store(&t->halt, 1);
			}
			if (tn - last_prog >= (o->progress_every > 0 ? o->progress_every : 0.25)) {
				report(t, o, t0, words0, false);
				last_prog = tn;
			}
		}
		for (unsigned i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		if (rc < 0)
			goto done;
		for (unsigned i = 0; i < t->nthreads; i++) {
			if (wk[i].rc < 0) {
				*err = wk[i].err;
				rc = wk[i].rc;
				goto done;
			}
			if (t->ts[i].epoch < t->o.epochs)
				finished = false;
		}
		if (finished)
			break;
		if ((o->stop && *o->stop) || t->stop_after)
			stopped = true;
		if ((ckpt || stopped) && o->checkpoint) {
			if ((rc = emb_trainer_save_state(t, o->checkpoint, err)) < 0)
				goto done;
			last_ckpt = now();
		}
		if (stopped) {
			if (o->checkpoint)
				rc = emb_err_set(err, EMB_EINTR, "interrupted; state saved in '%s'",
						 o->checkpoint);
			else
				rc = emb_err_set(err, EMB_EINTR, "interrupted");
			goto done;
		}
	}
	report(t, o, t0, words0, true);
done:
	t->seconds = now() - t0;
	t->run_words = atomic_load(&t->done_words) - words0;
	free(wk);
	free(th);
	return rc;
}

/* ---- checkpoints ---- */

struct ckpt_head {
	char magic[8];
	uint64_t dim, model, negative, hs, window, epochs, threads, seed, init, batch;
	double ns_exponent, sample, alpha, min_alpha;
	int64_t padding;
	uint64_t rows, corpus_size, corpus_digest, done_words, frozen;
};

static int put(struct emb_out *out, const void *p, size_t n, struct emb_err *err)
{
	return emb_out_write(out, p, n, err);
}

int emb_trainer_save_state(const struct emb_trainer *t, const char *path, struct emb_err *err)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_out *out = NULL;
	struct ckpt_head h;
	size_t mat = t->rows * t->dim * sizeof(float);
	int rc;

	if (!t->vocab || !t->ts)
		return emb_err_set(err, EMB_EINVAL, "nothing to checkpoint yet");
	h = (struct ckpt_head){ CKPT_MAGIC, t->dim, (uint64_t)t->o.model, t->o.negative, t->o.hs,
		t->o.window, t->o.epochs, t->nthreads, t->o.seed, (uint64_t)t->o.init, t->o.batch,
		t->o.ns_exponent, t->o.sample, t->o.alpha, t->o.min_alpha, t->padding, t->rows,
		t->corpus_size, t->corpus_digest, atomic_load(&((struct emb_trainer *)t)->done_words),
		t->frozen != NULL };
	oo.flags = EMB_OUT_NO_GZ_NAME;
	oo.level = 0;
	if ((rc = emb_out_open(&out, path, &oo, err)) < 0)
		return rc;
	if ((rc = put(out, &h, sizeof h, err)) < 0)
		goto fail;
	for (size_t i = 0; i < t->rows; i++) {
		size_t len;
		const char *tok = emb_vocab_token(t->vocab, i, &len);
		uint32_t l32 = (uint32_t)len;
		if ((rc = put(out, &l32, 4, err)) < 0 || (rc = put(out, tok, len, err)) < 0 ||
		    (rc = put(out, &t->counts[i], 8, err)) < 0)
			goto fail;
	}
	if ((t->frozen && (rc = put(out, t->frozen, t->rows, err)) < 0) ||
	    (rc = put(out, t->syn0, mat, err)) < 0 ||
	    (t->syn1neg && (rc = put(out, t->syn1neg, mat, err)) < 0) ||
	    (t->syn1 && (rc = put(out, t->syn1, mat, err)) < 0) ||
	    (rc = put(out, t->ts, t->nthreads * sizeof *t->ts, err)) < 0)
		goto fail;
	return emb_out_commit(out, err);
fail:
	emb_out_abort(out);
	return rc;
}

int emb_trainer_load_state(struct emb_trainer **out, struct emb_vocab **vocab,
			   struct emb_train_opts *o, long *padding, const char *path,
			   struct emb_err *err)
{
	struct emb_stream *in = NULL;
	struct emb_trainer *t = NULL;
	struct emb_vocab *v = NULL;
	struct emb_train_opts to = *o;
	struct ckpt_head h;
	uint64_t *counts = NULL;
	char *tok = NULL;
	size_t mat;
	int rc;

	*out = NULL;
	*vocab = NULL;
	if ((rc = emb_stream_open(&in, path, err)) < 0)
		return rc;
	if ((rc = emb_stream_read_full(in, &h, sizeof h, err)) != 0 || memcmp(h.magic, CKPT_MAGIC, 8) != 0 ||
	    h.rows == 0 || h.rows >= EMB_TRAIN_EOS || h.threads == 0 || h.threads > 1024 ||
	    h.dim == 0 || h.dim > 100000) {
		rc = emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0, "not an embtrain checkpoint");
		goto done;
	}
	to.dim = h.dim;
	to.model = (int)h.model;
	to.negative = (unsigned)h.negative;
	to.hs = h.hs != 0;
	to.window = (unsigned)h.window;
	to.epochs = (unsigned)h.epochs;
	to.threads = (unsigned)h.threads;
	to.seed = h.seed;
	to.init = (int)h.init;
	to.batch = (unsigned)h.batch;
	to.ns_exponent = h.ns_exponent;
	to.sample = h.sample;
	to.alpha = h.alpha;
	to.min_alpha = h.min_alpha;
	if (!(counts = malloc(h.rows * sizeof *counts)) || !(tok = malloc(1 << 20))) {
		rc = emb_err_nomem(err, "loading a checkpoint");
		goto done;
	}
	if ((rc = emb_vocab_new(&v, err)) < 0)
		goto done;
	for (uint64_t i = 0; i < h.rows; i++) {
		uint32_t len;
		if ((rc = emb_stream_read_full(in, &len, 4, err)) != 0 || len >= (1 << 20) ||
		    (rc = emb_stream_read_full(in, tok, len, err)) != 0 ||
		    (rc = emb_stream_read_full(in, &counts[i], 8, err)) != 0 ||
		    (rc = emb_vocab_add(v, tok, len, counts[i], NULL, err)) != 0)
			goto bad;
	}
	if ((rc = trainer_alloc(&t, counts, (size_t)h.rows, &to, (long)h.padding, err)) < 0)
		goto done;
	mat = t->rows * t->dim * sizeof(float);
	if (h.frozen) {
		emb_trainer_freeze(t, t->rows);
		if (!t->frozen || (rc = emb_stream_read_full(in, t->frozen, t->rows, err)) != 0)
			goto bad;
	}
	if ((rc = emb_stream_read_full(in, t->syn0, mat, err)) != 0 ||
	    (t->syn1neg && (rc = emb_stream_read_full(in, t->syn1neg, mat, err)) != 0) ||
	    (t->syn1 && (rc = emb_stream_read_full(in, t->syn1, mat, err)) != 0))
		goto bad;
	if (!(t->ts = calloc(h.threads, sizeof *t->ts))) {
		rc = emb_err_nomem(err, "loading a checkpoint");
		goto done;
	}
	t->nthreads = (unsigned)h.threads;
	if ((rc = emb_stream_read_full(in, t->ts, t->nthreads * sizeof *t->ts, err)) != 0)
		goto bad;
	t->corpus_size = h.corpus_size;
	t->corpus_digest = h.corpus_digest;
	atomic_store(&t->done_words, h.done_words);
	if ((rc = trainer_derive(t, err)) < 0)
		goto done;
	rc = emb_stream_close(in, err);
	in = NULL;
	if (rc < 0)
		goto done;
	to.stop = o->stop;
	to.checkpoint = o->checkpoint;
	to.checkpoint_every = o->checkpoint_every;
	to.progress = o->progress;
	to.progress_ctx = o->progress_ctx;
	to.progress_every = o->progress_every;
	*o = to;
	*padding = t->padding;
	*out = t;
	*vocab = v;
	t = NULL;
	v = NULL;
	goto done;
bad:
	if (rc >= 0 || err->code == 0)
		rc = emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
				    "damaged embtrain checkpoint");
done:
	emb_stream_abort(in);
	emb_trainer_free(t);
	emb_vocab_free(v);
	free(counts);
	free(tok);
	return rc;
}
