/*
 * emb_knn: exact top-k search by cosine similarity.  See emb_knn.h.
 *
 * Why two paths: the work of Q queries against N rows of D floats is 2QND flops over 4ND bytes.
 * For one to a few queries that is memory-bound, so one fused pass computes every dot product
 * and the row's own norm as it streams the row (no norm pre-pass, the table is read once).  For
 * a batch it is compute-bound, so it becomes a matrix product: the inverse row norms are
 * computed once into a side array (the table may be a read-only mapping), then each thread
 * takes a contiguous run of row tiles and multiplies every tile by a block of queries with a
 * single-threaded sgemm (OpenBLAS threads inside our threads would oversubscribe the cores).
 *
 * Top-k: each query keeps a min-heap of its k best (score, row) pairs per thread; a score is
 * only looked at closely when a vectorised check finds it can beat the heap's worst, which
 * after the first few tiles is rare.  The per-thread heaps are merged and sorted at the end.
 * Tile boundaries are fixed multiples of TILE_ROWS whatever the thread count, so the numbers
 * do not depend on --threads.
 */
#include "emb_knn.h"

#include <assert.h>
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef TILE_ROWS
#define TILE_ROWS 512   /* table rows per sgemm: the tile stays in L2 across query blocks */
#endif
#ifndef QBLOCK
#define QBLOCK 256      /* query vectors per sgemm */
#endif
#define SCAN_MAX 4      /* at most this many query vectors: one fused pass, no sgemm */
#define SCAN_CHUNK 256  /* rows the fused pass scores before they are pushed */
#define MAX_THREADS 64
#define COSMUL_EPS 0.000001f

struct emb_knn {
	const float *data;
	size_t rows, dim, limit;
	int threads;
	float *inv;    /* 1/|row|, 0 for a zero row; the first `normed` rows are valid */
	size_t normed;
};

typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));

/* The helpers below are always inlined into the target clones, so no vector crosses a call. */
#pragma GCC diagnostic ignored "-Wpsabi"

/* An unaligned load as a macro: clang refuses a function returning a 64-byte vector without
 * avx512f ("changes the ABI") even when it is always inlined. */
typedef float v16f_u __attribute__((vector_size(64), aligned(4), may_alias));
#define load16(p) (*(const v16f_u *)(const void *)(p))

static inline __attribute__((always_inline)) float hsum16(const v16f *v)
{
	float s = 0;
	for (int i = 0; i < 16; i++)
		s += (*v)[i];
	return s;
}

/* ---- heaps: the root is the worst kept hit ---- */

static inline bool worse(float s1, size_t r1, float s2, size_t r2)
{
	return s1 < s2 || (s1 == s2 && r1 > r2);
}

struct qheap {
	struct emb_knn_hit *h;
	size_t n, k;
	float thr;              /* candidates below this cannot enter */
	const size_t *excl;
	size_t nexcl;
};

static void heap_push(struct qheap *q, float s, size_t r)
{
	struct emb_knn_hit *h = q->h;
	size_t i, c;

	for (i = 0; i < q->nexcl; i++)
		if (q->excl[i] == r)
			return;
	if (q->n < q->k) {
		i = q->n++;
		while (i > 0) {
			size_t p = (i - 1) / 2;
			if (!worse(s, r, h[p].score, h[p].row))
				break;
			h[i] = h[p];
			i = p;
		}
	} else {
		if (!worse(h[0].score, h[0].row, s, r))
			return;
		i = 0;
		for (;;) {
			c = 2 * i + 1;
			if (c >= q->k)
				break;
			if (c + 1 < q->k && worse(h[c + 1].score, h[c + 1].row, h[c].score, h[c].row))
				c++;
			if (!worse(h[c].score, h[c].row, s, r))
				break;
			h[i] = h[c];
			i = c;
		}
	}
	h[i].score = s;
	h[i].row = r;
	if (q->n == q->k)
		q->thr = h[0].score;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct emb_knn_hit *x = a, *y = b;

	if (worse(x->score, x->row, y->score, y->row))
		return 1;
	if (worse(y->score, y->row, x->score, x->row))
		return -1;
	return 0;
}

/* ---- kernels ---- */

