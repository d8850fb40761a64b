/*
 * emb_train: word2vec training (skip-gram / CBOW, negative sampling / hierarchical softmax).
 *
 * Three pieces, used in this order by embtrain(1):
 *   1. the corpus: emb_train_corpus_scan() tokenizes the input once (as `tokvocab count` does)
 *      into a compact id cache, an unlinked temporary file of uint32 ids in $TMPDIR with
 *      EMB_TRAIN_EOS between lines; every epoch then streams ids from that file (pread, a few
 *      MB per thread), never the whole corpus in memory.  Without a vocabulary the scan
 *      counts tokens and emb_train_vocab_prune() keeps a minimum count / maximum size and
 *      renumbers;
 *      emb_train_corpus_filter() then rewrites the cache in the final ids.
 *   2. the trainer: emb_trainer_new() takes the counts of the final vocabulary (row i = id i)
 *      and the options, once, and owns them and the input (syn0, the table) and output
 *      (context) matrices; emb_trainer_resume() makes one from a checkpoint instead.
 *   3. emb_trainer_run(): Hogwild threads over slices of the id cache, as word2vec.c splits
 *      its input file by byte offset.
 *
 * Rows with count 0 (specials such as <pad>, <unk>) and the padding row never occur in the
 * cache, are never drawn as negatives and so are never updated.
 *
 * Ownership: the _new() and _scan() functions hand an object to *out; the matching _free()
 * frees it (NULL-safe).  Matrices returned by emb_trainer_input()/output() belong to the trainer.
 */
#ifndef EMB_TRAIN_H
#define EMB_TRAIN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_tok.h"
#include "emb_vocab.h"

#define EMB_TRAIN_EOS UINT32_MAX   /* line end in the id cache */
#define EMB_TRAIN_MAX_SENTENCE 1000 /* kept words per training sentence (word2vec.c) */
/* The largest learning rate accepted: word2vec's are 0.025 and 0.05, and a step larger than
 * the loss's whole gradient (at most 1 a pair) only overshoots, then overflows. */
#define EMB_TRAIN_MAX_ALPHA 1.0

enum emb_train_model { EMB_TRAIN_SG = 0, EMB_TRAIN_CBOW = 1 };
enum emb_train_init { EMB_TRAIN_INIT_UNIFORM = 0, EMB_TRAIN_INIT_NORMAL = 1 };

struct emb_train_progress {
	double frac;          /* 0..1 of all epochs */
	uint64_t words;       /* corpus words processed (sub-sampled ones included) */
	double words_per_sec; /* per thread */
	double alpha;         /* current learning rate */
	double elapsed, eta;  /* seconds */
	unsigned threads;
	bool done;            /* the last call, after training */
};

/*
 * Data-parallel training (embtrain-mpi) plugs in here: several processes train copies of the
 * model on their own parts of the corpus and average them now and then.  The trainer calls
 * opts->sync with every worker thread paused between sentences:
 *  - after the sentence in which a thread's word count (sub-sampled words included) passes a
 *    multiple of sync_words / threads (rounded up): with one thread, at the first sentence end
 *    at or after every multiple of sync_words, a count fixed by the corpus alone; with more
 *    threads each arriving thread waits at a barrier and the last one calls (a thread that
 *    has finished its slice no longer counts);
 *  - when a thread ends an epoch (epoch_end);
 *  - once more after training, from the caller's thread (done).
 * The callback may change the matrices in place (e.g. replace them by the average over all
 * processes) and sets global_words to the words done by all processes together; the learning
 * rate then follows global_words plus the words this process does until the next call, over
 * corpus_words * epochs.  A callback that leaves global_words as it found it (one process)
 * changes nothing: the run gives the bytes it gives without a callback.  A negative return
 * stops training with that error.
 */
struct emb_train_sync {
	float *matrix[4];      /* the input matrix, then the output ones (negative sampling,
				* then hierarchical softmax): rows x dim floats each, NULL-ended */
	size_t rows, dim;
	uint64_t words;        /* words this process has trained, all threads, all epochs */
	uint64_t global_words; /* in: words; out: the words of all processes */
	double alpha;          /* the learning rate in effect when the call was made */
	bool epoch_end;        /* a thread ended an epoch */
	bool done;             /* the last call, after training */
};

