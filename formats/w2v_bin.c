/*
 * word2vec binary: "ROWS DIM\n", then per row the word, one space, DIM little-endian float32,
 * and the '\n' word2vec.c writes (gensim writes none): newlines before a word are skipped, as
 * gensim does, so both read.  Rows are read until the end of input, not for the header's
 * count (a mismatch is a warning, or an error when strict); input that ends inside a row is
 * an error naming the byte offset where the row starts.
 */
#include "fmt_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_bytes.h"

/* One allocation, word included: emb_rows_release() frees r->state with a plain free(). */
struct bin_state {
	size_t cap;
	char word[];
};

static int bin_bid(const unsigned char *p, size_t n)
{
	return fmt_header_kind(p, n) == 2 ? 50 : 0;
}

static int truncated(struct emb_rows *r, struct emb_err *err)
{
	return emb_rows_fail(r, err, EMB_ETRUNC, "input ends inside row %llu",
			     (unsigned long long)r->nread + 1);
}

/* The word up to its space into st->word; EMB_EOF at a clean end between rows. */
static int read_word(struct emb_rows *r, struct emb_err *err)
{
	struct bin_state *st = (struct bin_state *)r->state;
	size_t n = 0, max = r->o->max_token ? r->o->max_token : EMB_TOKEN_MAX_DEFAULT;
	bool started = false;

	for (;;) {
		const unsigned char *p, *sp;
		size_t avail, k = 0;
		int rc = emb_stream_borrow(r->in, &p, &avail, err);

		if (rc < 0)
			return rc;
		if (rc == EMB_EOF)
			return started ? truncated(r, err) : EMB_EOF;
		if (!started) {
			while (k < avail && p[k] == '\n')
				k++;
			emb_stream_skip(r->in, k);
			if (k == avail)
				continue;
			p += k;
			avail -= k;
			started = true;
			r->row_offset = emb_stream_offset(r->in);
		}
		sp = memchr(p, ' ', avail);
		k = sp ? (size_t)(sp - p) : avail;
		if (n + k > max)
			return emb_rows_fail(r, err, EMB_ELIMIT, "token longer than the token limit of %zu "
					     "bytes (is this really word2vec binary?)", max);
		if (n + k + 1 > st->cap) {
			size_t ncap = st->cap * 2 > n + k + 1 ? st->cap * 2 : n + k + 1;
			struct bin_state *ns = realloc(st, sizeof *st + ncap);
			if (!ns)
				return emb_err_nomem(err, "reading a token");
			r->state = st = ns;
			st->cap = ncap;
		}
		memcpy(st->word + n, p, k);
		n += k;
		emb_stream_skip(r->in, sp ? k + 1 : k);
		if (sp)
			break;
	}
	st->word[n] = 0;
	r->tok = st->word;
	r->len = n;
	return emb_rows_check_token(r, err);
}

static int bin_next(struct emb_rows *r, struct emb_err *err)
{
	size_t i;
	int rc;

	if ((rc = read_word(r, err)) != 0)
		return rc;
	if ((rc = emb_stream_read_full(r->in, r->vec, r->dim * sizeof(float), err)) != 0) {
		if (rc == EMB_EOF || rc == EMB_ETRUNC)
			return truncated(r, err);
		return rc;
	}
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (i = 0; i < r->dim; i++) {
		uint32_t u = emb_le32(&r->vec[i]);
		memcpy(&r->vec[i], &u, 4);
	}
#endif
	if (!r->o->allow_nonfinite)
		for (i = 0; i < r->dim; i++)
			if (!isfinite(r->vec[i]))
				return emb_rows_fail(r, err, EMB_EFORMAT, "value %zu of row %llu is %s", i + 1,
						     (unsigned long long)r->nread + 1,
						     isnan(r->vec[i]) ? "NaN" : "infinite");
	r->nread++;
	return 0;
}

static int bin_rows_open(struct emb_rows *r, struct emb_stream *in, const struct emb_read_opts *o,
			 struct emb_err *err)
{
	struct bin_state *st;
	uint64_t rows, dim;
	char *line;
	size_t len;
	int rc;