/* Push the scores s[0..n) of rows r0.. : a vector check skips chunks none of which can enter. */
EMB_TARGET_CLONES("avx512f", "avx2", "default")
static void push_scores(struct qheap *q, const float *s, size_t r0, size_t n)
{
	size_t t = 0;

	for (; t + 64 <= n; t += 64) {
		v16f thr = q->thr - (v16f){ 0 };
		v16i any = (load16(s + t) >= thr) | (load16(s + t + 16) >= thr) |
			   (load16(s + t + 32) >= thr) | (load16(s + t + 48) >= thr);
		int32_t m = 0;
		for (int i = 0; i < 16; i++)
			m |= any[i];
		if (!m)
			continue;
		for (size_t u = t; u < t + 64; u++)
			if (s[u] >= q->thr)
				heap_push(q, s[u], r0 + u);
	}
	for (; t < n; t++)
		if (s[t] >= q->thr)
			heap_push(q, s[t], r0 + t);
}

/* c[t] *= inv[t]: sgemm's dot products become cosines. */
EMB_TARGET_CLONES("avx512f", "avx2", "default")
static void scale_rows(float *c, const float *inv, size_t n)
{
	size_t t = 0;

	for (; t + 16 <= n; t += 16) {
		v16f v = load16(c + t) * load16(inv + t);
		memcpy(c + t, &v, sizeof v);
	}
	for (; t < n; t++)
		c[t] *= inv[t];
}

/*
 * One pass over rows [lo, hi): out[j * SCAN_CHUNK + (r - lo)] = dot(row r, q_j) / |row r| for
 * the m <= SCAN_MAX query vectors, and inv[r - lo] = 1 / |row r| when inv is not NULL.
 */
EMB_TARGET_CLONES("avx512f", "avx2", "default")
static void scan_rows(const float *data, size_t dim, size_t lo, size_t hi, const float *q,
		      size_t m, float *out, float *inv)
{
	for (size_t r = lo; r < hi; r++) {
		const float *x = data + r * dim;
		v16f acc[SCAN_MAX] = { { 0 } }, accn = { 0 };
		float dot[SCAN_MAX] = { 0 }, nn = 0;
		size_t d = 0;

		for (; d + 16 <= dim; d += 16) {
			v16f v = load16(x + d);
			accn += v * v;
			for (size_t j = 0; j < m; j++)
				acc[j] += v * load16(q + j * dim + d);
		}
		nn = hsum16(&accn);
		for (size_t j = 0; j < m; j++)
			dot[j] = hsum16(&acc[j]);
		for (; d < dim; d++) {
			nn += x[d] * x[d];
			for (size_t j = 0; j < m; j++)
				dot[j] += x[d] * q[j * dim + d];
		}
		float iv = nn > 0 && isfinite(nn) ? (float)(1.0 / sqrt((double)nn)) : 0.0f;
		if (inv)
			inv[r - lo] = iv;
		for (size_t j = 0; j < m; j++)
			out[j * SCAN_CHUNK + (r - lo)] = dot[j] * iv;
	}
}

/* 3CosMul from the g cosines of each row (positives first), in place into c[0..n). */
static void cosmul_rows(float *c, size_t stride, size_t n, size_t npos, size_t nneg)
{
	for (size_t t = 0; t < n; t++) {
		float p = 1.0f, d = 1.0f;
		for (size_t j = 0; j < npos; j++)
			p *= (1.0f + c[j * stride + t]) / 2.0f;
		for (size_t j = 0; j < nneg; j++)
			d *= (1.0f + c[(npos + j) * stride + t]) / 2.0f;
		c[t] = p / (d + COSMUL_EPS);
	}
}

/* ---- threads ---- */

enum { JOB_NORMS, JOB_SCAN, JOB_GEMM };

struct job {
	int kind;
	const struct emb_knn *ix;
	const struct emb_knn_batch *b;
	size_t g, k;
	size_t lo, hi;          /* rows */
	struct qheap *heaps;    /* b->nq of them */
	float *inv;             /* JOB_NORMS: where row lo's inverse norm goes */
	float *buf;
};