struct emb_train_opts {
	size_t dim;          /* embedding_dim (100) */
	int model;           /* EMB_TRAIN_SG or EMB_TRAIN_CBOW */
	unsigned negative;   /* negative samples per target (5); 0 needs hs */
	double ns_exponent;  /* noise distribution count^x (0.75) */
	bool hs;             /* hierarchical softmax over a Huffman tree of the counts */
	unsigned window;     /* maximal window, shrunk at random per word (5) */
	double sample;       /* sub-sampling threshold (1e-3; 0 = off) */
	double alpha;        /* start learning rate, at most EMB_TRAIN_MAX_ALPHA (< 0: 0.025 sg,
			      * 0.05 cbow) */
	double min_alpha;    /* end learning rate (< 0: alpha * 1e-4, word2vec's floor) */
	unsigned epochs;     /* 5 */
	unsigned threads;    /* 1 */
	uint64_t seed;       /* 1 */
	int init;            /* EMB_TRAIN_INIT_UNIFORM: U(-0.5/dim, 0.5/dim); NORMAL: N(0,1) */
	unsigned batch;      /* 0: exact word2vec updates; N>0: N centre words share negatives */
	/* control, read by emb_trainer_run() (emb_trainer_resume() takes only these) */
	volatile sig_atomic_t *stop;      /* non-zero: stop at the next sentence (e.g. SIGINT) */
	const char *checkpoint;           /* save resumable state here (NULL: never) */
	double checkpoint_every;          /* seconds between checkpoints (0: only when stopped) */
	void (*progress)(void *ctx, const struct emb_train_progress *p); /* NULL: none */
	void *progress_ctx;
	double progress_every;            /* seconds between progress calls (0.25) */
	uint64_t stop_after_words;        /* stop as if interrupted after this many more words
					   * (0: never; for tests of checkpoints) */
	/* data-parallel hook, see struct emb_train_sync (NULL: none) */
	int (*sync)(void *ctx, struct emb_train_sync *s, struct emb_err *err);
	void *sync_ctx;
	uint64_t sync_words;              /* words between sync calls (0: epoch ends and the end only) */
	uint64_t corpus_words;            /* trainable words of one epoch over all processes, for the
					   * learning rate and progress (0: this corpus's) */
	/* fastText's subword model, set up by emb_trainer_subwords(): a word's input vector is
	 * the mean of its row and the rows of its character n-grams (minn..maxn characters of
	 * "<word>", hashed into bucket rows after the words'); the gradient goes to all of them */
	bool subwords;
	unsigned minn, maxn;              /* 3, 6 (fastText's defaults) */
	uint32_t bucket;                  /* 2000000 */
};

#define EMB_TRAIN_OPTS_INIT { 100, EMB_TRAIN_SG, 5, 0.75, false, 5, 1e-3, -1, -1, 5, 1, 1, \
	EMB_TRAIN_INIT_UNIFORM, 0, NULL, NULL, 0, NULL, NULL, 0.25, 0, NULL, NULL, 0, 0, false, 3, 6, \
	2000000 }

/* ---- 1. corpus ---------------------------------------------------------------------- */

struct emb_train_corpus;

struct emb_train_stats {
	uint64_t tokens;     /* tokens read */
	uint64_t kept;       /* tokens in the cache (in the vocabulary and trainable) */
	uint64_t lines;      /* lines read */
};

/*
 * Tokenize PATHS[0..n) ("-" = stdin; plain or gzip) with TOK into a new id cache.  With
 * *vocab set, ids are that vocabulary's and a token outside it is dropped.  With *vocab NULL
 * a new vocabulary of every token with its count (in order of first appearance) is built and
 * handed to *vocab.  Call emb_train_corpus_filter() before training.
 */
int emb_train_corpus_scan(struct emb_train_corpus **out, struct emb_vocab **vocab,
			  char *const *paths, size_t n, const struct emb_tok_opts *tok,
			  struct emb_err *err);

