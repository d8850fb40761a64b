/*
 * emb_eval: analogy and word-pair evaluation as gensim 4.2 computes them.  See emb_eval.h.
 *
 * gensim builds `ok_vocab = {token.upper(): index for the first restrict_vocab tokens in
 * reverse}` so the first row wins; here that is a hash of the upper-cased tokens of the rows
 * that count, giving each row its "canonical" row (the first one with the same upper-cased
 * token).  Two words are the same word for the evaluation exactly when their canonical rows are
 * equal, which is how the prediction is compared with the expected answer and with the inputs.
 *
 * Analogy questions are answered in batches (QBATCH at a time) through emb_knn, so evaluating
 * questions-words.txt is a few matrix products instead of 19544 passes over the table.
 */
#include "emb_eval.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "emb_knn.h"
#include "emb_subword.h"
#include "emb_tsv.h"
#include "internal.h"

#define QBATCH 1024
#define ANALOGY_TOPN 5 /* gensim asks most_similar for 5 answers */

/* ---- the words that count (gensim's ok_vocab) ---- */

struct canon {
	const struct emb_table *t;
	size_t nrows;
	bool fold;
	size_t *row;      /* canonical row of each of the nrows rows (fold only) */
	char **key;       /* slot -> upper-cased token (fold only) */
	size_t *klen, *val;
	size_t mask;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Slot of KEY: its own, or the empty one where it would go. */
static size_t canon_slot(const struct canon *c, const char *k, size_t n)
{
	size_t s = (size_t)hash_bytes(k, n) & c->mask;

	while (c->key[s] && !(c->klen[s] == n && memcmp(c->key[s], k, n) == 0))
		s = (s + 1) & c->mask;
	return s;
}

static void canon_release(struct canon *c)
{
	if (c->key)
		for (size_t s = 0; s <= c->mask; s++)
			free(c->key[s]);
	free(c->key);
	free(c->klen);
	free(c->val);
	free(c->row);
}

static int canon_init(struct canon *c, const struct emb_table *t, const struct emb_eval_opts *o,
		      struct emb_err *err)
{
	size_t slots = 16;

	memset(c, 0, sizeof *c);
	c->t = t;
	c->nrows = o->restrict_rows && o->restrict_rows < t->rows ? o->restrict_rows : t->rows;
	c->fold = !o->case_sensitive;
	if (!c->fold)
		return 0;
	while (slots < 2 * c->nrows)
		slots *= 2;
	c->mask = slots - 1;
	if (!(c->row = malloc((c->nrows + 1) * sizeof *c->row)) ||
	    !(c->key = calloc(slots, sizeof *c->key)) || !(c->klen = calloc(slots, sizeof *c->klen)) ||
	    !(c->val = calloc(slots, sizeof *c->val)))
		goto nomem;
	for (size_t r = 0; r < c->nrows; r++) {
		size_t n, un, s;
		const char *tok = emb_table_token(t, r, &n);
		char *up = emb_eval_upper(tok, n, &un);
		if (!up)
			goto nomem;
		s = canon_slot(c, up, un);
		if (c->key[s]) {
			free(up);
		} else {
			c->key[s] = up;
			c->klen[s] = un;
			c->val[s] = r;
		}
		c->row[r] = c->val[s];
	}
	return 0;
nomem:
	canon_release(c);
	return emb_err_nomem(err, "indexing the vocabulary");
}

/* A row holding NaN or infinity has no direction: its word counts as out of vocabulary. */
static long finite_or_oov(const struct emb_table *t, long r)
{
	const float *v;

	if (r < 0)
		return r;
	v = emb_table_row(t, (size_t)r);
	for (size_t d = 0; d < t->dim; d++)
		if (!isfinite(v[d]))
			return -1;
	return r;
}

/* Canonical row of WORD, or -1 when it is not among the rows that count. */
static long canon_find(const struct canon *c, const char *w, size_t n)
{
	if (!c->fold) {
		long r = emb_table_find(c->t, w, n);
		return finite_or_oov(c->t, r >= 0 && (size_t)r < c->nrows ? r : -1);
	}
	size_t un, s;
	char *up = emb_eval_upper(w, n, &un);
	long r = -1;
	if (!up)
		return -2;
	s = canon_slot(c, up, un);
	if (c->key[s])
		r = (long)c->val[s];
	free(up);
	return finite_or_oov(c->t, r);
}

static size_t canon_of(const struct canon *c, size_t row)
{
	return c->fold ? c->row[row] : row;
}

char *emb_eval_upper(const char *s, size_t n, size_t *out_len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t cap, o = 0, i = 0;
	char *d;

	if (!emb_mul_ok(n, 4, &cap) || !emb_add_ok(cap, 1, &cap) || !(d = malloc(cap)))
		return NULL;
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = p[i] < 0x80 ? 1 : utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
		if (p[i] < 0x80) {
			d[o++] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]);
		} else if (k < 0) {
			d[o++] = (char)p[i]; /* not UTF-8: the byte stands for itself */
			k = 1;
		} else {
			o += (size_t)utf8proc_encode_char(utf8proc_toupper(cp), (utf8proc_uint8_t *)d + o);
		}
		i += (size_t)k;
	}
	d[o] = 0;
	*out_len = o;
	return d;
}

