/*
 * emb_knn: exact top-k search of an embedding table by cosine similarity (and 3CosMul).
 *
 * An index borrows a row-major float32 table (possibly a read-only mapping) and never writes to
 * it: the inverse row norms it needs are kept in a side array, computed on first use.  A batch
 * of queries is scored against tiles of the table with one sgemm per tile (OpenBLAS, single
 * threaded inside each of our own threads, which split the rows); a batch of at most a few
 * query vectors is scored by one fused vectorised pass that computes dot products and row norms
 * together, so a single query reads the table once.
 *
 * Scores: cos(row, q) = dot(row, q) / |row| for a unit query q.  A zero row has similarity 0
 * to everything (cosine is undefined there; 0 is what "no direction" means and never NaN).
 * Ties are broken by the lower row number, so results are stable across runs and threads.
 *
 * Ownership: emb_knn_new() hands an index to *out; emb_knn_free() frees it (NULL-safe).  The
 * table must outlive the index.
 */
#ifndef EMB_KNN_H
#define EMB_KNN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"

struct emb_knn;

struct emb_knn_hit {
	float score;
	size_t row;
};

enum {
	EMB_KNN_COSINE = 0, /* score = cos(row, q), one vector per query */
	EMB_KNN_COSMUL = 1, /* Levy & Goldberg 3CosMul, as gensim's most_similar_cosmul */
};

/* An exclusion slot that excludes nothing. */
#define EMB_KNN_NONE SIZE_MAX

struct emb_knn_batch {
	/*
	 * nq queries of g unit vectors each (query-major, dim floats per vector), where g = 1 for
	 * COSINE and npos + nneg (positives first) for COSMUL, whose score is
	 * prod_pos((1 + cos) / 2) / (prod_neg((1 + cos) / 2) + 1e-6).
	 */
	const float *q;
	size_t nq;
	int method;
	size_t npos, nneg;
	/* nq * nexclude rows that query i never returns (EMB_KNN_NONE pads); NULL: none */
	const size_t *exclude;
	size_t nexclude;
	size_t k;
};

/* Index ROWS x DIM floats at DATA, searched by THREADS threads (<= 0: one per core). */
int emb_knn_new(struct emb_knn **out, const float *data, size_t rows, size_t dim, int threads,
		struct emb_err *err);
void emb_knn_free(struct emb_knn *ix);

/* Search only the first N rows (0 or N > rows: all of them). */
void emb_knn_restrict(struct emb_knn *ix, size_t n);

/*
 * The b->k best rows of each query, best first, into hits[i * b->k ...]; nhits[i] says how
 * many query i got (fewer than k only when fewer rows are eligible).  0, EMB_EINVAL (bad
 * batch), EMB_ENOMEM.
 */
int emb_knn_search(struct emb_knn *ix, const struct emb_knn_batch *b, struct emb_knn_hit *hits,
		   size_t *nhits, struct emb_err *err);

/*
 * A queue of queries searched together, so that a stream of queries becomes a few large batches
 * (matrix products) instead of one pass over the table each.  Fill a query's vectors through
 * emb_knn_queue_slot(), then emb_knn_queue_add() it with the rows it must not return; when the
 * queue is full, or at emb_knn_queue_run(), the queued queries are searched as one batch and
 * their hits stay readable (emb_knn_queue_hits) until emb_knn_queue_clear().
 *
 * Ownership: emb_knn_queue_new() hands a queue to *out; emb_knn_queue_free() frees it
 * (NULL-safe).  The index must outlive the queue.
 */
struct emb_knn_queue;

/*
 * A queue for IX of queries of METHOD (npos + nneg vectors each for COSMUL, else one) and K
 * hits each; CAP queries a batch (0: as many as keep the hits of a batch within a few MiB).
 * 0, EMB_EINVAL (k = 0), EMB_ENOMEM, EMB_ELIMIT.
 */
int emb_knn_queue_new(struct emb_knn_queue **out, struct emb_knn *ix, int method, size_t npos,
		      size_t nneg, size_t k, size_t cap, struct emb_err *err);
void emb_knn_queue_free(struct emb_knn_queue *qq);
/* Where the next query's vectors go (unit vectors, as emb_knn_batch wants them). */
float *emb_knn_queue_slot(struct emb_knn_queue *qq);
/* Queue the slot's query; it never returns the rows EXCL[0..nexcl).  1 when the queue is now
 * full (run it before the next add), 0, or EMB_ENOMEM. */
int emb_knn_queue_add(struct emb_knn_queue *qq, const size_t *excl, size_t nexcl,
		      struct emb_err *err);
/* Search the queued queries (none queued: nothing to do).  0, EMB_ENOMEM. */
int emb_knn_queue_run(struct emb_knn_queue *qq, struct emb_err *err);
/* Queries queued since the last clear; how many fit; whether they were searched. */
size_t emb_knn_queue_len(const struct emb_knn_queue *qq);
size_t emb_knn_queue_cap(const struct emb_knn_queue *qq);
bool emb_knn_queue_searched(const struct emb_knn_queue *qq);
/* After a run: the hits of query I, best first; *n says how many. */
const struct emb_knn_hit *emb_knn_queue_hits(const struct emb_knn_queue *qq, size_t i, size_t *n);
/* Forget the queued queries and their hits. */
void emb_knn_queue_clear(struct emb_knn_queue *qq);

/* dst = src / |src| (L2); a zero vector stays zero.  Returns |src|.  dst may equal src. */
double emb_knn_unit(float *dst, const float *src, size_t dim);

/*
 * The query of "A is to B as C is to ?" from u = unit A, B, C (3 * dim floats): for COSINE
 * (3CosAdd) one vector unit(B - A + C), for COSMUL three (B, C positive; A negative), as
 * emb_knn_batch wants them.  Returns how many vectors were written to dst.
 */
size_t emb_knn_analogy(float *dst, const float *u, size_t dim, int method);

/* Cosine similarity of two vectors, computed in double; 0 when either is zero. */
double emb_knn_cosine(const float *a, const float *b, size_t dim);

#endif
