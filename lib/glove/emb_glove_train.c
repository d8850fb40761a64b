/*
 * emb_glove_train: GloVe's weighted least squares with AdaGrad, in float32.
 *
 * For a record (i, j, x): diff = w_i . c_j + bw_i + bc_j - log x, weighted by
 * f(x) = min(1, (x / x_max)^power); each component's step is eta * clip(f * diff * other, 100)
 * over the square root of its running sum of squared steps (started at 1, so the first step
 * is eta's), as Stanford's glove.c does it, biases included (their step is f * diff, not
 * scaled by eta, also as glove.c).  Threads train slices of each group of shuffled records
 * without locks (Hogwild); with one thread the run is deterministic.
 *
 * The inner loop is compiled for AVX2+FMA and for the baseline (target_clones): the dot
 * product with vector extensions, the update loop by the compiler (the Makefile turns
 * math-errno off for this file, so sqrtf is the vector instruction; no -ffast-math).
 * Checkpoints are written after every epoch (emb_glove_ckpt.c).
 */
#pragma GCC diagnostic ignored "-Wpsabi"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "emb_glove_impl.h"
#include "emb_rng.h"
#include "internal.h"
#include "emb_vec8.h"

#define CLIP 100.0f
#define SLICE 4096   /* records between stop checks and progress */

static float *alloc_floats(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, n * sizeof(float)))
		return NULL;
	return p;
}

int emb_glove_new(struct emb_glove **out, size_t rows, const struct emb_glove_opts *o,
		  struct emb_err *err)
{
	struct emb_glove *g;
	uint64_t s = o->seed;
	size_t n;

	*out = NULL;
	if (o->dim < 1 || o->dim > 100000 || rows == 0)
		return emb_err_set(err, EMB_EINVAL, "dimension must be 1 to 100000");
	if (!(o->x_max > 0) || !(o->eta > 0) || !(o->power >= 0) || o->epochs < 1)
		return emb_err_set(err, EMB_EINVAL, "x_max, learning rate and epochs must be positive");
	if (rows > SIZE_MAX / sizeof(float) / (o->dim + 1))
		return emb_err_set(err, EMB_ELIMIT, "%zu rows of %zu floats do not fit", rows, o->dim + 1);
	if (!(g = calloc(1, sizeof *g)))
		return emb_err_nomem(err, "the GloVe model");
	g->o = *o;
	g->rows = rows;
	g->dim = o->dim;
	g->stride = o->dim + 1;
	n = rows * g->stride;
	g->w = alloc_floats(n);
	g->c = alloc_floats(n);
	g->gw = alloc_floats(n);
	g->gc = alloc_floats(n);
	if (!g->w || !g->c || !g->gw || !g->gc) {
		emb_glove_free(g);
		return emb_err_nomem(err, "the GloVe model");
	}
	/* glove.c's initialisation: uniform in +-0.5/dim, biases too */
	for (size_t k = 0; k < n; k++)
		g->w[k] = (float)((emb_rng_unit(emb_rng_splitmix64(&s), 0) - 0.5) / (double)g->dim);
	for (size_t k = 0; k < n; k++)
		g->c[k] = (float)((emb_rng_unit(emb_rng_splitmix64(&s), 0) - 0.5) / (double)g->dim);
	for (size_t k = 0; k < n; k++)
		g->gw[k] = g->gc[k] = 1.0f;
	*out = g;
	return 0;
}

void emb_glove_free(struct emb_glove *g)
{
	if (!g)
		return;
	free(g->w);
	free(g->c);
	free(g->gw);
	free(g->gc);
	free(g);
}

static inline float clip(float v)
{
	return v > CLIP ? CLIP : v < -CLIP ? -CLIP : v;
}

static inline __attribute__((always_inline)) v8f sqrt8(v8f x)
{
	v8f r = { 0 };

	for (int l = 0; l < 8; l++)
		r[l] = sqrtf(x[l]);
	return r;
}

static inline __attribute__((always_inline)) v8f clip8(v8f x)
{
	v8f r = { 0 };

	for (int l = 0; l < 8; l++)
		r[l] = clip(x[l]);
	return r;
}