/* ---- correlation ---- */

double emb_eval_pearson(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0, r;

	if (n < 2)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	if (sxx == 0 || syy == 0)
		return NAN;
	r = sxy / (sqrt(sxx) * sqrt(syy));
	return r > 1 ? 1 : r < -1 ? -1 : r;
}

struct ranked {
	double v;
	size_t i;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* rank[i] = 1-based rank of v[i], ties sharing their average rank. */
static int rank_avg(double *rank, const double *v, size_t n, struct emb_err *err)
{
	struct ranked *s = malloc((n ? n : 1) * sizeof *s);

	if (!s)
		return emb_err_nomem(err, "ranking");
	for (size_t i = 0; i < n; i++) {
		s[i].v = v[i];
		s[i].i = i;
	}
	qsort(s, n, sizeof *s, ranked_cmp);
	for (size_t a = 0, z; a < n; a = z) {
		for (z = a + 1; z < n && s[z].v == s[a].v; z++)
			;
		double avg = (double)(a + 1 + z) / 2; /* mean of ranks a+1 .. z */
		for (size_t j = a; j < z; j++)
			rank[s[j].i] = avg;
	}
	free(s);
	return 0;
}

int emb_eval_spearman(double *rho, const double *x, const double *y, size_t n,
		      struct emb_err *err)
{
	double *rx = malloc((n ? n : 1) * sizeof *rx), *ry = malloc((n ? n : 1) * sizeof *ry);
	int rc;

	if (!rx || !ry)
		rc = emb_err_nomem(err, "ranking");
	else if ((rc = rank_avg(rx, x, n, err)) == 0 && (rc = rank_avg(ry, y, n, err)) == 0)
		*rho = emb_eval_pearson(rx, ry, n);
	free(rx);
	free(ry);
	return rc;
}

/* ---- analogies ---- */

struct question {
	size_t w[4];    /* canonical rows of A B C D */
	size_t sec;
};

struct analogy_run {
	const struct emb_table *t;
	const struct canon *c;
	struct emb_knn *ix;
	int method;
	struct question q[QBATCH];
	size_t nq;
	float *vec;               /* QBATCH * 3 * dim */
	size_t excl[QBATCH * 3];
	struct emb_knn_hit hits[QBATCH * ANALOGY_TOPN];
	size_t nhits[QBATCH];
};

static int analogy_flush(struct analogy_run *a, struct emb_eval_analogy_report *r,
			 struct emb_err *err)
{
	size_t dim = a->t->dim, g = a->method == EMB_KNN_COSMUL ? 3 : 1;
	struct emb_knn_batch b = { .q = a->vec, .nq = a->nq, .method = a->method, .npos = 2,
				   .nneg = 1, .exclude = a->excl, .nexclude = 3,
				   .k = ANALOGY_TOPN };
	float *u = a->vec + (size_t)QBATCH * g * dim; /* 3 scratch vectors after the batch */
	int rc;

