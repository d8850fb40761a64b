/*
 * emb_glove: GloVe (Pennington, Socher, Manning 2014) from embtrain's id cache, in two steps.
 *
 *   1. emb_cooc_count(): weighted co-occurrence counts (1/d for words d apart in a line,
 *      symmetric or left-only) in bounded memory; the result is a struct emb_cooc, the
 *      co-occurrence data already shuffled for training.  emb_cooc_new()/_add()/_finish() build
 *      one from records in (i, j) order instead (a saved co-occurrence file).
 *   2. emb_glove_new() + emb_glove_run(): weighted least squares on log counts with AdaGrad,
 *      float32 parameters: word and context vectors with a bias each and their squared
 *      gradient sums, 4 arrays of rows x (dim + 1) floats.
 *
 * Order and determinism.  The shuffle does not depend on memory: a record's place is a hash of
 * (seed, i, j), which picks one of 65536 fine buckets, and within a bucket a Fisher-Yates
 * shuffle seeded by (seed, bucket) of its records taken in (i, j) order.  Counting sums
 * integer weights (1/d in units of 1/EMB_COOC_SCALE), so counts do not depend on the order of
 * additions either: a run that spilled gives the bytes of one that did not.
 *
 * Temporary files are created in $TMPDIR (else /tmp) and unlinked at once, so they are gone on
 * every exit path, signals and crashes included.
 *
 * Ownership: _new/_count hand an object to *out; the matching _free() frees it (NULL-safe).
 */
#ifndef EMB_GLOVE_H
#define EMB_GLOVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_train.h"

/* Counts are sums of round(EMB_COOC_SCALE / d): exact 1/d for d <= 10 (2520 = lcm(1..10)). */
#define EMB_COOC_SCALE 2520
#define EMB_COOC_MAX_WINDOW 64
#define EMB_COOC_FINE_BITS 16      /* fine shuffle buckets: 2^16 */
#define EMB_COOC_FANIN 64          /* most runs merged at once (files open: one) */

struct emb_cooc_rec {
	uint32_t i, j; /* word row, context row */
	float x;       /* weighted count */
};

enum emb_glove_phase { EMB_GLOVE_COUNT, EMB_GLOVE_MERGE, EMB_GLOVE_SHUFFLE, EMB_GLOVE_TRAIN };

struct emb_glove_progress {
	int phase;           /* enum emb_glove_phase */
	double frac;         /* 0..1 of the phase */
	unsigned epoch;      /* training: 1-based epoch in progress (or just finished) */
	double cost;         /* training: mean cost of the last finished epoch (0: none yet) */
	double elapsed, eta; /* seconds in this phase; estimated seconds left in it */
};

struct emb_glove_opts {
	size_t dim;          /* 100 */
	unsigned window;     /* 10 (1..EMB_COOC_MAX_WINDOW) */
	bool symmetric;      /* true: context on both sides; false: left only */
	double x_max;        /* 100 */
	double power;        /* weighting exponent, 0.75 */
	double eta;          /* initial AdaGrad learning rate, 0.05 */
	unsigned epochs;     /* 25 */
	unsigned threads;    /* 1 */
	uint64_t seed;       /* 1 */
	size_t memory;       /* bytes for counting, merging and the shuffle (0: 1 GiB) */
	/* control */
	volatile sig_atomic_t *stop;      /* non-zero: stop soon, EMB_EINTR */
	const char *checkpoint;           /* written after every epoch and when stopped (NULL) */
	void (*progress)(void *ctx, const struct emb_glove_progress *p);
	void *progress_ctx;
	double progress_every;            /* seconds, 0.25 */
};

#define EMB_GLOVE_OPTS_INIT { 100, 10, true, 100, 0.75, 0.05, 25, 1, 1, 0, NULL, NULL, NULL, \
	NULL, 0.25 }

/* ---- 1. co-occurrence data ---------------------------------------------------------- */

struct emb_cooc;

/* What the counting of a corpus will need, for the estimate printed before the work. */
struct emb_cooc_plan {
	size_t dense_bytes;   /* the table of frequent pairs */
	size_t buffer_bytes;  /* the buffer of the other pairs */
	uint64_t disk_bytes;  /* temporary disk at most, if it spills (0: will not spill) */
};
void emb_cooc_plan(struct emb_cooc_plan *p, size_t rows, uint64_t words,
		   const struct emb_glove_opts *o);