/* The AdaGrad step of word row A and context row B from the same old values. */
static inline __attribute__((always_inline)) void update8(float *a, float *b, float *ga, float *gb,
							  float fdiff, float eta, size_t dim)
{
	const v8f f = { fdiff, fdiff, fdiff, fdiff, fdiff, fdiff, fdiff, fdiff };
	const v8f e = { eta, eta, eta, eta, eta, eta, eta, eta };
	size_t d = 0;

	for (; d + 8 <= dim; d += 8) {
		v8f va, vb, vga, vgb, t1, t2;
		VLOAD(va, a + d);
		VLOAD(vb, b + d);
		VLOAD(vga, ga + d);
		VLOAD(vgb, gb + d);
		t1 = f * vb;
		t2 = f * va;
		t1 = clip8(t1) * e;
		t2 = clip8(t2) * e;
		va -= t1 / sqrt8(vga);
		vb -= t2 / sqrt8(vgb);
		vga += t1 * t1;
		vgb += t2 * t2;
		VSTORE(a + d, va);
		VSTORE(b + d, vb);
		VSTORE(ga + d, vga);
		VSTORE(gb + d, vgb);
	}
	for (; d < dim; d++) {
		float t1 = clip(fdiff * b[d]) * eta, t2 = clip(fdiff * a[d]) * eta;
		a[d] -= t1 / sqrtf(ga[d]);
		b[d] -= t2 / sqrtf(gb[d]);
		ga[d] += t1 * t1;
		gb[d] += t2 * t2;
	}
}

/* Train records R[0..n); returns the sum of their costs. */
EMB_TARGET_CLONES("arch=x86-64-v3", "default")
static double train_slice(const struct emb_glove *g, const struct emb_cooc_rec *r, size_t n)
{
	const size_t dim = g->dim, st = g->stride;
	const float eta = (float)g->o.eta, power = (float)g->o.power;
	const float xmax = (float)g->o.x_max, lxmax = logf(xmax);
	double cost = 0;

	for (size_t k = 0; k < n; k++) {
		float *restrict a = g->w + r[k].i * st, *restrict b = g->c + r[k].j * st;
		float *restrict ga = g->gw + r[k].i * st, *restrict gb = g->gc + r[k].j * st;
		float lx = logf(r[k].x), diff, fdiff;

		if (k + 1 < n) {
			__builtin_prefetch(g->w + r[k + 1].i * st);
			__builtin_prefetch(g->c + r[k + 1].j * st);
		}
		diff = k_dot(a, b, dim) + a[dim] + b[dim] - lx;
		fdiff = r[k].x > xmax ? diff : expf(power * (lx - lxmax)) * diff;
		cost += 0.5 * (double)fdiff * (double)diff;
		update8(a, b, ga, gb, fdiff, eta, dim);
		a[dim] -= fdiff / sqrtf(ga[dim]);
		b[dim] -= fdiff / sqrtf(gb[dim]);
		ga[dim] += fdiff * fdiff;
		gb[dim] += fdiff * fdiff;
	}
	return cost;
}

struct worker {
	struct emb_glove *g;
	const struct emb_cooc_rec *r;
	size_t n, done;
	double cost;
	bool stopped;
	pthread_t tid;
};

static void *work(void *arg)
{
	struct worker *wk = arg;
	volatile sig_atomic_t *stop = wk->g->o.stop;

	for (size_t k = 0; k < wk->n; k += SLICE) {
		size_t m = wk->n - k < SLICE ? wk->n - k : SLICE;
		if (stop && *stop) {
			wk->stopped = true;
			break;
		}
		wk->cost += train_slice(wk->g, wk->r + k, m);
		__atomic_store_n(&wk->done, k + m, __ATOMIC_RELAXED);
	}
	return NULL;
}

struct epoch_clock {
	double t0, last;
	uint64_t total, before;  /* records of all epochs left at the start; done before the group */
};

static void report(struct emb_glove *g, struct epoch_clock *ec, uint64_t done_now, bool force)
{
	struct emb_glove_progress p = { EMB_GLOVE_TRAIN, 0, g->epoch + !force, g->cost, 0, 0 };
	double now = glove_now();

	if (!g->o.progress || (!force && now - ec->last < g->o.progress_every))
		return;
	ec->last = now;
	p.frac = ec->total ? (double)done_now / (double)ec->total : 1;
	p.elapsed = now - ec->t0;
	p.eta = p.frac > 0 ? p.elapsed * (1 - p.frac) / p.frac : 0;
	g->o.progress(g->o.progress_ctx, &p);
}

/* One group over the threads; the caller's thread is worker 0 and reports progress. */
static int train_group(struct emb_glove *g, const struct emb_cooc_rec *r, size_t n,
		       struct epoch_clock *ec, double *cost, struct emb_err *err)
{
	unsigned nt = g->o.threads ? g->o.threads : 1;
	struct worker *wk;
	size_t started = 1;
	bool stopped = false;