	if (!a->nq)
		return 0;
	if (a->method != EMB_KNN_COSMUL)
		b.npos = 1, b.nneg = 0;
	for (size_t i = 0; i < a->nq; i++) {
		const struct question *q = &a->q[i];
		float *v = a->vec + i * g * dim;
		for (int j = 0; j < 3; j++) {
			emb_knn_unit(u + (size_t)j * dim, emb_table_row(a->t, q->w[j]), dim);
			a->excl[i * 3 + (size_t)j] = q->w[j];
		}
		emb_knn_analogy(v, u, dim, a->method);
	}
	if ((rc = emb_knn_search(a->ix, &b, a->hits, a->nhits, err)) < 0)
		return rc;
	for (size_t i = 0; i < a->nq; i++) {
		const struct question *q = &a->q[i];
		size_t pred = EMB_KNN_NONE;
		for (size_t h = 0; h < a->nhits[i]; h++) {
			pred = canon_of(a->c, a->hits[i * ANALOGY_TOPN + h].row);
			if (pred != q->w[0] && pred != q->w[1] && pred != q->w[2])
				break;
		}
		bool ok = pred == q->w[3];
		struct emb_eval_section *s = &r->sec[q->sec];
		s->asked++;
		s->correct += ok;
		r->asked++;
		r->correct += ok;
		if (s->syntactic) {
			r->syn_asked++;
			r->syn_correct += ok;
		} else {
			r->sem_asked++;
			r->sem_correct += ok;
		}
	}
	a->nq = 0;
	return 0;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v';
}

/* Split LINE at whitespace into at most `max` words; returns how many there are in all. */
static size_t split_words(char *line, size_t len, const char **w, size_t *wl, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		while (i < len && is_space(line[i]))
			i++;
		if (i == len)
			break;
		size_t s = i;
		while (i < len && !is_space(line[i]))
			i++;
		if (n < max) {
			w[n] = line + s;
			wl[n] = i - s;
		}
		n++;
	}
	return n;
}

/* A malformed line: a warning and 0, or under `strict` an error. */
static int bad_line(const struct emb_eval_opts *o, struct emb_stream *in, unsigned long long line,
		    size_t *skipped, struct emb_err *err, const char *msg)
{
	struct emb_err w = EMB_ERR_INIT;

	if (o->strict)
		return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), line, "%s", msg);
	(*skipped)++;
	if (o->warn) {
		emb_err_set_at(&w, EMB_EFORMAT, emb_stream_name(in), line, "%s", msg);
		o->warn(o->warn_ctx, w.msg);
	}
	return 0;
}

static int add_section(struct emb_eval_analogy_report *r, const char *name, size_t n,
		       struct emb_err *err)
{
	struct emb_eval_section *s = realloc(r->sec, (r->nsec + 1) * sizeof *s);

	if (!s)
		return emb_err_nomem(err, "reading sections");
	r->sec = s;
	s += r->nsec;
	memset(s, 0, sizeof *s);
	if (!(s->name = malloc(n + 1)))
		return emb_err_nomem(err, "reading sections");
	memcpy(s->name, name, n);
	s->name[n] = 0;
	s->syntactic = n >= 4 && memcmp(name, "gram", 4) == 0;
	r->nsec++;
	return 0;
}

/* gensim: line.lstrip(': ').strip() */
static void section_name(const char *line, size_t len, const char **name, size_t *n)
{
	size_t a = 0, z = len;

	while (a < len && (line[a] == ':' || line[a] == ' '))
		a++;
	while (a < len && is_space(line[a]))
		a++;
	while (z > a && is_space(line[z - 1]))
		z--;
	*name = line + a;
	*n = z - a;
}

static int analogy_read(struct analogy_run *a, struct emb_eval_analogy_report *r,
			struct emb_stream *in, const struct emb_eval_opts *o, struct emb_err *err)
{
	char *line;
	size_t len;
	int rc;

