/*
 * Writing fastText's .bin (formats/FASTTEXT.md): from a model as training leaves it
 * (fmt_fasttext_save), or from any table (fmt_fasttext_write, the format's write()).
 *
 * A table holds the words' vectors, and fastText stores each word's own row, from which it
 * averages the vector back with the word's n-gram rows; so the table writer solves the own
 * row as n * vector - (sum of its n-gram rows), in double.  Read back, the vector equals the
 * table's up to float rounding.  The output matrix of a converted table is zeros: fastText
 * reads it (print-word-vectors, nn, analogies need only the input side) but cannot resume
 * training from it.
 */
#include "fmt_fasttext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_format.h"
#include "emb_subword.h"
#include "emb_bytes.h"

#define ZEROS_LEN 4096

void fmt_ft_args_default(struct emb_ft_args *a, int32_t dim)
{
	memset(a, 0, sizeof *a);
	a->dim = dim;
	a->ws = 5;
	a->epoch = 5;
	a->min_count = 5;
	a->neg = 5;
	a->word_ngrams = 1;
	a->loss = FT_LOSS_NS;
	a->model = FT_MODEL_SG;
	a->bucket = 2000000;
	a->minn = 3;
	a->maxn = 6;
	a->lr_update_rate = 100;
	a->t = 1e-4;
}

static int put_i32(struct emb_out *out, int32_t v, struct emb_err *err)
{
	unsigned char b[4];
	emb_put_le32(b, (uint32_t)v);
	return emb_out_write(out, b, 4, err);
}

static int put_i64(struct emb_out *out, int64_t v, struct emb_err *err)
{
	unsigned char b[8];
	emb_put_le64(b, (uint64_t)v);
	return emb_out_write(out, b, 8, err);
}

/* ROWS x DIM floats little-endian (NULL: zeros). */
static int put_floats(struct emb_out *out, const float *v, size_t rows, size_t dim,
		      struct emb_err *err)
{
	static const unsigned char zeros[ZEROS_LEN];
	size_t n = rows * dim * 4;
	int rc = 0;

	if (!v) {
		while (n && rc == 0) {
			size_t k = n < ZEROS_LEN ? n : ZEROS_LEN;
			rc = emb_out_write(out, zeros, k, err);
			n -= k;
		}
		return rc;
	}
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (size_t i = 0; i < rows * dim && rc == 0; i++) {
		uint32_t u;
		memcpy(&u, v + i, 4);
		rc = put_i32(out, (int32_t)u, err);
	}
	return rc;
#else
	return emb_out_write(out, v, n, err);
#endif
}

static int put_matrix(struct emb_out *out, const float *a, size_t arows, const float *b,
		      size_t brows, size_t dim, struct emb_err *err)
{
	int rc;
	static const unsigned char not_quantized = 0;

	if ((rc = emb_out_write(out, &not_quantized, 1, err)) < 0 ||
	    (rc = put_i64(out, (int64_t)(arows + brows), err)) < 0 ||
	    (rc = put_i64(out, (int64_t)dim, err)) < 0 || (rc = put_floats(out, a, arows, dim, err)) < 0)
		return rc;
	return brows ? put_floats(out, b, brows, dim, err) : 0;
}

int fmt_fasttext_save(const struct emb_ft_model *m, struct emb_out *out, struct emb_err *err)
{
	const struct emb_ft_args *a = m->args;
	const int32_t head[] = { FT_MAGIC, FT_VERSION, a->dim, a->ws, a->epoch, a->min_count,
				 a->neg, a->word_ngrams, a->loss, a->model, a->bucket, a->minn,
				 a->maxn, a->lr_update_rate };
	size_t nwords = emb_vocab_size(m->vocab), i;
	unsigned char tb[8];
	uint64_t bits;
	int rc = 0;

	if (nwords > INT32_MAX)
		return emb_err_set(err, EMB_ELIMIT, "fastText holds at most %d words", INT32_MAX);
	for (i = 0; i < sizeof head / sizeof head[0] && rc == 0; i++)
		rc = put_i32(out, head[i], err);
	memcpy(&bits, &a->t, 8);
	emb_put_le64(tb, bits);
	if (rc < 0 || (rc = emb_out_write(out, tb, 8, err)) < 0 ||
	    (rc = put_i32(out, (int32_t)nwords, err)) < 0 || (rc = put_i32(out, (int32_t)nwords, err)) < 0 ||
	    (rc = put_i32(out, 0, err)) < 0 || (rc = put_i64(out, (int64_t)m->ntokens, err)) < 0 ||
	    (rc = put_i64(out, -1, err)) < 0)
		return rc;
	for (i = 0; i < nwords && rc == 0; i++) {
		static const unsigned char word_type = 0;
		size_t len;
		const char *w = emb_vocab_token(m->vocab, i, &len);
		if ((rc = emb_out_write(out, w, len + 1, err)) == 0 &&
		    (rc = put_i64(out, (int64_t)emb_vocab_count(m->vocab, i), err)) == 0)
			rc = emb_out_write(out, &word_type, 1, err);
	}
	if (rc < 0 || (rc = put_matrix(out, m->words, nwords, m->ngrams, (size_t)a->bucket,
				       (size_t)a->dim, err)) < 0)
		return rc;
	return put_matrix(out, m->output, m->output ? m->output_rows : nwords, NULL, 0,
			  (size_t)a->dim, err);
}

