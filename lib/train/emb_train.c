/*
 * emb_train: the word2vec trainer's options, life cycle and run loop.  See emb_train.h for the
 * contract and emb_train_impl.h for where the rest lives.
 *
 * Threads share the matrices without locks (Hogwild) and each trains its own chunks of the id
 * cache, dealt in turn (emb_train_plan_chunks); the caller's thread sleeps in the run loop and
 * wakes every 20 ms for progress, interrupts and checkpoints, which halt the workers between
 * sentences, save, and start them again where they stopped.
 */
#include "emb_train_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emb_rng.h"
#include "emb_subword.h"
#include "internal.h"

#define READ_IDS 65536          /* ids per read from the cache (256 KB) */
#define ALPHA_EVERY 10000       /* words between learning-rate updates (word2vec.c) */

struct worker {
	struct emb_trainer *t;
	struct thread_state *ts;
	const struct emb_train_corpus *corpus;
	struct emb_err err;
	int rc;
};

void *emb_train_alloc_matrix(size_t rows, size_t dim, bool zero)
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

void emb_train_init_values(float *m, size_t n, size_t dim, int init, double width, uint64_t seed)
{
	uint64_t s = seed;

	if (init == EMB_TRAIN_INIT_NORMAL) {
		for (size_t i = 0; i < n; i += 2) {
			double u1 = emb_rng_unit(emb_rng_splitmix64(&s), 1);
			double u2 = emb_rng_unit(emb_rng_splitmix64(&s), 0), z1;
			m[i] = (float)emb_rng_box_muller(u1, u2, &z1);
			if (i + 1 < n)
				m[i + 1] = (float)z1;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			m[i] = (float)((((double)(emb_rng_splitmix64(&s) >> 40) * 0x1p-24) - 0.5) * 2 * width /
				       (double)dim);
	}
}

static void init_input(struct emb_trainer *t)
{
	emb_train_init_values(t->syn0, t->rows * t->dim, t->dim, t->o.init, emb_train_init_width(&t->o),
			      t->o.seed);
	if (t->padding >= 0)
		memset(t->syn0 + (size_t)t->padding * t->dim, 0, t->dim * sizeof(float));
}

static int check_opts(const struct emb_train_opts *o, struct emb_err *err)
{
	if (o->dim == 0 || o->dim > 100000)
		return emb_err_set(err, EMB_EINVAL, "dimension must be 1 to 100000");
	if (o->window == 0 || o->window > 64)
		return emb_err_set(err, EMB_EINVAL, "window must be 1 to 64");
	if (o->negative == 0 && !o->hs)
		return emb_err_set(err, EMB_EINVAL, "without negative samples, hierarchical softmax is needed");
	if (o->negative > 64)
		return emb_err_set(err, EMB_EINVAL, "negative samples must be at most 64");
	if (o->epochs == 0)
		return emb_err_set(err, EMB_EINVAL, "epochs must be at least 1");
	if (o->threads == 0 || o->threads > 1024)
		return emb_err_set(err, EMB_EINVAL, "threads must be 1 to 1024");
	if (o->batch > 16)
		return emb_err_set(err, EMB_EINVAL, "batch must be 0 to 16");
	if (o->batch && (o->negative + o->batch > BMAX_OUT))
		return emb_err_set(err, EMB_EINVAL, "batch plus negative samples must be at most 80");
	if (!(o->alpha < 0 || (o->alpha > 0 && o->alpha <= EMB_TRAIN_MAX_ALPHA)))
		return emb_err_set(err, EMB_EINVAL, "learning rate must be above 0 and at most %g",
				   EMB_TRAIN_MAX_ALPHA);
	if (!(o->min_alpha < 0 || o->min_alpha <= EMB_TRAIN_MAX_ALPHA))
		return emb_err_set(err, EMB_EINVAL, "end learning rate must be 0 to %g",
				   EMB_TRAIN_MAX_ALPHA);
	if (!(o->sample >= 0))
		return emb_err_set(err, EMB_EINVAL, "sample must be non-negative");
	if (!(o->ns_exponent >= 0 && o->ns_exponent <= 10))
		return emb_err_set(err, EMB_EINVAL, "noise exponent must be 0 to 10");
	return 0;
}

int emb_train_alloc(struct emb_trainer **out, const uint64_t *counts, size_t rows,
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
	if (t->o.alpha < 0)
		t->o.alpha = o->model == EMB_TRAIN_CBOW ? 0.05 : 0.025;
	if (t->o.min_alpha < 0)
		t->o.min_alpha = t->o.alpha * 1e-4;
	t->rows = rows;
	t->dim = o->dim;
	t->padding = padding >= 0 && (size_t)padding < rows ? padding : -1;
	if (!(t->counts = malloc(rows * sizeof *t->counts)) ||
	    !(t->syn0 = emb_train_alloc_matrix(rows, o->dim, true)) ||
	    !(t->keep = malloc(rows * sizeof *t->keep))) {
		emb_trainer_free(t);
		return emb_err_nomem(err, "allocating the vectors");
	}
	memcpy(t->counts, counts, rows * sizeof *counts);
	if (t->padding >= 0)
		t->counts[t->padding] = 0;
	if (o->negative && !(t->syn1neg = emb_train_alloc_matrix(rows, o->dim, true))) {
		emb_trainer_free(t);
		return emb_err_nomem(err, "allocating the context vectors");
	}
	if (o->hs && !(t->syn1 = emb_train_alloc_matrix(rows, o->dim, true))) {
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
	atomic_init(&t->progress_offset, 0);
	*out = t;
	return 0;
}

int emb_trainer_new(struct emb_trainer **out, const uint64_t *counts, size_t rows,
		    const struct emb_train_opts *o, long padding, struct emb_err *err)
{
	struct emb_trainer *t;
	int rc;

	if ((rc = emb_train_alloc(&t, counts, rows, o, padding, err)) < 0)
		return rc;
	init_input(t);
	if ((rc = emb_train_derive(t, err)) < 0) {
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
	free(t->cuts);
	free(t->sub_off);
	free(t->sub_ids);
	emb_subword_free(t->sw);
	free(t);
}

float *emb_trainer_input(struct emb_trainer *t) { return t->syn0; }
const struct emb_train_opts *emb_trainer_opts(const struct emb_trainer *t) { return &t->o; }
long emb_trainer_padding(const struct emb_trainer *t) { return t->padding; }
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

/* DONE words of this process, plus the other processes' as of the last sync (0 without). */
static uint64_t global_done(const struct emb_trainer *t, uint64_t done)
{
	return done + (uint64_t)atomic_load_explicit(&t->progress_offset, memory_order_relaxed);
}

float emb_train_alpha_at(const struct emb_trainer *t, uint64_t done)
{
	double total = (double)t->total_words * t->o.epochs;
	double f = (double)global_done(t, done) / (total + 1);
	double a = t->o.alpha - (t->o.alpha - t->o.min_alpha) * f;
	return (float)(a < t->o.min_alpha ? t->o.min_alpha : a);
}

/* Too large a learning rate makes the vectors grow until a float overflows; from then on
 * every update spreads NaN.  Nothing useful can come out, so training stops. */
static int diverged(struct emb_err *err, uint64_t words)
{
	return emb_err_set(err, EMB_ELIMIT, "training diverged after %" PRIu64 " words (the "
			   "vectors are no longer finite); try a smaller learning rate", words);
}

/* The per-sentence check sees every row a dot product reads; this one also catches a row
 * spoilt by the very last updates, or by a sync callback. */
static int check_finite(const struct emb_trainer *t, struct emb_err *err)
{
	const float *m[3] = { t->syn0, t->syn1neg, t->syn1 };

	for (int k = 0; k < 3; k++)
		for (size_t i = 0, n = (k == 0 && t->syn0_rows ? t->syn0_rows : t->rows) * t->dim;
		     m[k] && i < n; i++)
			if (!isfinite(m[k][i]))
				return diverged(err, global_done(t, atomic_load(&t->done_words)));
	return 0;
}

/* This thread's words since the last publication go into the shared count. */
#define PUBLISH() do { \
	seen = atomic_fetch_add_explicit(&t->done_words, pending, memory_order_relaxed) + pending; \
	pending = 0; \
} while (0)

/* Point thread I's state at its chunk K (round K of the deal). */
static void enter_chunk(struct emb_trainer *t, unsigned i, uint32_t k)
{
	struct thread_state *ts = &t->ts[i];
	uint64_t g = (uint64_t)k * t->nthreads + i;

	ts->chunk = k;
	ts->begin = ts->pos = t->cuts[g];
	ts->end = t->cuts[g + 1];
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct emb_trainer *t = wk->t;
	struct thread_state *ts = wk->ts;
	unsigned self = (unsigned)(ts - t->ts);
	uint32_t *buf = malloc(READ_IDS * sizeof *buf);
	uint32_t *sen = malloc(EMB_TRAIN_MAX_SENTENCE * sizeof *sen);
	float *work = emb_train_alloc_matrix(BMAX_IN + 2, t->dim, false);
	struct negpipe *np = malloc(sizeof *np);
	struct scratch sc = { work, np };
	uint64_t buf_pos = 0, pending = 0, seen = atomic_load(&t->done_words);
	uint64_t every = emb_train_sync_every(t);
	size_t buf_len = 0;
	struct emb_err lerr = EMB_ERR_INIT;
	int lrc;

	if (!buf || !sen || !work || !np) {
		wk->rc = emb_err_nomem(&wk->err, "allocating thread buffers");
		goto out;
	}
	while (ts->epoch < t->o.epochs) {
		uint64_t before = ts->words;
		size_t n = 0;

		if (atomic_load_explicit(&t->halt, memory_order_relaxed) ||
		    (t->stop_after && seen + pending >= t->stop_after))
			break;
		if (ts->pos >= ts->end) { /* the next chunk of this thread, or the next epoch */
			if (ts->chunk + 1 < t->rounds) {
				enter_chunk(t, self, ts->chunk + 1);
				continue;
			}
			ts->epoch++;
			enter_chunk(t, self, 0);
			if (t->o.sync) {
				PUBLISH();
				if ((wk->rc = emb_train_sync_arrive(t, true, &wk->err)) < 0)
					goto out;
			}
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
			if ((uint32_t)emb_rng_xorshift64s(&ts->rng) >= t->keep[id])
				continue;
			sen[n++] = id;
			if (n == EMB_TRAIN_MAX_SENTENCE)
				break;
		}
		if (n > 0) {
			/* from the words seen by this thread: with one thread, the exact schedule
			 * whatever the timing, so a resumed run repeats an uninterrupted one */
			float alpha = emb_train_alpha_at(t, seen + pending), dots;
			if (t->sub_off)
				dots = t->o.model == EMB_TRAIN_CBOW
					       ? emb_train_cbow_sub(t, sen, n, alpha, &ts->rng, &sc)
					       : emb_train_sg_sub(t, sen, n, alpha, &ts->rng, &sc);
			else if (t->o.model == EMB_TRAIN_CBOW)
				dots = emb_train_cbow(t, sen, n, alpha, &ts->rng, &sc);
			else if (t->o.batch && t->syn1neg && !t->syn1)
				dots = emb_train_sg_batch(t, sen, n, alpha, &ts->rng, &sc);
			else
				dots = emb_train_sg(t, sen, n, alpha, &ts->rng, &sc);
			if (!isfinite(dots)) {
				wk->rc = diverged(&wk->err, global_done(t, seen + pending));
				atomic_store(&t->halt, 1);
				goto out;
			}
		}
		if (pending >= ALPHA_EVERY)
			PUBLISH();
		if (every && ts->words / every != before / every) {
			PUBLISH();
			if ((wk->rc = emb_train_sync_arrive(t, false, &wk->err)) < 0)
				goto out;
		}
	}
out:
	PUBLISH();
	if ((lrc = emb_train_sync_leave(t, &lerr)) < 0 && wk->rc == 0) {
		wk->rc = lrc;
		wk->err = lerr;
	}
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

#define MIN_CHUNK ((uint64_t)1 << 16) /* ids: a chunk is at least ~0.1 s of one thread's work */
#define MAX_ROUNDS 64                    /* chunks per thread */

int emb_train_plan_chunks(struct emb_trainer *t, const struct emb_train_corpus *c,
			  struct emb_err *err)
{
	uint64_t n = emb_train_corpus_size(c), per = n / ((uint64_t)t->nthreads * MIN_CHUNK);
	unsigned T = t->nthreads, K = per > MAX_ROUNDS ? MAX_ROUNDS : per < 1 ? 1 : (unsigned)per;
	uint64_t G;
	int rc;

	if (T == 1) /* one thread reads the cache whole, as it always has */
		K = 1;
	G = (uint64_t)K * T;

	free(t->cuts);
	if (!(t->cuts = malloc((G + 1) * sizeof *t->cuts)))
		return emb_err_nomem(err, "allocating thread state");
	t->rounds = K;
	for (uint64_t g = 0; g < G; g++) {
		if ((rc = slice_start(c, n / G * g + (n % G) * g / G, &t->cuts[g], err)) < 0)
			return rc;
		if (g > 0 && t->cuts[g] < t->cuts[g - 1]) /* a sentence longer than a chunk */
			t->cuts[g] = t->cuts[g - 1];
		if (t->cuts[g] > n)
			t->cuts[g] = n;
	}
	t->cuts[G] = n;
	return 0;
}

static int plan_slices(struct emb_trainer *t, const struct emb_train_corpus *c, struct emb_err *err)
{
	uint64_t seed = t->o.seed;
	unsigned T = t->o.threads;
	int rc;

	if (!(t->ts = calloc(T, sizeof *t->ts)))
		return emb_err_nomem(err, "allocating thread state");
	t->nthreads = T;
	if ((rc = emb_train_plan_chunks(t, c, err)) < 0)
		return rc;
	for (unsigned i = 0; i < T; i++) {
		t->ts[i].rng = emb_rng_splitmix64(&seed) | 1;
		enter_chunk(t, i, 0);
	}
	t->corpus_size = emb_train_corpus_size(c);
	t->corpus_digest = emb_train_corpus_digest(c);
	return 0;
}

/* A resumed state must sit in the chunks this corpus gives (another build may cut others). */
static int check_chunks(struct emb_trainer *t, const struct emb_train_corpus *c,
			struct emb_err *err)
{
	int rc = emb_train_plan_chunks(t, c, err);

	for (unsigned i = 0; i < t->nthreads && rc == 0; i++) {
		const struct thread_state *ts = &t->ts[i];
		uint64_t g = (uint64_t)ts->chunk * t->nthreads + i;
		if (ts->chunk >= t->rounds || ts->begin != t->cuts[g] || ts->end != t->cuts[g + 1] ||
		    ts->pos < ts->begin || ts->pos > ts->end)
			rc = emb_err_set(err, EMB_EFORMAT,
					 "the checkpoint's thread positions do not fit this corpus");
	}
	return rc;
}

static void report(struct emb_trainer *t, double t0, uint64_t words0, bool done)
{
	const struct emb_train_opts *o = &t->o;
	struct emb_train_progress p;
	double total = (double)t->total_words * t->o.epochs;
	uint64_t w = global_done(t, atomic_load(&t->done_words));

	if (!o->progress)
		return;
	p.words = w;
	p.frac = total > 0 ? (double)w / total : 1;
	if (p.frac > 1)
		p.frac = 1;
	p.elapsed = now() - t0;
	p.threads = t->nthreads;
	p.words_per_sec = p.elapsed > 0 ? (double)(atomic_load(&t->done_words) - words0) / p.elapsed /
		t->nthreads : 0;
	p.alpha = emb_train_alpha_at(t, atomic_load(&t->done_words));
	p.eta = p.words_per_sec > 0 ? (total - (double)w) / (p.words_per_sec * t->nthreads) : 0;
	if (p.eta < 0 || done)
		p.eta = 0;
	p.done = done;
	o->progress(o->progress_ctx, &p);
}

int emb_trainer_run(struct emb_trainer *t, struct emb_train_corpus *corpus, struct emb_err *err)
{
	const struct emb_train_opts *o = &t->o;
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
	} else if ((rc = check_chunks(t, corpus, err)) < 0) {
		return rc;
	}
	t->total_words = t->o.corpus_words ? t->o.corpus_words : emb_train_corpus_stats(corpus)->kept;
	if (t->total_words == 0)
		return emb_err_set(err, EMB_EFORMAT, "no word of the corpus is in the vocabulary");
	if (t->sub_off)
		emb_train_subword_sample(t, emb_train_corpus_stats(corpus));
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
		emb_train_sync_begin(t, t->nthreads);
		for (unsigned i = 0; i < t->nthreads; i++) {
			wk[i] = (struct worker){ t, &t->ts[i], corpus, EMB_ERR_INIT, 0 };
			if (pthread_create(&th[i], NULL, worker_main, &wk[i]) != 0) {
				rc = emb_err_set(err, EMB_ENOMEM, "cannot start a thread: %s", strerror(errno));
				atomic_fetch_sub(&t->running, (int)(t->nthreads - i));
				atomic_store(&t->halt, 1);
				for (unsigned j = i; j < t->nthreads; j++) /* nobody waits for them */
					emb_train_sync_leave(t, &wk[i].err);
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
				report(t, t0, words0, false);
				last_prog = tn;
			}
		}
		for (unsigned i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		emb_train_sync_finish(t);
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
		if (finished) {
			if ((rc = emb_train_sync_end(t, err)) < 0 || (rc = check_finite(t, err)) < 0)
				goto done;
			break;
		}
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
	report(t, t0, words0, true);
done:
	t->seconds = now() - t0;
	t->run_words = atomic_load(&t->done_words) - words0;
	free(wk);
	free(th);
	return rc;
}