	while ((rc = emb_stream_getline(in, &line, &len, err)) == 0) {
		const char *w[4], *name;
		size_t wl[4], nw, nlen;
		long id[4];

		if (len >= 2 && line[0] == ':' && line[1] == ' ') {
			section_name(line, len, &name, &nlen);
			if ((rc = add_section(r, name, nlen, err)) < 0)
				return rc;
			continue;
		}
		if ((nw = split_words(line, len, w, wl, 4)) == 0)
			continue;
		if (!r->nsec)
			return emb_stream_fail(in, err, EMB_EFORMAT,
					       "not an analogy file: expected a ': SECTION' line "
					       "before the first question");
		if (nw != 4) {
			char msg[64];
			snprintf(msg, sizeof msg, "expected 4 words (A B C D), found %zu", nw);
			if ((rc = bad_line(o, in, emb_stream_lineno(in), &r->skipped, err, msg)) < 0)
				return rc;
			continue;
		}
		r->questions++;
		for (int j = 0; j < 4; j++)
			if ((id[j] = canon_find(a->c, w[j], wl[j])) == -2)
				return emb_err_nomem(err, "looking up words");
		if (id[0] < 0 || id[1] < 0 || id[2] < 0 || id[3] < 0) {
			r->oov++;
			continue;
		}
		struct question *q = &a->q[a->nq++];
		for (int j = 0; j < 4; j++)
			q->w[j] = (size_t)id[j];
		q->sec = r->nsec - 1;
		if (a->nq == QBATCH && (rc = analogy_flush(a, r, err)) < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if ((rc = analogy_flush(a, r, err)) < 0)
		return rc;
	if (!r->questions)
		return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
				      "not an analogy file: no question lines of four words");
	return 0;
}

int emb_eval_analogy(struct emb_eval_analogy_report *r, const struct emb_table *t,
		     struct emb_stream *in, const struct emb_eval_opts *o, struct emb_err *err)
{
	struct analogy_run *a = NULL;
	struct canon c;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = canon_init(&c, t, o, err)) < 0)
		return rc;
	if (!(a = calloc(1, sizeof *a)) ||
	    !(a->vec = malloc(((size_t)QBATCH * 3 + 3) * (t->dim ? t->dim : 1) * sizeof(float)))) {
		rc = emb_err_nomem(err, "evaluating analogies");
		goto done;
	}
	a->t = t;
	a->c = &c;
	a->method = o->method;
	if ((rc = emb_knn_new(&a->ix, t->data, t->rows, t->dim, o->threads, err)) < 0)
		goto done;
	emb_knn_restrict(a->ix, c.nrows);
	r->rows = c.nrows;
	rc = analogy_read(a, r, in, o, err);
done:
	if (a) {
		emb_knn_free(a->ix);
		free(a->vec);
	}
	free(a);
	canon_release(&c);
	return rc;
}

void emb_eval_analogy_release(struct emb_eval_analogy_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsec; i++)
		free(r->sec[i].name);
	free(r->sec);
	r->sec = NULL;
	r->nsec = 0;
}

/* ---- word pairs ---- */

/* The delimiter of a pair file: tab, unless the first data line has a comma and no tab. */
static int sniff_delim(struct emb_stream *in, char *delim, struct emb_err *err)
{
	const unsigned char *p;
	size_t n, i = 0;
	int rc;

	*delim = '\t';
	if ((rc = emb_stream_peek(in, &p, &n, 65536, err)) < 0)
		return rc;
	while (i < n) {
		size_t e = i;
		while (e < n && p[e] != '\n')
			e++;
		if (e > i && p[i] != '#' && !(e == i + 1 && p[i] == '\r')) {
			if (!memchr(p + i, '\t', e - i) && memchr(p + i, ',', e - i))
				*delim = ',';
			return 0;
		}
		i = e + 1;
	}
	return 0;
}

/* Python's float(): optional surrounding whitespace, a finite decimal number. */
static bool parse_score(const char *s, size_t n, double *v)
{
	char buf[128], *end;
	size_t a = 0, z = n;

	while (a < z && is_space(s[a]))
		a++;
	while (z > a && is_space(s[z - 1]))
		z--;
	if (a == z || z - a >= sizeof buf)
		return false;
	memcpy(buf, s + a, z - a);
	buf[z - a] = 0;
	if (strpbrk(buf, "xXpP"))
		return false; /* strtod's hex floats are not numbers to Python */
	*v = strtod(buf, &end);
	return *end == 0 && isfinite(*v);
}

struct pairs_acc {
	double *gold, *model;
	size_t n, cap;
};

static int pairs_push(struct pairs_acc *p, double gold, double model, struct emb_err *err)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		double *g = realloc(p->gold, cap * sizeof *g);
		if (!g)
			return emb_err_nomem(err, "reading word pairs");
		p->gold = g;
		double *m = realloc(p->model, cap * sizeof *m);
		if (!m)
			return emb_err_nomem(err, "reading word pairs");
		p->model = m;
		p->cap = cap;
	}
	p->gold[p->n] = gold;
	p->model[p->n++] = model;
	return 0;
}

/*
 * Malformed lines before the first good pair are held back: if no pair ever comes, the file is
 * not a word-pair file and one error says so instead of a warning per line.
 */
struct held {
	size_t n;
	unsigned long long line;
	char msg[64];
};

/* The vector of a pair's word: its row, else (a table with subwords) built into BUF, else
 * NULL. */