static void job_scan(struct job *j)
{
	const struct emb_knn *ix = j->ix;
	size_t g = j->g, nq = j->b->nq;

	for (size_t r = j->lo; r < j->hi; r += SCAN_CHUNK) {
		size_t n = j->hi - r < SCAN_CHUNK ? j->hi - r : SCAN_CHUNK;
		scan_rows(ix->data, ix->dim, r, r + n, j->b->q, nq * g, j->buf, NULL);
		for (size_t i = 0; i < nq; i++) {
			float *c = j->buf + i * g * SCAN_CHUNK;
			if (j->b->method == EMB_KNN_COSMUL)
				cosmul_rows(c, SCAN_CHUNK, n, j->b->npos, j->b->nneg);
			push_scores(&j->heaps[i], c, r, n);
		}
	}
}

static void job_norms(struct job *j)
{
	float dummy[SCAN_CHUNK];

	for (size_t r = j->lo; r < j->hi; r += SCAN_CHUNK) {
		size_t n = j->hi - r < SCAN_CHUNK ? j->hi - r : SCAN_CHUNK;
		scan_rows(j->ix->data, j->ix->dim, r, r + n, NULL, 0, dummy, j->inv + (r - j->lo));
	}
}

static void job_gemm(struct job *j)
{
	const struct emb_knn *ix = j->ix;
	const struct emb_knn_batch *b = j->b;
	size_t g = j->g, dim = ix->dim;
	size_t per = QBLOCK / g > 0 ? QBLOCK / g : 1; /* queries per block */

	for (size_t t0 = j->lo; t0 < j->hi; t0 += TILE_ROWS) {
		size_t tn = j->hi - t0 < TILE_ROWS ? j->hi - t0 : TILE_ROWS;
		for (size_t q0 = 0; q0 < b->nq; q0 += per) {
			size_t qn = b->nq - q0 < per ? b->nq - q0 : per;
			size_t mb = qn * g;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)mb, (blasint)tn,
				    (blasint)dim, 1.0f, b->q + q0 * g * dim, (blasint)dim,
				    ix->data + t0 * dim, (blasint)dim, 0.0f, j->buf, (blasint)tn);
			for (size_t v = 0; v < mb; v++)
				scale_rows(j->buf + v * tn, ix->inv + t0, tn);
			for (size_t i = 0; i < qn; i++) {
				float *c = j->buf + i * g * tn;
				if (b->method == EMB_KNN_COSMUL)
					cosmul_rows(c, tn, tn, b->npos, b->nneg);
				push_scores(&j->heaps[q0 + i], c, t0, tn);
			}
		}
	}
}

static void *job_run(void *arg)
{
	struct job *j = arg;

	switch (j->kind) {
	case JOB_NORMS: job_norms(j); break;
	case JOB_SCAN: job_scan(j); break;
	default: job_gemm(j); break;
	}
	return NULL;
}

/* Run jobs[0..n) on n threads (the first in the caller's); EMB_ENOMEM if none could start. */
static int run_jobs(struct job *jobs, int n, struct emb_err *err)
{
	pthread_t tid[MAX_THREADS];
	bool started[MAX_THREADS] = { false };

	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, job_run, &jobs[i]) == 0;
	job_run(&jobs[0]);
	for (int i = 1; i < n; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			job_run(&jobs[i]); /* no thread to be had: do its share here */
	}
	(void)err;
	return 0;
}

/* Split rows [lo, hi) into at most nthreads runs of whole tiles. */
static int split_rows(struct job *jobs, int nthreads, size_t lo, size_t hi)
{
	size_t tiles = (hi - lo + TILE_ROWS - 1) / TILE_ROWS;
	int n = (size_t)nthreads < tiles ? nthreads : (int)(tiles ? tiles : 1);

	for (int i = 0; i < n; i++) {
		size_t a = lo + tiles * (size_t)i / (size_t)n * TILE_ROWS;
		size_t z = lo + tiles * (size_t)(i + 1) / (size_t)n * TILE_ROWS;
		jobs[i].lo = a < hi ? a : hi;
		jobs[i].hi = z < hi ? z : hi;
	}
	return n;
}

