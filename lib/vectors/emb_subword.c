/*
 * emb_subword: character n-gram rows and fastText's way of turning them into a word vector
 * (contract in emb_subword.h).
 *
 * The n-grams are walked over the word as if it were wrapped in "<" and ">" (no copy): at each
 * byte that starts a character, extend one character at a time up to maxn, hashing as we go,
 * and emit from minn on.  The hash is FNV-1a-32 with each byte sign-extended first, which is
 * what fastText computes on its (signed) chars; bytes >= 0x80 therefore hash differently from
 * textbook FNV-1a, and must, or a fastText model's non-ASCII n-grams land in the wrong rows.
 */
#include "emb_subword.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "emb_table.h"
#include "internal.h"

#define FNV_BASIS 2166136261u
#define FNV_PRIME 16777619u

static inline uint32_t fnv_step(uint32_t h, unsigned char c)
{
	return (h ^ (uint32_t)(int32_t)(signed char)c) * FNV_PRIME;
}

uint32_t emb_subword_hash(const void *s, size_t n)
{
	const unsigned char *p = s;
	uint32_t h = FNV_BASIS;
	size_t i;

	for (i = 0; i < n; i++)
		h = fnv_step(h, p[i]);
	return h;
}

static int make(struct emb_subword **out, uint32_t minn, uint32_t maxn, uint32_t bucket,
		size_t dim, struct emb_err *err)
{
	struct emb_subword *sw;

	*out = NULL;
	if (maxn > EMB_SUBWORD_MAX_N || dim == 0)
		return emb_err_set(err, EMB_ELIMIT, "n-gram length %u or dimension %zu out of range",
				   maxn, dim);
	if (!(sw = calloc(1, sizeof *sw)))
		return emb_err_nomem(err, "creating the n-gram table");
	sw->minn = minn;
	sw->maxn = maxn;
	sw->bucket = bucket;
	sw->dim = dim;
	*out = sw;
	return 0;
}

int emb_subword_new(struct emb_subword **out, uint32_t minn, uint32_t maxn, uint32_t bucket,
		    size_t dim, struct emb_err *err)
{
	int rc;

	if ((rc = make(out, minn, maxn, bucket, dim, err)) < 0)
		return rc;
	if ((rc = emb_table_new(&(*out)->own, bucket, dim, err)) < 0) {
		emb_subword_free(*out);
		*out = NULL;
		return rc;
	}
	(*out)->rows = (*out)->own->data;
	return 0;
}

int emb_subword_borrow(struct emb_subword **out, uint32_t minn, uint32_t maxn, uint32_t bucket,
		       size_t dim, const float *rows, struct emb_err *err)
{
	int rc = make(out, minn, maxn, bucket, dim, err);

	if (rc == 0)
		(*out)->rows = rows;
	return rc;
}

void emb_subword_free(struct emb_subword *sw)
{
	if (!sw)
		return;
	emb_table_free(sw->own);
	free(sw);
}

float *emb_subword_data(struct emb_subword *sw)
{
	return sw->own ? sw->own->data : NULL;
}

/* Byte k of "<w>". */
static inline unsigned char wrapped(const char *w, size_t len, size_t k)
{
	return k == 0 ? '<' : k == len + 1 ? '>' : (unsigned char)w[k - 1];
}

static inline bool continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

typedef void (*ngram_fn)(void *ctx, uint32_t row);

/* Call FN with the row of every n-gram of W in fastText's order; returns how many. */
static size_t each_ngram(uint32_t minn, uint32_t maxn, uint32_t bucket, const char *w,
			 size_t len, ngram_fn fn, void *ctx)
{
	size_t total = len + 2, i, count = 0;

	if (bucket == 0 || (len == 4 && memcmp(w, "</s>", 4) == 0))
		return 0;
	for (i = 0; i < total; i++) {
		uint32_t h = FNV_BASIS, n;
		size_t j = i;
		if (continuation(wrapped(w, len, i)))
			continue;
		for (n = 1; j < total && n <= maxn; n++) {
			h = fnv_step(h, wrapped(w, len, j++));
			while (j < total && continuation(wrapped(w, len, j)))
				h = fnv_step(h, wrapped(w, len, j++));
			/* a lone "<" or ">" says nothing about the word */
			if (n >= minn && !(n == 1 && (i == 0 || j == total))) {
				fn(ctx, h % bucket);
				count++;
			}
		}
	}
	return count;
}

struct id_sink {
	uint32_t *ids;
	size_t cap, n;
};

static void put_id(void *ctx, uint32_t row)
{
	struct id_sink *s = ctx;

	if (s->n < s->cap)
		s->ids[s->n] = row;
	s->n++;
}

size_t emb_subword_ids(uint32_t minn, uint32_t maxn, uint32_t bucket, const char *w, size_t len,
		       uint32_t *ids, size_t cap)
{
	struct id_sink s = { ids, cap, 0 };

	return each_ngram(minn, maxn, bucket, w, len, put_id, &s);
}

struct vec_sink {
	const struct emb_subword *sw;
	float *acc;
};

static void add_row(void *ctx, uint32_t row)
{
	struct vec_sink *s = ctx;
	const float *r = s->sw->rows + (size_t)row * s->sw->dim;
	size_t d;

	for (d = 0; d < s->sw->dim; d++)
		s->acc[d] += r[d];
}

size_t emb_subword_vector(const struct emb_subword *sw, const char *w, size_t len,
			  const float *own, float *out)
{
	struct vec_sink s = { sw, out };
	size_t n, d;
	float scale;

	memset(out, 0, sw->dim * sizeof *out);
	if (own)
		for (d = 0; d < sw->dim; d++)
			out[d] += own[d];
	n = each_ngram(sw->minn, sw->maxn, sw->bucket, w, len, add_row, &s) + (own != NULL);
	if (n == 0)
		return 0;
	/* fastText scales by the float nearest 1/n, not by dividing */
	scale = (float)(1.0 / (double)n);
	for (d = 0; d < sw->dim; d++)
		out[d] *= scale;
	return n;
}