/*
 * Keep the tokens of *vocab with count >= MIN_COUNT (rows of count 0 are kept when KEEP_ZERO:
 * the specials of a given vocabulary) and of those the MAX_SIZE most frequent (0: all).  With
 * SORT (a built vocabulary) the result is ordered by count, then bytes; else the order stays.
 * *vocab is replaced; when CORPUS is not NULL it remembers the renumbering for _filter().
 */
int emb_train_vocab_prune(struct emb_vocab **vocab, struct emb_train_corpus *corpus,
			  uint64_t min_count, size_t max_size, bool keep_zero, bool sort,
			  struct emb_err *err);

/*
 * Rewrite the cache in the ids of VOCAB (after _prune), dropping tokens that are not trained:
 * pruned ones, rows of count 0 and PADDING (-1: none).  Sets the statistics and the digest.
 */
int emb_train_corpus_filter(struct emb_train_corpus *c, const struct emb_vocab *vocab,
			    long padding, struct emb_err *err);

/* An id cache from memory (tests): N ids, EMB_TRAIN_EOS between sentences (each one counted
 * as a line). */
int emb_train_corpus_from_ids(struct emb_train_corpus **out, const uint32_t *ids, size_t n,
			      struct emb_err *err);

const struct emb_train_stats *emb_train_corpus_stats(const struct emb_train_corpus *c);
/* Ids (EOS included) in the cache. */
uint64_t emb_train_corpus_size(const struct emb_train_corpus *c);
/* A 64-bit digest of the cached ids (checkpoints check the corpus did not change). */
uint64_t emb_train_corpus_digest(const struct emb_train_corpus *c);
/* Up to N ids from position POS into DST; *got is how many (0 at the end).  0 or EMB_EIO. */
int emb_train_corpus_read(const struct emb_train_corpus *c, uint64_t pos, uint32_t *dst, size_t n,
			  size_t *got, struct emb_err *err);
void emb_train_corpus_free(struct emb_train_corpus *c);

/* ---- 2. trainer ----------------------------------------------------------------------- */

struct emb_trainer;

/*
 * A trainer for ROWS rows whose counts are COUNTS[0..rows) (copied), with the options *O
 * (copied: the trainer owns them from here; what the control fields point to must outlive
 * it).  The input matrix is initialised from o->init and o->seed; PADDING (-1: none) is
 * zero.  EMB_EINVAL for options that cannot train (dimension 0, window 0, neither negative
 * samples nor hierarchical softmax, ...), EMB_EFORMAT when no row has a count.
 */
int emb_trainer_new(struct emb_trainer **out, const uint64_t *counts, size_t rows,
		    const struct emb_train_opts *o, long padding, struct emb_err *err);
void emb_trainer_free(struct emb_trainer *t);

/* The input (word) vectors, rows x dim, row-major: the table; writable before run. */
float *emb_trainer_input(struct emb_trainer *t);
/* The output (context) vectors (syn1neg, or syn1 with hierarchical softmax only), rows x dim. */
const float *emb_trainer_output(const struct emb_trainer *t);
size_t emb_trainer_rows(const struct emb_trainer *t);
size_t emb_trainer_dim(const struct emb_trainer *t);
/* Keep row R's input vector as it is (embtrain --freeze-existing). */
void emb_trainer_freeze(struct emb_trainer *t, size_t r);
/* The options in effect: the defaults resolved (alpha, min_alpha) and, after
 * emb_trainer_resume(), the checkpoint's training options. */
const struct emb_train_opts *emb_trainer_opts(const struct emb_trainer *t);
/* The padding row (-1: none). */
long emb_trainer_padding(const struct emb_trainer *t);

/*
 * Train over CORPUS for the remaining epochs, with the options given at creation.  0 when
 * done; EMB_EINTR when *stop was set (after writing the checkpoint when one is named);
 * EMB_ELIMIT "training diverged" as soon as a value of the model is no longer finite (too
 * large a learning rate: the matrices are then useless and no checkpoint is written);
 * EMB_EFORMAT when the cache holds no trainable word or is not the one a resumed checkpoint
 * was made from; I/O errors of the cache or checkpoint; the sync callback's errors.
 * Progress is called from the caller's thread.
 */