static int ensure_norms(struct emb_knn *ix, struct emb_err *err)
{
	struct job jobs[MAX_THREADS];
	int n;

	if (ix->normed >= ix->limit)
		return 0;
	if (!ix->inv && !(ix->inv = malloc(ix->rows * sizeof *ix->inv)))
		return emb_err_nomem(err, "computing row norms");
	memset(jobs, 0, sizeof jobs);
	n = split_rows(jobs, ix->threads, ix->normed, ix->limit);
	for (int i = 0; i < n; i++) {
		jobs[i].kind = JOB_NORMS;
		jobs[i].ix = ix;
		jobs[i].inv = ix->inv + jobs[i].lo;
	}
	run_jobs(jobs, n, err);
	ix->normed = ix->limit;
	return 0;
}

/* ---- public ---- */

int emb_knn_new(struct emb_knn **out, const float *data, size_t rows, size_t dim, int threads,
		struct emb_err *err)
{
	struct emb_knn *ix;
	size_t bytes;

	*out = NULL;
	if (!emb_mul_ok(rows, dim, &bytes) || !emb_mul_ok(bytes, sizeof(float), &bytes) ||
	    dim > INT32_MAX / QBLOCK)
		return emb_err_set(err, EMB_ELIMIT, "table of %zu x %zu is too large to search",
				   rows, dim);
	if (!(ix = calloc(1, sizeof *ix)))
		return emb_err_nomem(err, "creating a search index");
	if (threads <= 0)
		threads = emb_online_cpus(MAX_THREADS);
	ix->threads = threads > MAX_THREADS ? MAX_THREADS : threads;
	ix->data = data;
	ix->rows = ix->limit = rows;
	ix->dim = dim;
	openblas_set_num_threads(1);
	*out = ix;
	return 0;
}

void emb_knn_free(struct emb_knn *ix)
{
	if (!ix)
		return;
	free(ix->inv);
	free(ix);
}

void emb_knn_restrict(struct emb_knn *ix, size_t n)
{
	ix->limit = n && n < ix->rows ? n : ix->rows;
	if (ix->normed > ix->limit)
		ix->normed = ix->limit;
}

int emb_knn_search(struct emb_knn *ix, const struct emb_knn_batch *b, struct emb_knn_hit *hits,
		   size_t *nhits, struct emb_err *err)
{
	struct job jobs[MAX_THREADS];
	struct qheap *heaps = NULL;
	struct emb_knn_hit *store = NULL;
	size_t g, k, m, per_thread, cells;
	int n, rc = 0;
	bool scan;

	if (!b->k)
		return emb_err_set(err, EMB_EINVAL, "the number of neighbours must be at least 1");
	if (b->method == EMB_KNN_COSMUL ? b->npos == 0 : b->method != EMB_KNN_COSINE)
		return emb_err_set(err, EMB_EINVAL, "a 3CosMul query needs a positive vector");
	if (!b->nq)
		return 0;
	g = b->method == EMB_KNN_COSMUL ? b->npos + b->nneg : 1;
	k = b->k < ix->limit ? b->k : ix->limit;
	m = b->nq * g;
	scan = m <= SCAN_MAX;
	if (!scan && (rc = ensure_norms(ix, err)) < 0)
		return rc;

	memset(jobs, 0, sizeof jobs);
	n = split_rows(jobs, ix->threads, 0, ix->limit);
	per_thread = b->nq * (k ? k : 1);
	if (!emb_mul_ok(per_thread, (size_t)n, &cells) ||
	    !(store = malloc(cells * sizeof *store)) ||
	    !(heaps = calloc(b->nq * (size_t)n, sizeof *heaps))) {
		rc = emb_err_nomem(err, "searching");
		goto done;
	}
	for (int t = 0; t < n; t++) {
		struct job *j = &jobs[t];
		size_t bufn = scan ? m * SCAN_CHUNK : (size_t)QBLOCK * g * TILE_ROWS;
		j->kind = scan ? JOB_SCAN : JOB_GEMM;
		j->ix = ix;
		j->b = b;
		j->g = g;
		j->k = k;
		j->heaps = heaps + (size_t)t * b->nq;
		for (size_t i = 0; i < b->nq; i++) {
			struct qheap *q = &j->heaps[i];
			q->h = store + ((size_t)t * b->nq + i) * k;
			q->k = k;
			q->thr = k ? -INFINITY : INFINITY;
			q->excl = b->exclude ? b->exclude + i * b->nexclude : NULL;
			q->nexcl = b->exclude ? b->nexclude : 0;
		}
		if (!(j->buf = malloc(bufn * sizeof *j->buf))) {
			rc = emb_err_nomem(err, "searching");
			goto done;
		}
	}
	run_jobs(jobs, n, err);

	for (size_t i = 0; i < b->nq; i++) {
		struct qheap *q0 = &heaps[i];
		for (int t = 1; t < n; t++) {
			struct qheap *qt = &heaps[(size_t)t * b->nq + i];
			for (size_t e = 0; e < qt->n; e++)
				heap_push(q0, qt->h[e].score, qt->h[e].row);
		}
		qsort(q0->h, q0->n, sizeof *q0->h, hit_cmp);
		memcpy(hits + i * b->k, q0->h, q0->n * sizeof *q0->h);
		nhits[i] = q0->n;
	}
done:
	for (int t = 0; t < MAX_THREADS; t++)
		free(jobs[t].buf);
	free(heaps);
	free(store);
	return rc;
}