	memset(r, 0, sizeof *r);
	r->in = in;
	r->o = o;
	r->binary = true;
	r->next = bin_next;
	if ((rc = emb_stream_getline(in, &line, &len, err)) < 0)
		return rc;
	if (rc == EMB_EOF)
		return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0, "empty input");
	if (!fmt_parse_header(line, len, &rows, &dim))
		return emb_stream_fail(in, err, EMB_EFORMAT, "expected a 'ROWS DIM' header");
	if ((rc = fmt_check_header(in, rows, dim, err)) < 0)
		return rc;
	r->has_header = true;
	r->header_rows = rows;
	r->dim = (size_t)dim;
	if (!(st = calloc(1, sizeof *st)) || !(r->vec = malloc(r->dim * sizeof(float)))) {
		free(st);
		return emb_err_nomem(err, "opening a word2vec binary table");
	}
	r->state = st;
	return 0;
}

static int bin_read(struct emb_table **out, struct emb_stream *in, const struct emb_read_opts *o,
		    struct emb_err *err)
{
	return emb_rows_read_table(&emb_format_word2vec_bin, out, in, o, err);
}

static void put_floats(unsigned char *dst, const float *v, size_t n)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &v[i], 4);
		emb_put_le32(dst + 4 * i, u);
	}
#else
	memcpy(dst, v, n * sizeof(float));
#endif
}

/* A row too large for one reservation: the same bytes in pieces. */
static int bin_row_pieces(struct emb_rowsink *w, const char *tok, size_t len, const float *v,
			  struct emb_err *err)
{
	size_t i, step = EMB_OUT_BLOCK / 8;
	int rc;

	if ((rc = emb_out_write(w->out, tok, len, err)) < 0 ||
	    (rc = emb_out_write(w->out, " ", 1, err)) < 0)
		return rc;
	for (i = 0; i < w->dim; i += step) {
		size_t n = w->dim - i < step ? w->dim - i : step;
		unsigned char *p = emb_out_reserve(w->out, n * 4, err);
		if (!p)
			return EMB_EIO;
		put_floats(p, v + i, n);
		emb_out_advance(w->out, n * 4);
	}
	return w->o->no_newline ? 0 : emb_out_write(w->out, "\n", 1, err);
}

static int bin_row(struct emb_rowsink *w, const char *tok, size_t len, const float *v,
		   struct emb_err *err)
{
	size_t bytes = w->dim * sizeof(float);
	unsigned char *p;
	int rc;

	if ((rc = fmt_check_token(tok, len, false, err)) < 0)
		return rc;
	if (len + 2 + bytes > EMB_OUT_BLOCK) /* a huge row: no single reservation holds it */
		return bin_row_pieces(w, tok, len, v, err);
	if (!(p = emb_out_reserve(w->out, len + 2 + bytes, err)))
		return EMB_EIO;
	memcpy(p, tok, len);
	p[len] = ' ';
	put_floats(p + len + 1, v, w->dim);
	p[len + 1 + bytes] = '\n';
	emb_out_advance(w->out, len + 1 + bytes + (w->o->no_newline ? 0 : 1));
	return 0;
}

static int bin_rows_begin(struct emb_rowsink *w, struct emb_out *out, size_t rows, size_t dim,
			  const struct emb_write_opts *o, struct emb_err *err)
{
	char hb[64];
	int n = snprintf(hb, sizeof hb, "%zu %zu\n", rows, dim);

	memset(w, 0, sizeof *w);
	w->out = out;
	w->o = o;
	w->dim = dim;
	w->row = bin_row;
	return emb_out_write(out, hb, (size_t)n, err);
}

static int bin_write(const struct emb_table *t, struct emb_out *out,
		     const struct emb_write_opts *o, struct emb_err *err)
{
	return emb_rows_write_table(&emb_format_word2vec_bin, t, out, o, err);
}

const struct emb_format emb_format_word2vec_bin = {
	.name = "word2vec-bin",
	.bid = bin_bid,
	.read = bin_read,
	.write = bin_write,
	.rows_open = bin_rows_open,
	.rows_begin = bin_rows_begin,
	.has_header = true,
};