int emb_trainer_run(struct emb_trainer *t, struct emb_train_corpus *corpus, struct emb_err *err);

/* Attach the data-parallel hook of O (sync, sync_ctx, sync_words, corpus_words) to a trainer
 * made without it, e.g. one loaded from a checkpoint, before emb_trainer_run(); also O's seed,
 * which the run's random numbers start from (the processes of a job make their matrices alike
 * from one seed, then each trains with its own). */
void emb_trainer_set_sync(struct emb_trainer *t, const struct emb_train_opts *o);

/*
 * Turn on the subword model of the options (o.subwords) for the words of VOCAB (row i = token
 * i): every word's n-gram rows are listed once, and the input matrix gains o.bucket rows,
 * initialised as the word rows are.  Call once, after _new (and --init-from) and before run.
 * EMB_EINVAL for n-gram lengths outside 1 <= minn <= maxn <= 64, bucket 0, more rows than ids
 * hold, or with checkpoints, a sync callback or batch mode (which do not carry them yet).
 */
int emb_trainer_subwords(struct emb_trainer *t, const struct emb_vocab *vocab, struct emb_err *err);
/* The trained n-gram rows as subwords (owned by the trainer), or NULL without them. */
const struct emb_subword *emb_trainer_subword(const struct emb_trainer *t);

/* Words processed by the last run and its wall time in seconds. */
uint64_t emb_trainer_words(const struct emb_trainer *t);
double emb_trainer_seconds(const struct emb_trainer *t);
/* The vocabulary written into checkpoints (not owned; must outlive the run). */
void emb_trainer_set_vocab(struct emb_trainer *t, const struct emb_vocab *vocab);

/* ---- checkpoints ---------------------------------------------------------------------- */

/*
 * Write the whole state (options, the vocabulary given to _set_vocab, matrices, per-thread positions, corpus
 * digest) to PATH atomically.  emb_trainer_run() calls it; exposed for tests.
 */
int emb_trainer_save_state(const struct emb_trainer *t, const char *path, struct emb_err *err);

/*
 * A trainer in the state saved in the checkpoint PATH, the other way to create one: the
 * training options, padding, matrices and positions come from the file, its vocabulary is
 * handed to *vocab (already set as the trainer's), and of *O only the control fields are taken
 * (stop, checkpoint, checkpoint_every, progress*, stop_after_words, sync*, corpus_words).
 * emb_trainer_run() then checks the corpus digest and continues where the checkpoint was taken.
 */
int emb_trainer_resume(struct emb_trainer **out, struct emb_vocab **vocab, const char *path,
		       const struct emb_train_opts *o, struct emb_err *err);

/* ---- positions (data-parallel checkpoints; emb_train_pos.c) --------------------------- */

/* Bytes of this trainer's run state: corpus identity, words done and thread positions. */
size_t emb_trainer_pos_size(const struct emb_trainer *t);
/* Copy it into DST (emb_trainer_pos_size bytes); call while the threads are paused (sync). */
void emb_trainer_pos_get(const struct emb_trainer *t, void *dst);
/* Take the run state SRC (N bytes, from _pos_get of a trainer with as many threads); the
 * learning rate follows GLOBAL_WORDS, the words of all processes at that point. */
int emb_trainer_pos_set(struct emb_trainer *t, const void *src, size_t n, uint64_t global_words,
			struct emb_err *err);
/* The words done recorded in run state SRC. */
uint64_t emb_trainer_pos_words(const void *src);

/*
 * emb_trainer_save_state() followed by an extension EXT (N bytes; e.g. every process's
 * positions), atomically.  The file stays a checkpoint for emb_trainer_load_state();
 * emb_trainer_state_ext() returns the extension (*ext malloc'd; NULL and 0 when there is
 * none, as in a checkpoint of one process).
 */
int emb_trainer_save_state_ext(const struct emb_trainer *t, const char *path, const void *ext,
			       size_t n, struct emb_err *err);
int emb_trainer_state_ext(const char *path, void **ext, size_t *n, struct emb_err *err);

#endif