double emb_knn_unit(float *dst, const float *src, size_t dim)
{
	double ss = 0, norm;

	for (size_t d = 0; d < dim; d++)
		ss += (double)src[d] * src[d];
	norm = sqrt(ss);
	for (size_t d = 0; d < dim; d++)
		dst[d] = norm > 0 ? (float)(src[d] / norm) : src[d];
	return norm;
}

size_t emb_knn_analogy(float *dst, const float *u, size_t dim, int method)
{
	if (method == EMB_KNN_COSMUL) {
		memcpy(dst, u + dim, 2 * dim * sizeof *dst);
		memcpy(dst + 2 * dim, u, dim * sizeof *dst);
		return 3;
	}
	for (size_t d = 0; d < dim; d++)
		dst[d] = u[dim + d] + u[2 * dim + d] - u[d];
	emb_knn_unit(dst, dst, dim);
	return 1;
}

double emb_knn_cosine(const float *a, const float *b, size_t dim)
{
	double ab = 0, aa = 0, bb = 0;

	for (size_t d = 0; d < dim; d++) {
		ab += (double)a[d] * b[d];
		aa += (double)a[d] * a[d];
		bb += (double)b[d] * b[d];
	}
	if (aa == 0 || bb == 0)
		return 0;
	return ab / (sqrt(aa) * sqrt(bb));
}

/* ---- queue ---- */

/* Queries a batch: enough that each tile of the table is multiplied by many of them while it
 * is in cache, few enough that their k hits each stay small. */
#define QUEUE_MAX 1024
#define QUEUE_HITS ((size_t)1 << 22)

struct emb_knn_queue {
	struct emb_knn *ix;
	struct emb_knn_batch b;
	size_t g, cap, n;
	float *vec;             /* cap * g * dim */
	size_t *excl, nexcl, excl_cap;  /* every query's exclusions, one after another */
	size_t *excl_at;        /* cap + 1 offsets into excl */
	size_t *padded;         /* the exclusions as emb_knn_batch wants them */
	struct emb_knn_hit *hits;
	size_t *nhits;
	bool searched;
};

int emb_knn_queue_new(struct emb_knn_queue **out, struct emb_knn *ix, int method, size_t npos,
		      size_t nneg, size_t k, size_t cap, struct emb_err *err)
{
	struct emb_knn_queue *qq;
	size_t dim = ix->dim ? ix->dim : 1, cells;

	*out = NULL;
	if (!k)
		return emb_err_set(err, EMB_EINVAL, "the number of neighbours must be at least 1");
	if (!cap) {
		cap = QUEUE_HITS / k;
		cap = cap < 1 ? 1 : cap > QUEUE_MAX ? QUEUE_MAX : cap;
	}
	if (!(qq = calloc(1, sizeof *qq)))
		return emb_err_nomem(err, "creating a query queue");
	qq->ix = ix;
	qq->b.method = method;
	qq->b.npos = method == EMB_KNN_COSMUL ? npos : 1;
	qq->b.nneg = method == EMB_KNN_COSMUL ? nneg : 0;
	qq->b.k = k;
	qq->g = method == EMB_KNN_COSMUL ? npos + nneg : 1;
	qq->cap = cap;
	if (!emb_mul_ok(cap * qq->g, dim, &cells) || !emb_mul_ok(cap, k, &cells)) {
		free(qq);
		return emb_err_set(err, EMB_ELIMIT, "a batch of %zu queries is too large", cap);
	}
	if (!(qq->vec = malloc(cap * qq->g * dim * sizeof *qq->vec)) ||
	    !(qq->excl_at = calloc(cap + 1, sizeof *qq->excl_at)) ||
	    !(qq->hits = malloc(cap * k * sizeof *qq->hits)) ||
	    !(qq->nhits = calloc(cap, sizeof *qq->nhits))) {
		emb_knn_queue_free(qq);
		return emb_err_nomem(err, "creating a query queue");
	}
	*out = qq;
	return 0;
}