static const float *pair_vector(const struct canon *c, long r, const char *w, size_t n, float *buf)
{
	if (r >= 0)
		return emb_table_row(c->t, (size_t)r);
	if (!buf)
		return NULL;
	emb_subword_vector(c->t->subword, w, n, NULL, buf);
	return buf;
}

static int pairs_read(struct emb_eval_pairs_report *r, const struct canon *c, struct emb_tsv *tsv,
		      struct emb_stream *in, struct pairs_acc *acc, struct held *held,
		      const struct emb_eval_opts *o, float *buf, struct emb_err *err)
{
	struct emb_tsv_row *row;
	bool first = true;
	int rc;

	while ((rc = emb_tsv_next(tsv, &row, err)) == 0) {
		const float *va, *vb;
		double gold;
		long a, b;

		if (row->n >= 1 && row->field[0][0] == '#')
			continue;
		if (row->n != 3 || !parse_score(row->field[2], row->len[2], &gold)) {
			bool header = first && row->n == 3;
			char msg[64];
			first = false;
			if (header) {
				r->skipped++;
				continue;
			}
			if (row->n == 3)
				snprintf(msg, sizeof msg, "the score is not a number");
			else
				snprintf(msg, sizeof msg,
					 "expected 3 fields (word, word, score), found %zu", row->n);
			if (!acc->n && !r->oov && !o->strict) {
				if (!held->n++) {
					held->line = row->line;
					memcpy(held->msg, msg, sizeof msg);
				}
				r->skipped++;
				continue;
			}
			if ((rc = bad_line(o, in, row->line, &r->skipped, err, msg)) < 0)
				return rc;
			continue;
		}
		if (first)
			first = false;
		if (held->n) { /* it is a pair file after all: say what was skipped */
			char msg[160];
			snprintf(msg, sizeof msg, "%s%s", held->msg,
				 held->n > 1 ? " (and more lines before the first pair)" : "");
			r->skipped--;
			bad_line(o, in, held->line, &r->skipped, err, msg);
			held->n = 0;
		}
		if ((a = canon_find(c, row->field[0], row->len[0])) == -2 ||
		    (b = canon_find(c, row->field[1], row->len[1])) == -2)
			return emb_err_nomem(err, "looking up words");
		/* a table with subwords answers unseen words too (fastText's evaluation) */
		va = pair_vector(c, a, row->field[0], row->len[0], buf);
		vb = pair_vector(c, b, row->field[1], row->len[1], buf ? buf + c->t->dim : NULL);
		if (!va || !vb) {
			r->oov++;
			continue;
		}
		if ((rc = pairs_push(acc, gold, emb_knn_cosine(va, vb, c->t->dim), err)) < 0)
			return rc;
	}
	return rc < 0 ? rc : 0;
}

int emb_eval_pairs(struct emb_eval_pairs_report *r, const struct emb_table *t,
		   struct emb_stream *in, const struct emb_eval_opts *o, struct emb_err *err)
{
	struct pairs_acc acc = { NULL, NULL, 0, 0 };
	struct emb_tsv *tsv = NULL;
	struct held held = { 0, 0, "" };
	float *buf = NULL;
	struct canon c;
	char delim;
	int rc;

	memset(r, 0, sizeof *r);
	r->pearson = r->spearman = NAN;
	if (t->subword && !(buf = malloc(2 * t->dim * sizeof *buf)))
		return emb_err_nomem(err, "reading word pairs");
	if ((rc = canon_init(&c, t, o, err)) < 0) {
		free(buf);
		return rc;
	}
	r->rows = c.nrows;
	if ((rc = sniff_delim(in, &delim, err)) < 0 || (rc = emb_tsv_open(&tsv, in, delim, err)) < 0 ||
	    (rc = pairs_read(r, &c, tsv, in, &acc, &held, o, buf, err)) < 0)
		goto done;
	r->pairs = acc.n;
	if (!acc.n && !r->oov) {
		rc = emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), held.n ? held.line : 0,
				    "not a word-pair file: no lines of 'word, word, score'%s%s%s",
				    held.n ? " (" : "", held.msg, held.n ? ")" : "");
		goto done;
	}
	r->pearson = emb_eval_pearson(acc.gold, acc.model, acc.n);
	rc = emb_eval_spearman(&r->spearman, acc.gold, acc.model, acc.n, err);
done:
	free(buf);
	emb_tsv_close(tsv);
	canon_release(&c);
	free(acc.gold);
	free(acc.model);
	return rc;
}
