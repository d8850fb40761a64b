/*
 * emb_query: query lines in, answers out.  See emb_query.h.
 *
 * Each emb_query_add() parses one line into fields, resolves the words (resolve(): the table's
 * vector, the out-of-vocabulary policy, the finiteness check) and either fills the one
 * immediate answer or queues a search.  Searches wait in an emb_knn_queue so a stream of
 * queries is answered by a few matrix products; the queries' labels wait beside it.
 * emb_query_next() first hands out the immediate answer, then the searched queue's answers.
 */
#include "emb_query.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_float.h"
#include "emb_knn.h"
#include "internal.h"

struct emb_query {
	struct emb_query_opts o;
	const struct emb_table *t;
	size_t dim;
	struct emb_knn *ix;
	struct emb_knn_queue *qq;
	/* labels of the queued queries: label_at[i] .. label_at[i + 1] in labels */
	char *labels;
	size_t labels_len, labels_cap;
	size_t *label_at;
	size_t next;             /* the queue's next answer to hand out */
	struct emb_query_item *hit_items; /* min(k, rows) of them */
	/* NN with negatives: -sum of the negatives' unit vectors, and their rows */
	double *neg;
	size_t *neg_rows, nneg_rows;
	/* the immediate answer */
	bool ready;
	struct emb_query_result res;
	struct emb_query_item *items;
	size_t items_cap;
	float *vbuf;             /* items_cap * dim floats behind the items' vectors */
	size_t *rows;            /* items_cap rows (or EMB_KNN_NONE) */
	double *acc;             /* dim doubles */
	/* where the current query comes from */
	const char *src;
	unsigned long long line;
};

/* ---- fields ---- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Next whitespace-separated field of s[*i..n): *f, *fl; false at the end. */
static bool next_field(const char *s, size_t n, size_t *i, const char **f, size_t *fl)
{
	while (*i < n && is_ws(s[*i]))
		(*i)++;
	if (*i == n)
		return false;
	*f = s + *i;
	while (*i < n && !is_ws(s[*i]))
		(*i)++;
	*fl = (size_t)(s + *i - *f);
	return true;
}

static size_t count_fields(const char *s, size_t n)
{
	size_t i = 0, c = 0, fl;
	const char *f;

	while (next_field(s, n, &i, &f, &fl))
		c++;
	return c;
}

/* ---- messages ---- */

static void warn(const struct emb_query *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const struct emb_query *q, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!q->o.warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	q->o.warn(q->o.warn_ctx, msg);
}

