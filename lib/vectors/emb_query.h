/*
 * emb_query: the questions a person asks an embedding table, one query (a line of words) at a
 * time: a word's vector, its nearest rows, an analogy, a similarity, the word that does not
 * match, the rows of an id sequence.  The caller reads query lines and prints answers; this
 * module parses the lines, resolves each word through emb_table_word_vector() (the one place a
 * word becomes a vector), applies the caller's policy for words without a usable vector, and
 * searches many queries at a time (emb_knn_queue), as gensim's KeyedVectors would answer them.
 *
 * Queries (fields are separated by white space):
 *   VEC           WORD...    each word's vector, as stored
 *   NN            WORD, or DIM numbers (a literal vector); with negatives, WORD... are the
 *                 positives of one query: gensim's most_similar(positive, negative)
 *   ANALOGY       A B C      A is to B as C is to ? (3CosAdd, or 3CosMul)
 *   SIM           A B        cosine similarity
 *   DOESNT_MATCH  WORD...    gensim's doesnt_match: every word ranked by its cosine to the mean
 *                            of the unit vectors, the odd one (lowest) first
 *   LOOKUP        ID...      the rows of an id sequence (nn.Embedding forward)
 * A word whose vector holds NaN or infinity has no direction: for NN, ANALOGY, SIM and
 * DOESNT_MATCH it is treated like a word without a vector (named in the error or warning), and
 * such rows are never returned as neighbours (their scores are NaN, which no search keeps).
 *
 * Answers: VEC, SIM, DOESNT_MATCH and LOOKUP answer at once; NN and ANALOGY queue until a
 * batch is full or emb_query_run().  emb_query_next() hands the answers out in query order;
 * they point into the query object and into the line given to emb_query_add(), and stay valid
 * until the next add or run.
 *
 * A malformed query is skipped with a warning naming its source and line, or under `strict`
 * is an error (EMB_EFORMAT).  Nothing is printed: warnings go to the `warn` callback.
 *
 * Ownership: emb_query_new() hands a query object to *out; emb_query_free() frees it
 * (NULL-safe).  The table must outlive it.
 */
#ifndef EMB_QUERY_H
#define EMB_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "emb_err.h"
#include "emb_table.h"

enum {
	EMB_QUERY_VEC, EMB_QUERY_NN, EMB_QUERY_ANALOGY, EMB_QUERY_SIM, EMB_QUERY_DOESNT_MATCH,
	EMB_QUERY_LOOKUP,
};

/* What a word without a usable vector (or an id outside the table) does. */
enum {
	EMB_OOV_ERROR, /* an error naming it */
	EMB_OOV_SKIP,  /* a warning; the query is skipped (DOESNT_MATCH: the word is left out) */
	EMB_OOV_ZERO,  /* a warning; a zero vector stands in for it */
};

#define EMB_QUERY_PADDING_TABLE (-2) /* padding_idx: the table's own padding row */

struct emb_query_opts {
	int kind;              /* EMB_QUERY_* */
	int method;            /* ANALOGY: EMB_KNN_COSINE (3CosAdd) or EMB_KNN_COSMUL */
	size_t k;              /* NN, ANALOGY: hits per query (>= 1) */
	size_t restrict_rows;  /* NN, ANALOGY: search only the first N rows (0: all) */
	int threads;           /* search threads (<= 0: one per core) */
	int oov;               /* EMB_OOV_* */
	bool strict;           /* a malformed query is an error */
	const char *const *negative; /* NN: words subtracted from every query (gensim's negative=) */
	size_t nnegative;      /* > 0: each query's words are the positives of one query */
	double max_norm;       /* LOOKUP: renormalise rows whose norm exceeds it (< 0: never) */
	double norm_type;      /* LOOKUP: the p of that norm */
	long padding_idx;      /* LOOKUP: row that reads as zeros (-1 none; EMB_QUERY_PADDING_TABLE) */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
};

#define EMB_QUERY_OPTS_INIT { EMB_QUERY_NN, 0, 10, 0, 0, EMB_OOV_ERROR, false, NULL, 0, -1, 2, \
			      EMB_QUERY_PADDING_TABLE, NULL, NULL }

struct emb_query_item {
	const char *word;      /* a hit's token (NN, ANALOGY), a query word (VEC, SIM,
				  DOESNT_MATCH); NULL for LOOKUP */
	size_t len;
	const float *vec;      /* VEC, LOOKUP: dim values; else NULL */
	float score;           /* NN, ANALOGY: cosine (or 3CosMul); DOESNT_MATCH: cosine to the mean */
};

struct emb_query_result {
	const char *query;     /* the query as written (NN, ANALOGY, DOESNT_MATCH) */
	size_t query_len;
	const struct emb_query_item *item;
	size_t n;
	double similarity;     /* SIM: cosine of item[0] and item[1]; 0 when either has no direction */
};

struct emb_query;

/* A query object for table T.  0, EMB_EINVAL (bad options), EMB_EFORMAT (a negative word
 * without a vector under EMB_OOV_ERROR), EMB_ENOMEM, EMB_ELIMIT. */
int emb_query_new(struct emb_query **out, const struct emb_table *t, const struct emb_query_opts *o,
		  struct emb_err *err);
void emb_query_free(struct emb_query *q);

/*
 * Answer (or queue) the query S[0..n), line LINE of SRC (LINE 0: the command line), for the
 * messages.  Answers not yet taken with emb_query_next() are dropped.  0 (also for a skipped
 * query), EMB_EFORMAT (a malformed query under strict; a word without a vector under
 * EMB_OOV_ERROR), EMB_ENOMEM.
 */
int emb_query_add(struct emb_query *q, const char *s, size_t n, const char *src,
		  unsigned long long line, struct emb_err *err);
/* Search the queued queries now (interactive use, and at the end).  0, EMB_ENOMEM. */
int emb_query_run(struct emb_query *q, struct emb_err *err);
/* The next answer into *r: 0, or EMB_EOF when there is none (yet). */
int emb_query_next(struct emb_query *q, struct emb_query_result *r);

/* The dimension of the table's vectors (what VEC and LOOKUP items hold). */
size_t emb_query_dim(const struct emb_query *q);

#endif