	if (nt > n / 1024 + 1)
		nt = (unsigned)(n / 1024 + 1);
	if (!(wk = calloc(nt, sizeof *wk)))
		return emb_err_nomem(err, "training threads");
	for (unsigned t = 0; t < nt; t++) {
		wk[t].g = g;
		wk[t].r = r + n * t / nt;
		wk[t].n = n * (t + 1) / nt - n * t / nt;
	}
	for (unsigned t = 1; t < nt; t++) {
		if (pthread_create(&wk[t].tid, NULL, work, &wk[t]) != 0)
			break;
		started++;
	}
	/* worker 0, in slices, so that progress is reported while the others run */
	for (size_t k = 0; k < wk[0].n; k += SLICE) {
		size_t m = wk[0].n - k < SLICE ? wk[0].n - k : SLICE, sum = 0;
		if (g->o.stop && *g->o.stop) {
			wk[0].stopped = true;
			break;
		}
		wk[0].cost += train_slice(g, wk[0].r + k, m);
		wk[0].done = k + m;
		for (size_t t = 0; t < started; t++)
			sum += __atomic_load_n(&wk[t].done, __ATOMIC_RELAXED);
		report(g, ec, ec->before + sum, false);
	}
	for (size_t t = 1; t < started; t++)
		pthread_join(wk[t].tid, NULL);
	/* threads that could not start: their slices are trained here */
	for (size_t t = started; t < nt; t++)
		work(&wk[t]);
	for (unsigned t = 0; t < nt; t++) {
		*cost += wk[t].cost;
		stopped |= wk[t].stopped;
	}
	free(wk);
	ec->before += n;
	if (stopped)
		return emb_err_set(err, EMB_EINTR, "interrupted");
	return 0;
}

int emb_glove_run(struct emb_glove *g, struct emb_cooc *c, struct emb_err *err)
{
	struct epoch_clock ec = { glove_now(), 0, 0, 0 };
	double t0 = ec.t0;
	int rc = 0;

	if (emb_cooc_rows(c) != g->rows)
		return emb_err_set(err, EMB_EFORMAT, "co-occurrence data of %zu rows for a model of %zu",
				   emb_cooc_rows(c), g->rows);
	if (g->records && g->records != emb_cooc_records(c))
		return emb_err_set(err, EMB_EFORMAT, "the checkpoint was made from other co-occurrence "
				   "data (%llu records, not %llu)", (unsigned long long)g->records,
				   (unsigned long long)emb_cooc_records(c));
	g->records = emb_cooc_records(c);
	ec.total = g->records * (g->o.epochs > g->epoch ? g->o.epochs - g->epoch : 0);
	while (g->epoch < g->o.epochs) {
		double cost = 0;
		for (size_t gi = 0; gi < emb_cooc_groups(c) && rc >= 0; gi++) {
			const struct emb_cooc_rec *r;
			size_t n;
			if ((rc = emb_cooc_load(c, gi, &r, &n, err)) >= 0)
				rc = train_group(g, r, n, &ec, &cost, err);
		}
		if (rc < 0)
			break;
		if (!isfinite(cost)) {
			rc = emb_err_set(err, EMB_ELIMIT, "training diverged (learning rate too large?)");
			break;
		}
		g->cost = g->records ? cost / (double)g->records : 0;
		g->epoch++;
		report(g, &ec, ec.before, true);
		if (g->o.checkpoint && (rc = emb_glove_save_state(g, g->o.checkpoint, err)) < 0)
			break;
	}
	g->seconds += glove_now() - t0;
	return rc;
}

void emb_glove_vector(const struct emb_glove *g, int kind, size_t r, float *dst)
{
	const float *a = g->w + r * g->stride, *b = g->c + r * g->stride;

	for (size_t d = 0; d < g->dim; d++)
		dst[d] = kind == EMB_GLOVE_WORD ? a[d] : kind == EMB_GLOVE_CONTEXT ? b[d] : a[d] + b[d];
}

size_t emb_glove_dim(const struct emb_glove *g)
{
	return g->dim;
}

unsigned emb_glove_epochs_done(const struct emb_glove *g)
{
	return g->epoch;
}

double emb_glove_cost(const struct emb_glove *g)
{
	return g->cost;
}

double emb_glove_seconds(const struct emb_glove *g)
{
	return g->seconds;
}

const struct emb_glove_opts *emb_glove_opts(const struct emb_glove *g)
{
	return &g->o;
}
