/*
 * emb_train_impl.h: what the trainer's files share; private to lib/train.
 *
 *   emb_train.c          options, the trainer's life cycle, threads and the run loop
 *   emb_train_kernels.c  SIMD kernels and the per-sentence loops (skip-gram, CBOW, batch)
 *   emb_train_tables.c   tables derived from the counts: sub-sampling, noise (alias), Huffman
 *   emb_train_ckpt.c     checkpoints
 *   emb_train_subword.c  fastText's subword model: n-gram lists and the extra input rows
 *   emb_train_corpus.c   the id cache
 */
#ifndef EMB_TRAIN_IMPL_H
#define EMB_TRAIN_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_train.h"

#define MAX_EXP 6
#define SIG_N 2048
#define BMAX_IN 160   /* context positions of one batch group: B + 2*window */
#define BMAX_OUT 80   /* B + K */

struct alias {
	uint32_t thr;   /* keep the bucket when the low 32 random bits are below */
	uint32_t other;
};

struct thread_state {
	uint64_t begin, end, pos;  /* the chunk being read: [begin, end), at pos */
	uint64_t rng;
	uint64_t words;            /* all words this thread processed, all epochs */
	uint32_t epoch;
	uint32_t chunk;            /* k: this thread reads chunks k * threads + i, k = 0, 1, ... */
};

/* Negative samples in flight, see emb_train_kernels.c. */
struct negpipe {
	unsigned head;
	uint64_t r[3][64];
	uint32_t row[3][64];
};

/* Per-thread scratch: rows of floats (gradient, CBOW mean, or the batch matrices). */
struct scratch {
	float *work;
	struct negpipe *np;
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
	uint64_t *cuts;            /* chunk g of the id cache is [cuts[g], cuts[g + 1]) */
	unsigned rounds;           /* chunks per thread (emb_train_plan_chunks) */
	uint64_t total_words;      /* trainable words in the corpus (one epoch) */
	uint64_t corpus_size, corpus_digest;
	_Atomic uint64_t done_words;
	atomic_int halt;
	atomic_int running;
	uint64_t stop_after;
	/* data-parallel sync (emb_train_sync.c); the barrier lives for one start of the workers */
	pthread_mutex_t sync_mu;
	pthread_cond_t sync_cv;
	unsigned sync_active, sync_waiting;
	uint64_t sync_gen;
	bool sync_epoch;
	_Atomic int64_t progress_offset; /* words of the other processes, as of the last sync */
	double seconds;
	uint64_t run_words;
	const struct emb_vocab *vocab;
	/* subwords: row r's n-gram rows (absolute rows of syn0, past the words') are
	 * sub_ids[sub_off[r] .. sub_off[r+1]); syn0 then has syn0_rows = rows + bucket rows */
	uint64_t *sub_off;
	uint32_t *sub_ids;
	size_t syn0_rows;
	struct emb_subword *sw;
};

/* emb_train.c */
int emb_train_alloc(struct emb_trainer **out, const uint64_t *counts, size_t rows,
		    const struct emb_train_opts *o, long padding, struct emb_err *err);
void *emb_train_alloc_matrix(size_t rows, size_t dim, bool zero);
/* Fill N values of M as the options' init says (uniform: in +-WIDTH/dim; seeded by SEED). */
void emb_train_init_values(float *m, size_t n, size_t dim, int init, double width, uint64_t seed);
/* The uniform init's half-width times dim: word2vec's 0.5, or fastText's 1 with subwords (its
 * subword model learns markedly better from it: bench/results/fasttext.md). */
static inline double emb_train_init_width(const struct emb_train_opts *o)
{
	return o->subwords ? 1.0 : 0.5;
}

/* emb_train_sync.c: the barrier of one start of NTHREADS workers; a worker arrives (after
 * publishing its words) when its count passes a sync point or it ends an epoch, and leaves
 * when it stops.  _end() runs the last call after training.  0 or the callback's error. */
void emb_train_sync_begin(struct emb_trainer *t, unsigned nthreads);
int emb_train_sync_arrive(struct emb_trainer *t, bool epoch_end, struct emb_err *err);
int emb_train_sync_leave(struct emb_trainer *t, struct emb_err *err);
void emb_train_sync_finish(struct emb_trainer *t);
int emb_train_sync_end(struct emb_trainer *t, struct emb_err *err);
/* Words between a thread's sync points (0: none). */
uint64_t emb_train_sync_every(const struct emb_trainer *t);
/* The learning rate after DONE words of this process. */
float emb_train_alpha_at(const struct emb_trainer *t, uint64_t done);

/* emb_train_tables.c: the sub-sampling, noise and Huffman tables from t->counts (also after
 * loading a checkpoint). */
int emb_train_derive(struct emb_trainer *t, struct emb_err *err);
/* The sub-sampling table for word frequencies count / TOTAL (derive: TOTAL = the counts' sum). */
void emb_train_keep(struct emb_trainer *t, uint64_t total);

/* emb_train_subword.c: the sub-sampling table as fastText's (word frequencies relative to
 * every token and line end of the corpus ST describes). */
void emb_train_subword_sample(struct emb_trainer *t, const struct emb_train_stats *st);

/* emb_train_kernels.c: train one sentence of N kept words at learning rate ALPHA.  Returns
 * the sum of the dot products it computed: not finite once the model has diverged (a NaN or
 * an infinity anywhere in the rows it touched), for one check per sentence. */
float emb_train_sg(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
		   uint64_t *rng, const struct scratch *sc);
float emb_train_cbow(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
		     uint64_t *rng, const struct scratch *sc);
float emb_train_sg_sub(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
		       uint64_t *rng, const struct scratch *sc);
float emb_train_cbow_sub(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
			 uint64_t *rng, const struct scratch *sc);
float emb_train_sg_batch(const struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
			 uint64_t *rng, const struct scratch *sc);

/*
 * Cut the id cache of C into ROUNDS chunks per thread, at sentence starts, dealt in turn:
 * thread i reads chunks i, i + T, i + 2T, ... in each epoch, so every thread samples the whole
 * corpus (a corpus of sources one after another would otherwise give each thread one source,
 * and the thread with the cheaper words would finish early and leave the rest to the others).
 * One thread: one chunk, the whole cache.  Fills t->cuts and t->rounds.
 */
int emb_train_plan_chunks(struct emb_trainer *t, const struct emb_train_corpus *c,
			  struct emb_err *err);

/*
 * A checkpoint (emb_train_ckpt.c): open PATH for one (level 0, no gzip by its name; EMB_EINVAL
 * before the first run has made thread state), then write the whole state into OUT.  The
 * caller may append to it (emb_trainer_save_state_ext's extension) before committing.
 */
struct emb_out;
int emb_train_ckpt_open(const struct emb_trainer *t, struct emb_out **out, const char *path,
			struct emb_err *err);
int emb_train_ckpt_write(const struct emb_trainer *t, struct emb_out *out, struct emb_err *err);

#endif