void emb_knn_queue_free(struct emb_knn_queue *qq)
{
	if (!qq)
		return;
	free(qq->vec);
	free(qq->excl);
	free(qq->excl_at);
	free(qq->padded);
	free(qq->hits);
	free(qq->nhits);
	free(qq);
}

float *emb_knn_queue_slot(struct emb_knn_queue *qq)
{
	assert(qq->n < qq->cap && !qq->searched);
	return qq->vec + qq->n * qq->g * qq->ix->dim;
}

int emb_knn_queue_add(struct emb_knn_queue *qq, const size_t *excl, size_t nexcl,
		      struct emb_err *err)
{
	size_t need = qq->nexcl + nexcl;

	assert(qq->n < qq->cap && !qq->searched);
	if (need > qq->excl_cap) {
		size_t cap = qq->excl_cap ? qq->excl_cap : 64;
		size_t *p;
		while (cap < need)
			cap *= 2;
		if (!(p = realloc(qq->excl, cap * sizeof *p)))
			return emb_err_nomem(err, "queueing a query");
		qq->excl = p;
		qq->excl_cap = cap;
	}
	if (nexcl)
		memcpy(qq->excl + qq->nexcl, excl, nexcl * sizeof *excl);
	qq->nexcl = need;
	qq->excl_at[++qq->n] = need;
	return qq->n == qq->cap;
}

int emb_knn_queue_run(struct emb_knn_queue *qq, struct emb_err *err)
{
	size_t width = 0, cells;

	if (qq->searched || !qq->n)
		return 0;
	for (size_t i = 0; i < qq->n; i++)
		if (qq->excl_at[i + 1] - qq->excl_at[i] > width)
			width = qq->excl_at[i + 1] - qq->excl_at[i];
	free(qq->padded);
	qq->padded = NULL;
	if (width) {
		if (!emb_mul_ok(qq->n, width, &cells) || !(qq->padded = malloc(cells * sizeof *qq->padded)))
			return emb_err_nomem(err, "searching");
		for (size_t i = 0; i < qq->n; i++) {
			size_t a = qq->excl_at[i], z = qq->excl_at[i + 1];
			for (size_t j = 0; j < width; j++)
				qq->padded[i * width + j] = a + j < z ? qq->excl[a + j] : EMB_KNN_NONE;
		}
	}
	qq->b.q = qq->vec;
	qq->b.nq = qq->n;
	qq->b.exclude = qq->padded;
	qq->b.nexclude = width;
	qq->searched = true;
	return emb_knn_search(qq->ix, &qq->b, qq->hits, qq->nhits, err);
}

size_t emb_knn_queue_len(const struct emb_knn_queue *qq)
{
	return qq->n;
}

size_t emb_knn_queue_cap(const struct emb_knn_queue *qq)
{
	return qq->cap;
}

bool emb_knn_queue_searched(const struct emb_knn_queue *qq)
{
	return qq->searched;
}

const struct emb_knn_hit *emb_knn_queue_hits(const struct emb_knn_queue *qq, size_t i, size_t *n)
{
	assert(qq->searched && i < qq->n);
	*n = qq->nhits[i];
	return qq->hits + i * qq->b.k;
}

void emb_knn_queue_clear(struct emb_knn_queue *qq)
{
	qq->n = 0;
	qq->nexcl = 0;
	qq->searched = false;
}
