/*
 * fmt_fasttext: fastText's .bin model file (formats/FASTTEXT.md), shared by its reader
 * (fasttext.c) and its writers (fasttext_write.c); private to formats/ (fmt_ prefix: not
 * exported by libembkit.so).
 */
#ifndef FMT_FASTTEXT_H
#define FMT_FASTTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_out.h"
#include "emb_table.h"

#define FT_MAGIC 793712314
#define FT_VERSION 12

enum { FT_MODEL_CBOW = 1, FT_MODEL_SG = 2, FT_MODEL_SUP = 3 };
enum { FT_LOSS_HS = 1, FT_LOSS_NS = 2, FT_LOSS_SOFTMAX = 3, FT_LOSS_OVA = 4 };

/* The training arguments a model file starts with, in file order. */
struct emb_ft_args {
	int32_t dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn,
		lr_update_rate;
	double t;
};

/* fastText's defaults for an unsupervised model of DIM (skipgram, negative sampling). */
void fmt_ft_args_default(struct emb_ft_args *a, int32_t dim);

/*
 * A model as training leaves it: the words' own input rows (vocabulary order, counts in
 * VOCAB), args->bucket n-gram rows, OUTPUT_ROWS x dim output rows (NULL: zeros).  NTOKENS is
 * the corpus size fastText records.
 */
struct emb_ft_model {
	const struct emb_ft_args *args;
	const struct emb_vocab *vocab;
	const float *words;
	const float *ngrams;
	const float *output;
	size_t output_rows;
	uint64_t ntokens;
};

/* Write M as a fastText .bin to OUT.  0 or the write error. */
int fmt_fasttext_save(const struct emb_ft_model *m, struct emb_out *out, struct emb_err *err);

/*
 * The write() of the fastText format: table T's words (and its subwords, if any) as a model
 * whose word vectors are T's rows.  A word's own row is solved back from its vector and its
 * n-gram rows (equal up to float rounding); the output matrix is zeros.
 */
struct emb_write_opts;
int fmt_fasttext_write(const struct emb_table *t, struct emb_out *out,
		       const struct emb_write_opts *o, struct emb_err *err);

#endif