/*
 * Where the merged records also go (a co-occurrence file being written): begin() once with
 * an upper bound of the records, then put() for every record in (i, j) order.  A negative
 * return stops the count with that error.
 */
struct emb_cooc_sink {
	int (*begin)(void *ctx, uint64_t max_records, struct emb_err *err);
	int (*put)(void *ctx, const struct emb_cooc_rec *r, struct emb_err *err);
	void *ctx;
};

/*
 * Count the co-occurrences of CORPUS (ids below ROWS, EMB_TRAIN_EOS between lines) with
 * o->window, o->symmetric, o->memory, o->seed; progress and stop from *O; SINK may be NULL.
 */
int emb_cooc_count(struct emb_cooc **out, const struct emb_train_corpus *corpus, size_t rows,
		   const struct emb_glove_opts *o, const struct emb_cooc_sink *sink,
		   struct emb_err *err);

/*
 * Co-occurrence data from records: at most MAX_RECORDS records over ROWS rows, to be added in
 * strictly increasing (i, j) order; memory from o->memory, shuffle from o->seed.
 */
int emb_cooc_new(struct emb_cooc **out, size_t rows, uint64_t max_records,
		 const struct emb_glove_opts *o, struct emb_err *err);
int emb_cooc_add(struct emb_cooc *c, const struct emb_cooc_rec *r, struct emb_err *err);
/* After the last _add: shuffle.  EMB_EINTR when *o->stop is set. */
int emb_cooc_finish(struct emb_cooc *c, struct emb_err *err);

uint64_t emb_cooc_records(const struct emb_cooc *c);
size_t emb_cooc_rows(const struct emb_cooc *c);
/* Sorted runs the counting spilled to temporary disk (0: none), and whether the shuffled
 * data lives on disk (in emb_cooc_groups() groups) rather than in memory. */
size_t emb_cooc_runs(const struct emb_cooc *c);
bool emb_cooc_spilled(const struct emb_cooc *c);
/* Groups of shuffled records, trained in order: _load() gives group G's records (owned by C,
 * valid until the next call). */
size_t emb_cooc_groups(const struct emb_cooc *c);
int emb_cooc_load(struct emb_cooc *c, size_t g, const struct emb_cooc_rec **recs, size_t *n,
		  struct emb_err *err);
void emb_cooc_free(struct emb_cooc *c);

/* ---- 2. training -------------------------------------------------------------------- */

struct emb_glove;

/* A model of ROWS rows with the options *O (copied), initialised from o->seed. */
int emb_glove_new(struct emb_glove **out, size_t rows, const struct emb_glove_opts *o,
		  struct emb_err *err);
void emb_glove_free(struct emb_glove *g);
/*
 * Train the remaining epochs over C.  0 when done; EMB_EINTR when *stop was set (after saving
 * the checkpoint when one is named); EMB_ELIMIT when the model diverged.
 */
int emb_glove_run(struct emb_glove *g, struct emb_cooc *c, struct emb_err *err);

enum emb_glove_output { EMB_GLOVE_WORD, EMB_GLOVE_SUM, EMB_GLOVE_CONTEXT };
/* Row r of the vectors KIND into DST (dim floats). */
void emb_glove_vector(const struct emb_glove *g, int kind, size_t r, float *dst);
size_t emb_glove_dim(const struct emb_glove *g);
unsigned emb_glove_epochs_done(const struct emb_glove *g);
/* Mean cost of the last epoch, and seconds of training. */
double emb_glove_cost(const struct emb_glove *g);
double emb_glove_seconds(const struct emb_glove *g);

/*
 * Checkpoints: the options, epochs done, parameters and the co-occurrence data's digest (rows,
 * records); emb_glove_run() writes one to o->checkpoint after every epoch.  _resume() makes a
 * model from one, taking only the control fields of *O.
 */
int emb_glove_save_state(const struct emb_glove *g, const char *path, struct emb_err *err);
int emb_glove_resume(struct emb_glove **out, const char *path, const struct emb_glove_opts *o,
		     struct emb_err *err);
const struct emb_glove_opts *emb_glove_opts(const struct emb_glove *g);

#endif
