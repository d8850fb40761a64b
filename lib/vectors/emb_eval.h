/*
 * emb_eval: intrinsic evaluation of an embedding table, with the numbers gensim's
 * KeyedVectors.evaluate_word_analogies and evaluate_word_pairs give (gensim 4.2).
 *
 * The rules taken from gensim:
 *  - Only the first `restrict_rows` rows count.  Unless case_sensitive, the table's tokens and
 *    the file's words are upper-cased and a word stands for the FIRST row whose upper-cased
 *    token it equals (the most frequent one in a frequency-sorted table).
 *  - Analogy file: ": NAME" lines open sections; a question is a line of exactly four
 *    whitespace-separated words A B C D; any other line is skipped (a warning with its line
 *    number, or an error under `strict`); a question before the first section is an error.
 *    A question with a word outside the searched rows is counted as OOV and not asked.  A
 *    word whose row holds NaN or infinity counts as OOV too (it has no direction; gensim's
 *    numbers would turn to NaN), and such rows are never an answer.
 *    Otherwise the answer is searched among the searched rows with A, B, C excluded (3CosAdd:
 *    cos(x, unit(uB + uC - uA)); or 3CosMul), top 5; the first of them that is not a case
 *    variant of A, B or C is the prediction, and it is correct when it stands for D.
 *  - Sections whose name starts with "gram" are syntactic, the others semantic (the split of
 *    word2vec's questions-words.txt).
 *  - Word-pair file: lines "A<delim>B<delim>SCORE" (tab or comma: sniffed from the first line
 *    that has a tab or a comma), quoted as libcsv reads them; lines starting with '#' are
 *    comments; a line whose third field is not a number (a header) is skipped.  A pair with a
 *    word outside the searched rows (or with a non-finite row) is OOV, unless the table has
 *    subwords: then a word outside them gets its vector from its n-grams, as fastText
 *    evaluates.  Pearson and Spearman (average ranks for ties) correlation between the scores
 *    and the cosine similarities.
 *
 * Nothing is printed: warnings go to the `warn` callback.  A file that holds no question (no
 * pair) at all is not an evaluation file: EMB_EFORMAT.
 *
 * Ownership: reports are filled in caller storage; emb_eval_analogy_release() frees the
 * section array of an analogy report (NULL-safe, also after a failed run).
 */
#ifndef EMB_EVAL_H
#define EMB_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "emb_err.h"
#include "emb_stream.h"
#include "emb_table.h"

struct emb_eval_opts {
	size_t restrict_rows;  /* rows that count (0 = all); gensim's restrict_vocab default 300000 */
	bool case_sensitive;   /* false: gensim's case_insensitive=True */
	bool strict;           /* a malformed line is an error */
	int method;            /* EMB_KNN_COSINE (3CosAdd) or EMB_KNN_COSMUL (emb_knn.h) */
	int threads;           /* search threads (<= 0: one per core) */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
};

#define EMB_EVAL_OPTS_INIT { 300000, false, false, 0, 0, NULL, NULL }

struct emb_eval_section {
	char *name;
	size_t correct, asked;
	bool syntactic;
};

struct emb_eval_analogy_report {
	struct emb_eval_section *sec;
	size_t nsec;
	size_t questions;       /* well-formed question lines */
	size_t oov;             /* of them not asked: a word outside the searched rows */
	size_t skipped;         /* malformed lines */
	size_t rows;            /* rows that counted: the first min(restrict_rows, rows) */
	size_t correct, asked;  /* totals over all sections */
	size_t sem_correct, sem_asked, syn_correct, syn_asked;
};

struct emb_eval_pairs_report {
	size_t pairs;           /* pairs used */
	size_t oov;             /* pairs with a word outside the searched rows */
	size_t skipped;         /* malformed or header lines */
	size_t rows;            /* rows that counted */
	double pearson, spearman; /* NaN when undefined (fewer than 2 pairs, a constant column) */
};

/* Run the analogy questions of IN against T.  0 or a negative error (IN's name and line). */
int emb_eval_analogy(struct emb_eval_analogy_report *r, const struct emb_table *t,
		     struct emb_stream *in, const struct emb_eval_opts *o, struct emb_err *err);
void emb_eval_analogy_release(struct emb_eval_analogy_report *r);

/* Correlate the word pairs of IN with T's cosine similarities. */
int emb_eval_pairs(struct emb_eval_pairs_report *r, const struct emb_table *t,
		   struct emb_stream *in, const struct emb_eval_opts *o, struct emb_err *err);

/* Pearson's r of x and y (n values); NaN when n < 2 or a column is constant. */
double emb_eval_pearson(const double *x, const double *y, size_t n);
/* Spearman's rho (Pearson of average ranks); *rho NaN as above.  0 or EMB_ENOMEM. */
int emb_eval_spearman(double *rho, const double *x, const double *y, size_t n,
		      struct emb_err *err);

/*
 * Upper-case UTF-8 s[0..n) code point by code point (utf8proc's simple mapping; invalid bytes
 * are kept) into a new string; *out_len gets its length.  NULL on allocation failure.
 */
char *emb_eval_upper(const char *s, size_t n, size_t *out_len);

#endif