/* Arguments recorded by the reader ("fasttext.args") that still hold for the table. */
static void args_from_meta(struct emb_ft_args *a, const struct emb_table *t)
{
	const char *s = emb_table_meta_get(t, "fasttext.args");
	const char *p;

	if (!s)
		return;
	if ((p = strstr(s, "model=")) && strncmp(p + 6, "cbow", 4) == 0)
		a->model = FT_MODEL_CBOW;
	if ((p = strstr(s, "loss=")) && strncmp(p + 5, "hs", 2) == 0)
		a->loss = FT_LOSS_HS;
	if ((p = strstr(s, " ws=")))
		a->ws = (int32_t)strtol(p + 4, NULL, 10);
	if ((p = strstr(s, " epoch=")))
		a->epoch = (int32_t)strtol(p + 7, NULL, 10);
	if ((p = strstr(s, " minCount=")))
		a->min_count = (int32_t)strtol(p + 10, NULL, 10);
	if ((p = strstr(s, " neg=")))
		a->neg = (int32_t)strtol(p + 5, NULL, 10);
	if ((p = strstr(s, " t=")))
		a->t = strtod(p + 3, NULL);
}

/* Own rows of T's words: n * vector - sum of n-gram rows. */
static int solve_own_rows(const struct emb_table *t, float *own, struct emb_err *err)
{
	const struct emb_subword *sw = t->subword;
	uint32_t *ids = NULL;
	double *acc = NULL;
	size_t cap = 0, i, d, k;
	int rc = 0;

	if (!(acc = malloc(t->dim * sizeof *acc)))
		return emb_err_nomem(err, "writing a fastText model");
	for (i = 0; i < t->rows; i++) {
		size_t len, n;
		const char *w = emb_table_token(t, i, &len);
		const float *v = emb_table_row(t, i);
		n = sw ? emb_subword_ids(sw->minn, sw->maxn, sw->bucket, w, len, ids, cap) : 0;
		if (n > cap) {
			uint32_t *ni = realloc(ids, n * sizeof *ids);
			if (!ni) {
				rc = emb_err_nomem(err, "writing a fastText model");
				break;
			}
			ids = ni;
			cap = n;
			emb_subword_ids(sw->minn, sw->maxn, sw->bucket, w, len, ids, cap);
		}
		for (d = 0; d < t->dim; d++)
			acc[d] = (double)v[d] * (double)(n + 1);
		for (k = 0; k < n; k++)
			for (d = 0; d < t->dim; d++)
				acc[d] -= sw->rows[(size_t)ids[k] * t->dim + d];
		for (d = 0; d < t->dim; d++)
			own[i * t->dim + d] = (float)acc[d];
	}
	free(ids);
	free(acc);
	return rc;
}

int fmt_fasttext_write(const struct emb_table *t, struct emb_out *out,
		       const struct emb_write_opts *o, struct emb_err *err)
{
	const struct emb_subword *sw = t->subword;
	struct emb_ft_args a;
	struct emb_ft_model m;
	struct emb_vocab *v = NULL;
	uint64_t ntokens = 0;
	float *own = NULL;
	size_t i, bytes;
	int rc;

	(void)o;
	if (t->dim > INT32_MAX || (sw && sw->bucket > INT32_MAX))
		return emb_err_set(err, EMB_ELIMIT, "table too large for fastText");
	fmt_ft_args_default(&a, (int32_t)t->dim);
	args_from_meta(&a, t);
	a.bucket = sw ? (int32_t)sw->bucket : 0;
	a.minn = sw ? (int32_t)sw->minn : 0;
	a.maxn = sw ? (int32_t)sw->maxn : 0;
	if (!emb_mul_ok(t->rows, t->dim * sizeof(float), &bytes))
		return emb_err_set(err, EMB_ELIMIT, "table too large for fastText");
	if ((rc = emb_vocab_new(&v, err)) < 0)
		return rc;
	for (i = 0; i < t->rows && rc == 0; i++) {
		size_t len;
		const char *w = emb_table_token(t, i, &len);
		uint64_t c = emb_table_count(t, i);
		ntokens += c;
		rc = emb_vocab_add(v, w, len, c, NULL, err);
	}
	if (rc < 0)
		goto done;
	if (!(own = malloc(bytes ? bytes : 1))) {
		rc = emb_err_nomem(err, "writing a fastText model");
		goto done;
	}
	if ((rc = solve_own_rows(t, own, err)) < 0)
		goto done;
	memset(&m, 0, sizeof m);
	m.args = &a;
	m.vocab = v;
	m.words = own;
	m.ngrams = sw ? sw->rows : NULL;
	m.ntokens = ntokens;
	rc = fmt_fasttext_save(&m, out, err);
done:
	free(own);
	emb_vocab_free(v);
	return rc;
}