/* A malformed query: a warning and 0 (skip it), or under strict an error. */
static int bad_query(struct emb_query *q, struct emb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad_query(struct emb_query *q, struct emb_err *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (q->o.strict)
		return emb_err_set_at(err, EMB_EFORMAT, q->src, q->line, "%s", msg);
	if (q->line)
		warn(q, "%s:%llu: %s (line skipped)", q->src, q->line, msg);
	else
		warn(q, "%s (query skipped)", msg);
	return 0;
}

/* ---- words ---- */

static bool all_finite(const float *v, size_t dim)
{
	for (size_t d = 0; d < dim; d++)
		if (!isfinite(v[d]))
			return false;
	return true;
}

/*
 * The vector of word W (into BUF when it is not a row): *row gets its row or EMB_KNN_NONE.
 * NULL after a warning (EMB_OOV_SKIP: *rc 0), BUF zeroed (EMB_OOV_ZERO), or NULL with *rc
 * EMB_EFORMAT.  A vector with NaN or infinity counts as no vector when DIRECTION is wanted.
 */
static const float *resolve(struct emb_query *q, const char *w, size_t n, bool direction,
			    float *buf, size_t *row, int *rc, struct emb_err *err)
{
	char tok[128], why[64] = "is not in the vocabulary";
	long r;
	const float *v = emb_table_word_vector(q->t, w, n, buf, &r);

	*rc = 0;
	*row = r >= 0 ? (size_t)r : EMB_KNN_NONE;
	if (v && (!direction || all_finite(v, q->dim)))
		return v;
	if (v && r >= 0)
		snprintf(why, sizeof why, "has a non-finite vector (row %ld)", r + 1);
	else if (v)
		snprintf(why, sizeof why, "has a non-finite vector");
	*row = EMB_KNN_NONE;
	emb_err_token(tok, sizeof tok, w, n);
	if (q->o.oov == EMB_OOV_ERROR) {
		*rc = emb_err_set(err, EMB_EFORMAT, "'%s' %s", tok, why);
		return NULL;
	}
	warn(q, "'%s' %s%s", tok, why, q->o.oov == EMB_OOV_ZERO ? ": using a zero vector" : ": skipped");
	if (q->o.oov != EMB_OOV_ZERO)
		return NULL;
	memset(buf, 0, q->dim * sizeof *buf);
	return buf;
}

/* Room for N items (and their vectors, rows). */
static int reserve_items(struct emb_query *q, size_t n, struct emb_err *err)
{
	size_t cap = q->items_cap ? q->items_cap : 16, cells;
	void *p;

	if (n <= q->items_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if (!emb_mul_ok(cap, q->dim ? q->dim : 1, &cells))
		return emb_err_set(err, EMB_ELIMIT, "a query of %zu words is too long", n);
	if (!(p = realloc(q->items, cap * sizeof *q->items)))
		return emb_err_nomem(err, "answering a query");
	q->items = p;
	if (!(p = realloc(q->rows, cap * sizeof *q->rows)))
		return emb_err_nomem(err, "answering a query");
	q->rows = p;
	if (!(p = realloc(q->vbuf, cells * sizeof *q->vbuf)))
		return emb_err_nomem(err, "answering a query");
	q->vbuf = p;
	q->items_cap = cap;
	return 0;
}

/* dst = unit(acc) in float (a zero sum stays zero). */
static void unit_from(float *dst, const double *acc, size_t dim)
{
	double ss = 0, norm;

	for (size_t d = 0; d < dim; d++)
		ss += acc[d] * acc[d];
	norm = sqrt(ss);
	for (size_t d = 0; d < dim; d++)
		dst[d] = norm > 0 ? (float)(acc[d] / norm) : 0.0f;
}

/* acc += weight * unit(v), in double: gensim's pre-normalised mean, before its last unitvec. */
static void add_unit(double *acc, const float *v, size_t dim, double weight)
{
	double ss = 0, norm;

	for (size_t d = 0; d < dim; d++)
		ss += (double)v[d] * v[d];
	norm = sqrt(ss);
	if (norm > 0)
		for (size_t d = 0; d < dim; d++)
			acc[d] += weight * (v[d] / norm);
}

/* ---- queued searches ---- */

static int queue_label(struct emb_query *q, const char *s, size_t n, struct emb_err *err)
{
	size_t at = emb_knn_queue_len(q->qq), need = q->labels_len + n;

	if (need > q->labels_cap) {
		size_t cap = q->labels_cap ? q->labels_cap : 4096;
		char *p;
		while (cap < need)
			cap *= 2;
		if (!(p = realloc(q->labels, cap)))
			return emb_err_nomem(err, "queueing a query");
		q->labels = p;
		q->labels_cap = cap;
	}
	memcpy(q->labels + q->labels_len, s, n);
	q->labels_len = need;
	q->label_at[at + 1] = need;
	return 0;
}

/* Queue the query whose vectors are in the queue's slot. */
static int queue(struct emb_query *q, const char *label, size_t len, const size_t *excl,
		 size_t nexcl, struct emb_err *err)
{
	int rc;

	if ((rc = queue_label(q, label, len, err)) < 0 ||
	    (rc = emb_knn_queue_add(q->qq, excl, nexcl, err)) < 0)
		return rc;
	return rc == 1 ? emb_query_run(q, err) : 0;
}

/* Parse DIM numbers of s[0..n) into v; false if it is not exactly that. */
static bool parse_vector(const struct emb_query *q, const char *s, size_t n, float *v)
{
	size_t i = 0, d = 0, fl;
	const char *f;

	while (next_field(s, n, &i, &f, &fl)) {
		if (d == q->dim || emb_float_parse(f, f + fl, &v[d]) != fl || !isfinite(v[d]))
			return false;
		d++;
	}
	return d == q->dim;
}

/* NN with negatives: gensim's mean of +unit(positives) and -unit(negatives), normalised. */
static int query_mean(struct emb_query *q, const char *s, size_t n, size_t nf, struct emb_err *err)
{
	size_t i = 0, fl, nex = q->nneg_rows, row;
	const char *f, *first = NULL, *last = NULL;
	int rc;

	if ((rc = reserve_items(q, nf + q->nneg_rows, err)) < 0)
		return rc;
	memcpy(q->acc, q->neg, q->dim * sizeof *q->acc);
	memcpy(q->rows, q->neg_rows, q->nneg_rows * sizeof *q->rows);
	while (next_field(s, n, &i, &f, &fl)) {
		const float *v = resolve(q, f, fl, true, q->vbuf, &row, &rc, err);
		if (!v)
			return rc;
		add_unit(q->acc, v, q->dim, 1.0);
		if (row != EMB_KNN_NONE)
			q->rows[nex++] = row;
		first = first ? first : f;
		last = f + fl;
	}
	unit_from(emb_knn_queue_slot(q->qq), q->acc, q->dim);
	return queue(q, first, (size_t)(last - first), q->rows, nex, err);
}

/* NN: one word, or DIM numbers. */
static int query_nn(struct emb_query *q, const char *s, size_t n, struct emb_err *err)
{
	size_t nf = count_fields(s, n), i = 0, fl, row;
	float *v = emb_knn_queue_slot(q->qq);
	const float *w;
	const char *f;
	int rc;

	if (nf == 0)
		return bad_query(q, err, "empty query");
	if (q->o.nnegative)
		return query_mean(q, s, n, nf, err);
	if (nf == 1) {
		next_field(s, n, &i, &f, &fl);
		if (!(w = resolve(q, f, fl, true, v, &row, &rc, err)))
			return rc;
		emb_knn_unit(v, w, q->dim);
		return queue(q, f, fl, &row, row != EMB_KNN_NONE, err);
	}
	if (!parse_vector(q, s, n, v))
		return bad_query(q, err, "expected a word or %zu numbers, found %zu fields", q->dim, nf);
	emb_knn_unit(v, v, q->dim);
	return queue(q, s, n, NULL, 0, err);
}

/* ANALOGY: A B C. */
static int query_analogy(struct emb_query *q, const char *s, size_t n, struct emb_err *err)
{
	size_t excl[3], nex = 0, dim = q->dim, i = 0, fl[3], nf = count_fields(s, n), row;
	const char *f[3];
	int rc;

	if (nf != 3)
		return nf ? bad_query(q, err, "expected 3 words (A B C), found %zu", nf)
			  : bad_query(q, err, "empty query");
	if ((rc = reserve_items(q, 3, err)) < 0)
		return rc;
	for (int j = 0; j < 3; j++) {
		float *u = q->vbuf + (size_t)j * dim;
		const float *w;
		next_field(s, n, &i, &f[j], &fl[j]);
		if (!(w = resolve(q, f[j], fl[j], true, u, &row, &rc, err)))
			return rc;
		if (row != EMB_KNN_NONE)
			excl[nex++] = row;
		emb_knn_unit(u, w, dim);
	}
	emb_knn_analogy(emb_knn_queue_slot(q->qq), q->vbuf, dim, q->o.method);
	return queue(q, f[0], (size_t)(f[2] + fl[2] - f[0]), excl, nex, err);
}

/* ---- immediate answers ---- */

static int answer(struct emb_query *q, const char *label, size_t len, size_t nitems)
{
	q->res.query = label;
	q->res.query_len = len;
	q->res.item = q->items;
	q->res.n = nitems;
	q->ready = true;
	return 0;
}

static int query_vec(struct emb_query *q, const char *s, size_t n, struct emb_err *err)
{
	size_t i = 0, fl, k = 0, nf = count_fields(s, n), row;
	const char *f;
	int rc;

	if (nf == 0)
		return bad_query(q, err, "empty query");
	if ((rc = reserve_items(q, nf, err)) < 0)
		return rc;
	while (next_field(s, n, &i, &f, &fl)) {
		const float *v = resolve(q, f, fl, false, q->vbuf + k * q->dim, &row, &rc, err);
		if (rc < 0)
			return rc;
		if (v)
			q->items[k++] = (struct emb_query_item){ f, fl, v, 0 };
	}
	return answer(q, s, n, k);
}

static int query_sim(struct emb_query *q, const char *s, size_t n, struct emb_err *err)
{
	size_t i = 0, nf = count_fields(s, n), row;
	const float *v[2];
	int rc;

	if (nf != 2)
		return nf ? bad_query(q, err, "expected 2 words, found %zu", nf)
			  : bad_query(q, err, "empty query");
	if ((rc = reserve_items(q, 2, err)) < 0)
		return rc;
	for (int j = 0; j < 2; j++) {
		struct emb_query_item *it = &q->items[j];
		next_field(s, n, &i, &it->word, &it->len);
		if (!(v[j] = resolve(q, it->word, it->len, true, q->vbuf + (size_t)j * q->dim, &row,
				     &rc, err)))
			return rc;
		it->vec = NULL;
		it->score = 0;
	}
	/* a zero vector (EMB_OOV_ZERO, or a zero row) has no direction: similarity 0 */
	q->res.similarity = emb_knn_cosine(v[0], v[1], q->dim);
	return answer(q, s, n, 2);
}

static int item_cmp(const void *a, const void *b)
{
	const struct emb_query_item *x = a, *y = b;
	size_t m = x->len < y->len ? x->len : y->len;
	int c;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	if ((c = memcmp(x->word, y->word, m)) != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/*
 * DOESNT_MATCH, as gensim 4.2's rank_by_centrality: the unit vectors' mean, normalised; each
 * word's cosine to it; sorted by (cosine, word) with the odd word (gensim's answer, the last of
 * its descending order) first.
 */
static int query_doesnt_match(struct emb_query *q, const char *s, size_t n, struct emb_err *err)
{
	size_t i = 0, fl, k = 0, nf = count_fields(s, n), dim = q->dim, row;
	const char *f, *first = NULL, *last = NULL;
	float *mean;
	int rc;

	if (nf == 0)
		return bad_query(q, err, "empty query");
	if ((rc = reserve_items(q, nf + 1, err)) < 0)
		return rc;
	mean = q->vbuf + nf * dim;
	memset(q->acc, 0, dim * sizeof *q->acc);
	while (next_field(s, n, &i, &f, &fl)) {
		float *u = q->vbuf + k * dim;
		const float *v = resolve(q, f, fl, true, u, &row, &rc, err);
		first = first ? first : f;
		last = f + fl;
		if (rc < 0)
			return rc;
		if (!v)
			continue;
		emb_knn_unit(u, v, dim);
		for (size_t d = 0; d < dim; d++)
			q->acc[d] += u[d];
		q->items[k++] = (struct emb_query_item){ f, fl, NULL, 0 };
	}
	if (!k)
		return bad_query(q, err, "no word of the query has a vector");
	unit_from(mean, q->acc, dim);
	for (size_t j = 0; j < k; j++) {
		double dot = 0;
		for (size_t d = 0; d < dim; d++)
			dot += (double)q->vbuf[j * dim + d] * mean[d];
		q->items[j].score = (float)dot;
	}
	qsort(q->items, k, sizeof *q->items, item_cmp);
	return answer(q, first, (size_t)(last - first), k);
}

/* Digits only, no sign, no overflow (what an id is). */
static bool parse_id(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned dgt = (unsigned)(unsigned char)s[i] - '0';
		if (dgt > 9 || x > (UINT64_MAX - dgt) / 10)
			return false;
		x = x * 10 + dgt;
	}
	*v = x;
	return true;
}

/* LOOKUP: a line of ids -> their rows, renormalised as nn.Embedding(max_norm=...) does. */
static int query_lookup(struct emb_query *q, const char *s, size_t n, struct emb_err *err)
{
	size_t i = 0, fl, nf = count_fields(s, n), dim = q->dim, k = 0, rows = q->t->rows;
	long pad = q->o.padding_idx == EMB_QUERY_PADDING_TABLE ? q->t->padding_idx : q->o.padding_idx;
	const char *f;
	uint64_t id = 0;
	int rc;

	if (nf == 0)
		return bad_query(q, err, "empty query");
	while (next_field(s, n, &i, &f, &fl)) { /* check the whole line before answering any of it */
		if (fl >= 32)
			return bad_query(q, err, "'%.*s...' is not an id", 20, f);
		if (!parse_id(f, fl, &id))
			return bad_query(q, err, "'%.*s' is not an id", (int)fl, f);
		if (id >= rows) {
			if (q->o.oov == EMB_OOV_ERROR)
				return emb_err_set(err, EMB_EFORMAT,
						   "id %.*s is out of range (the table has %zu rows)",
						   (int)fl, f, rows);
			if (q->o.oov == EMB_OOV_SKIP) {
				warn(q, "id %.*s is out of range: skipped", (int)fl, f);
				return 0;
			}
		}
	}
	if ((rc = reserve_items(q, nf, err)) < 0)
		return rc;
	i = 0;
	while (next_field(s, n, &i, &f, &fl)) {
		float *v = q->vbuf + k * dim;
		parse_id(f, fl, &id);
		if (id >= rows || (pad >= 0 && id == (uint64_t)pad)) {
			if (id >= rows)
				warn(q, "id %.*s is out of range: using a zero vector", (int)fl, f);
			memset(v, 0, dim * sizeof *v);
		} else {
			memcpy(v, emb_table_row(q->t, (size_t)id), dim * sizeof *v);
			if (q->o.max_norm >= 0)
				emb_renorm_row(v, dim, q->o.max_norm, q->o.norm_type);
		}
		q->items[k++] = (struct emb_query_item){ NULL, 0, v, 0 };
	}
	return answer(q, s, n, k);
}

/* ---- public ---- */

/* The negatives of NN, resolved once: -sum of their unit vectors, and their rows. */
static int setup_negatives(struct emb_query *q, struct emb_err *err)
{
	size_t row;
	int rc;

	if (!(q->neg = calloc(q->dim ? q->dim : 1, sizeof *q->neg)) ||
	    !(q->neg_rows = malloc(q->o.nnegative * sizeof *q->neg_rows)))
		return emb_err_nomem(err, "starting");
	if ((rc = reserve_items(q, 1, err)) < 0)
		return rc;
	for (size_t j = 0; j < q->o.nnegative; j++) {
		const char *w = q->o.negative[j];
		const float *v = resolve(q, w, strlen(w), true, q->vbuf, &row, &rc, err);
		if (rc < 0)
			return rc;
		if (!v)
			continue;
		add_unit(q->neg, v, q->dim, -1.0);
		if (row != EMB_KNN_NONE)
			q->neg_rows[q->nneg_rows++] = row;
	}
	return 0;
}

/* NN, ANALOGY: the index, the queue, the labels beside it, the items of one answer. */
static int setup_search(struct emb_query *q, struct emb_err *err)
{
	const struct emb_query_opts *o = &q->o;
	int method = o->kind == EMB_QUERY_ANALOGY ? o->method : EMB_KNN_COSINE;
	size_t most = o->k < q->t->rows ? o->k : q->t->rows; /* hits a query can get */
	int rc;

	if ((rc = emb_knn_new(&q->ix, q->t->data, q->t->rows, q->dim, o->threads, err)) < 0 ||
	    (rc = emb_knn_queue_new(&q->qq, q->ix, method, 2, 1, o->k, 0, err)) < 0)
		return rc;
	emb_knn_restrict(q->ix, o->restrict_rows);
	if (!(q->label_at = calloc(emb_knn_queue_cap(q->qq) + 1, sizeof *q->label_at)) ||
	    !(q->hit_items = malloc((most ? most : 1) * sizeof *q->hit_items)))
		return emb_err_nomem(err, "starting");
	if (o->kind == EMB_QUERY_NN && o->nnegative)
		return setup_negatives(q, err);
	return 0;
}

int emb_query_new(struct emb_query **out, const struct emb_table *t, const struct emb_query_opts *o,
		  struct emb_err *err)
{
	struct emb_query *q;
	bool search = o->kind == EMB_QUERY_NN || o->kind == EMB_QUERY_ANALOGY;
	int rc = 0;

	*out = NULL;
	if (o->kind < EMB_QUERY_VEC || o->kind > EMB_QUERY_LOOKUP || (search && !o->k))
		return emb_err_set(err, EMB_EINVAL, "bad query options");
	if (!(q = calloc(1, sizeof *q)))
		return emb_err_nomem(err, "starting");
	q->o = *o;
	q->t = t;
	q->dim = t->dim;
	q->src = "<command line>";
	if (!(q->acc = calloc(q->dim ? q->dim : 1, sizeof *q->acc)))
		rc = emb_err_nomem(err, "starting");
	else if (search)
		rc = setup_search(q, err);
	if (rc < 0) {
		emb_query_free(q);
		return rc;
	}
	*out = q;
	return 0;
}

void emb_query_free(struct emb_query *q)
{
	if (!q)
		return;
	emb_knn_queue_free(q->qq);
	emb_knn_free(q->ix);
	free(q->labels);
	free(q->label_at);
	free(q->neg);
	free(q->neg_rows);
	free(q->items);
	free(q->hit_items);
	free(q->vbuf);
	free(q->rows);
	free(q->acc);
	free(q);
}

int emb_query_add(struct emb_query *q, const char *s, size_t n, const char *src,
		  unsigned long long line, struct emb_err *err)
{
	q->ready = false;
	if (q->qq && emb_knn_queue_searched(q->qq)) { /* the last batch is done: start the next */
		emb_knn_queue_clear(q->qq);
		q->labels_len = 0;
		q->next = 0;
	}
	q->src = src;
	q->line = line;
	switch (q->o.kind) {
	case EMB_QUERY_VEC: return query_vec(q, s, n, err);
	case EMB_QUERY_NN: return query_nn(q, s, n, err);
	case EMB_QUERY_ANALOGY: return query_analogy(q, s, n, err);
	case EMB_QUERY_SIM: return query_sim(q, s, n, err);
	case EMB_QUERY_DOESNT_MATCH: return query_doesnt_match(q, s, n, err);
	default: return query_lookup(q, s, n, err);
	}
}

int emb_query_run(struct emb_query *q, struct emb_err *err)
{
	return q->qq ? emb_knn_queue_run(q->qq, err) : 0;
}

int emb_query_next(struct emb_query *q, struct emb_query_result *r)
{
	const struct emb_knn_hit *h;
	size_t nh;

	if (q->ready) {
		q->ready = false;
		*r = q->res;
		return 0;
	}
	if (!q->qq || q->next >= emb_knn_queue_len(q->qq) || !emb_knn_queue_searched(q->qq))
		return EMB_EOF;
	h = emb_knn_queue_hits(q->qq, q->next, &nh);
	for (size_t j = 0; j < nh; j++) {
		struct emb_query_item *it = &q->hit_items[j];
		it->word = emb_table_token(q->t, h[j].row, &it->len);
		it->vec = NULL;
		it->score = h[j].score;
	}
	r->query = q->labels + q->label_at[q->next];
	r->query_len = q->label_at[q->next + 1] - q->label_at[q->next];
	r->item = q->hit_items;
	r->n = nh;
	r->similarity = 0;
	q->next++;
	return 0;
}

size_t emb_query_dim(const struct emb_query *q)
{
	return q->dim;
}
