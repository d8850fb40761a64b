/*
 * word2vec text (also fastText .vec): "ROWS DIM" then "word v1 ... vDIM" per line.  This file
 * also holds the text row reader/writer that glove.c shares (fmt_text.h).
 *
 * Reading a row: the word ends at the first space, then DIM numbers separated by runs of
 * spaces; trailing spaces and a final '\r' (CRLF files) are ignored, a UTF-8 BOM before the
 * first line is skipped, blank lines are skipped (an error under strict_blank).  GloVe files
 * also have words holding spaces (". . ."): when the fast left-to-right parse fails, the last
 * DIM fields are the numbers and everything before them is the word — unless the field after
 * the first word is itself a number, which means the row simply has too many fields.
 * Values go through emb_float_parse (correctly rounded); writing uses emb_float_format (the
 * shortest string that reads back to the same float) so binary -> text -> binary is exact.
 */
#include "fmt_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_float.h"
#include "emb_ring.h"
#include "emb_bytes.h"

struct text_state {
	bool glove;
	bool pending;     /* line/len hold the first row, already read by rows_open */
	char *line;
	size_t len;
};

static bool parse_u64(const char *s, const char *end, uint64_t *v, const char **stop)
{
	uint64_t x = 0;
	const char *p = s;

	while (p < end && *p >= '0' && *p <= '9') {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
		p++;
	}
	*v = x;
	*stop = p;
	return p > s;
}

bool fmt_parse_header(const char *s, size_t n, uint64_t *rows, uint64_t *dim)
{
	const char *end = s + n, *p;

	while (end > s && (end[-1] == ' ' || end[-1] == '\r' || end[-1] == '\t'))
		end--;
	if (!parse_u64(s, end, rows, &p) || p == end || *p != ' ')
		return false;
	while (p < end && *p == ' ')
		p++;
	return parse_u64(p, end, dim, &p) && p == end;
}

int fmt_header_kind(const unsigned char *p, size_t n)
{
	const unsigned char *nl = memchr(p, '\n', n), *q, *end;
	uint64_t rows, dim;
	size_t want, digits = 0;

	if (!nl || !fmt_parse_header((const char *)p, (size_t)(nl - p), &rows, &dim))
		return 0;
	q = nl + 1;
	end = p + n;
	while (q < end && *q == '\n')
		q++;
	if (q == end)
		return 1; /* no rows to look at */
	while (q < end && *q != ' ' && *q != '\n')
		q++;
	/* a text row goes on with number text up to its line end; float32 bytes practically
	 * never do (a '\n' byte among them comes after no digits or after a byte outside the set) */
	want = dim < 64 ? (size_t)dim * 4 : 256;
	for (q = q < end ? q + 1 : q; q < end && want; q++, want--) {
		if (*q == '\n')
			break;
		if (*q >= '0' && *q <= '9')
			digits++;
		else if (!strchr(" \t\r.+-eEnNaAiIfFtTyY", *q) || *q == 0)
			return 2;
	}
	return digits > 0 || want == 0 ? 1 : 2;
}

int fmt_check_header(struct emb_stream *in, uint64_t rows, uint64_t dim, struct emb_err *err)
{
	if (dim == 0)
		return emb_stream_fail(in, err, EMB_EFORMAT, "dimension 0 in header");
	if (dim > EMB_MAX_DIM)
		return emb_stream_fail(in, err, EMB_ELIMIT, "absurd dimension %llu in header (limit %zu)",
				       (unsigned long long)dim, EMB_MAX_DIM);
	if (rows > EMB_MAX_ROWS)
		return emb_stream_fail(in, err, EMB_ELIMIT, "absurd row count %llu in header",
				       (unsigned long long)rows);
	return 0;
}

int fmt_check_token(const char *tok, size_t len, bool spaces, struct emb_err *err)
{
	const char *why = emb_token_fault(tok, len, EMB_TOKEN_MAX_LIMIT);
	char tb[256];

	if (why)
		return emb_err_set(err, EMB_EFORMAT, "token '%s' %s, which no table format can store",
				   emb_err_token(tb, sizeof tb, tok, len), why);
	if (!spaces && memchr(tok, ' ', len))
		return emb_err_set(err, EMB_EFORMAT, "token '%s' holds a space, which this format "
				   "cannot store", emb_err_token(tb, sizeof tb, tok, len));
	return 0;
}

static size_t count_fields(const char *p, const char *end)
{
	size_t n = 0;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		n++;
		while (p < end && *p != ' ')
			p++;
	}
	return n;
}

/* The whole of [p, end) is one number. */
static bool is_number(const char *p, const char *end)
{
	float v;
	return p < end && emb_float_parse(p, end, &v) == (size_t)(end - p);
}

static int bad_value(struct emb_rows *r, struct emb_err *err, const char *p, const char *end,
		     size_t field)
{
	char tb[128];
	const char *q = p;

	while (q < end && *q != ' ')
		q++;
	return emb_rows_fail(r, err, EMB_EFORMAT, "field %zu: '%s' is not a number", field,
			     emb_err_token(tb, sizeof tb, p, (size_t)(q - p)));
}

static int nonfinite(struct emb_rows *r, struct emb_err *err, const char *p, size_t k, size_t field)
{
	char tb[128];
	return emb_rows_fail(r, err, EMB_EFORMAT, "field %zu: non-finite value '%s'", field,
			     emb_err_token(tb, sizeof tb, p, k));
}

static int too_few_or_many(struct emb_rows *r, struct emb_err *err, const char *line,
			   const char *end)
{
	return emb_rows_fail(r, err, EMB_EFORMAT, "expected %zu fields, found %zu", r->dim + 1,
			     count_fields(line, end));
}

/* GloVe: the last dim fields are the numbers, the rest (with its spaces) the word. */
static int parse_from_end(struct emb_rows *r, char *line, const char *end, struct emb_err *err)
{
	const char *p = end, *w, *f;
	size_t i, k;

	for (i = 0; i < r->dim; i++) {
		while (p > line && p[-1] == ' ')
			p--;
		while (p > line && p[-1] != ' ')
			p--;
	}
	w = p;
	while (w > line && w[-1] == ' ')
		w--;
	if (w == line)
		return too_few_or_many(r, err, line, end);
	/* "a 1 2 3 4" with dim 3 is a row with too many fields, not the word "a 1" */
	f = memchr(line, ' ', (size_t)(w - line));
	if (f) {
		const char *g;
		while (*f == ' ')
			f++;
		g = f;
		while (g < w && *g != ' ')
			g++;
		if (is_number(f, g))
			return too_few_or_many(r, err, line, end);
	}
	r->tok = line;
	r->len = (size_t)(w - line);
	for (i = 0; i < r->dim; i++) {
		while (*p == ' ')
			p++;
		k = emb_float_parse(p, end, &r->vec[i]);
		if (k == 0 || (p + k < end && p[k] != ' '))
			return bad_value(r, err, p, end, i + 2);
		if (!isfinite(r->vec[i]) && !r->o->allow_nonfinite)
			return nonfinite(r, err, p, k, i + 2);
		p += k;
	}
	return 0;
}

static int parse_row(struct emb_rows *r, struct text_state *st, char *line, size_t len,
		     struct emb_err *err)
{
	const char *end = line + len, *p;
	float *vec = r->vec;
	size_t i, dim = r->dim;

	if (line[0] == ' ')
		return emb_rows_fail(r, err, EMB_EFORMAT, "the row starts with a space: its word is empty");
	p = memchr(line, ' ', len);
	if (!p)
		return too_few_or_many(r, err, line, end);
	r->tok = line;
	r->len = (size_t)(p - line);
	for (i = 0; i < dim; i++) {
		size_t k;
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			return too_few_or_many(r, err, line, end);
		k = emb_float_parse(p, end, &vec[i]);
		if (k == 0 || (p + k < end && p[k] != ' ')) {
			if (st->glove)
				return parse_from_end(r, line, end, err);
			if (count_fields(line, end) != dim + 1)
				return too_few_or_many(r, err, line, end);
			return bad_value(r, err, p, end, i + 2);
		}
		if (!isfinite(vec[i]) && !r->o->allow_nonfinite)
			return nonfinite(r, err, p, k, i + 2);
		p += k;
	}
	if (p != end) {
		if (st->glove)
			return parse_from_end(r, line, end, err);
		return too_few_or_many(r, err, line, end);
	}
	return 0;
}

/* Next non-blank line with line end, trailing blanks and (on line 1) a BOM removed. */
static int next_line(struct emb_rows *r, char **line, size_t *len, struct emb_err *err)
{
	int rc;

	for (;;) {
		char *s;
		size_t n;
		if ((rc = emb_stream_getline(r->in, &s, &n, err)) == EMB_ELIMIT)
			return emb_stream_fail(r->in, err, EMB_ELIMIT, "line longer than the token limit "
					       "(%zu bytes) plus 1 KiB a value",
					       r->o->max_token ? r->o->max_token : EMB_TOKEN_MAX_DEFAULT);
		if (rc != 0)
			return rc;
		if (emb_stream_lineno(r->in) == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			n -= 3;
		}
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\t'))
			n--;
		if (n > 0) {
			s[n] = 0;
			*line = s;
			*len = n;
			return 0;
		}
		if (r->o->strict_blank)
			return emb_stream_fail(r->in, err, EMB_EFORMAT, "empty line");
	}
}

static int text_next(struct emb_rows *r, struct emb_err *err)
{
	struct text_state *st = r->state;
	char *line;
	size_t len;
	int rc;

	if (st->pending) {
		st->pending = false;
		line = st->line;
		len = st->len;
	} else if ((rc = next_line(r, &line, &len, err)) != 0) {
		return rc;
	}
	if ((rc = parse_row(r, st, line, len, err)) < 0 || (rc = emb_rows_check_token(r, err)) < 0)
		return rc;
	r->nread++;
	return 0;
}

/* GloVe's dimension: the trailing fields of the first row that are numbers (the word keeps at
 * least the first field). */
static size_t glove_dim(const char *line, size_t len)
{
	const char *end = line + len, *p = end;
	size_t n = 0, fields = count_fields(line, end);

	while (n + 1 < fields) {
		const char *e;
		while (p > line && p[-1] == ' ')
			p--;
		e = p;
		while (p > line && p[-1] != ' ')
			p--;
		if (!is_number(p, e))
			break;
		n++;
	}
	return n;
}

/*
 * The longest line a row of DIM values may take: the token limit plus 1 KiB a value (a
 * shortest float32 takes at most 16 bytes; fixed precision, padding and runs of spaces get
 * the rest), so a line that is mostly one giant token is refused after about the token limit.
 */
static size_t line_limit(const struct emb_read_opts *o, size_t dim)
{
	size_t max = o->max_token ? o->max_token : EMB_TOKEN_MAX_DEFAULT, n;

	if (!emb_mul_ok(dim + 1, 1024, &n) || !emb_add_ok(n, max, &n))
		return EMB_STREAM_MAX_LINE;
	return n;
}

/* True when [s, e) is an integer (a sign allowed: a header's number gone wrong). */
static bool is_integer(const char *s, const char *e)
{
	if (s < e && (*s == '-' || *s == '+'))
		s++;
	if (s == e)
		return false;
	for (; s < e; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A first line of two integers that is no valid "ROWS DIM" header (a negative or out of range
 * number) is a broken header, not a GloVe row of dimension 1 whose word is a number. */
static int bad_header(struct emb_stream *in, const char *line, size_t len, struct emb_err *err)
{
	const char *end = line + len, *sp = memchr(line, ' ', len), *q;
	char tb[128];

	if (!sp || !is_integer(line, sp))
		return 0;
	for (q = sp; q < end && *q == ' '; q++)
		;
	if (!is_integer(q, end))
		return 0;
	return emb_stream_fail(in, err, EMB_EFORMAT, "bad 'ROWS DIM' header '%s': the row count must "
			       "be 0 to %llu and the dimension 1 to %zu",
			       emb_err_token(tb, sizeof tb, line, len), (unsigned long long)EMB_MAX_ROWS,
			       EMB_MAX_DIM);
}

int fmt_text_rows_open(struct emb_rows *r, struct emb_stream *in, const struct emb_read_opts *o,
		       bool glove, struct emb_err *err)
{
	struct text_state *st;
	char *line;
	size_t len;
	int rc;

	memset(r, 0, sizeof *r);
	r->in = in;
	r->o = o;
	if (!(st = calloc(1, sizeof *st)))
		return emb_err_nomem(err, "opening a text table");
	r->state = st;
	r->next = text_next;
	st->glove = glove;
	emb_stream_set_max_line(in, line_limit(o, EMB_MAX_DIM / 32));
	if ((rc = next_line(r, &line, &len, err)) < 0)
		goto fail;
	if (rc == EMB_EOF) {
		rc = emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0, "empty input");
		goto fail;
	}
	if (!glove) {
		uint64_t rows, dim;
		if (!fmt_parse_header(line, len, &rows, &dim)) {
			rc = emb_stream_fail(in, err, EMB_EFORMAT, "expected a 'ROWS DIM' header");
			goto fail;
		}
		if ((rc = fmt_check_header(in, rows, dim, err)) < 0)
			goto fail;
		r->has_header = true;
		r->header_rows = rows;
		r->dim = (size_t)dim;
	} else {
		if ((rc = bad_header(in, line, len, err)) < 0)
			goto fail;
		r->dim = glove_dim(line, len);
		if (r->dim == 0) {
			rc = emb_stream_fail(in, err, EMB_EFORMAT,
					     "dimension 0: the first row has no numbers after its word");
			goto fail;
		}
		if (r->dim > EMB_MAX_DIM) {
			rc = emb_stream_fail(in, err, EMB_ELIMIT, "absurd dimension %zu", r->dim);
			goto fail;
		}
		st->pending = true;
		st->line = line;
		st->len = len;
	}
	if (!(r->vec = malloc(r->dim * sizeof(float)))) {
		rc = emb_err_nomem(err, "opening a text table");
		goto fail;
	}
	emb_stream_set_max_line(in, line_limit(o, r->dim));
	return 0;
fail:
	emb_rows_release(r);
	return rc;
}

/* ---- writing ---- */

/* Room the formatter may use for one value (it may write a NUL after it). */
static size_t value_room(int precision)
{
	return precision < 0 ? EMB_FLOAT_MAX : EMB_FLOAT_FIXED_MAX(precision);
}

/* N values, each after a space, at Q (room: N * (value_room + 1) bytes); returns the end. */
static char *put_values(char *q, const float *v, size_t n, int precision)
{
	for (size_t i = 0; i < n; i++) {
		*q++ = ' ';
		q += precision < 0 ? emb_float_format(q, v[i]) : emb_float_format_fixed(q, v[i], precision);
	}
	return q;
}

/* The caller's thread formats straight into the output. */
static int text_row(struct emb_rowsink *w, const char *tok, size_t len, const float *v,
		    bool spaces, struct emb_err *err)
{
	size_t k = value_room(w->o->precision);
	size_t i = 0, per = (EMB_OUT_BLOCK / 4) / (k + 1);
	int rc;

	if ((rc = fmt_check_token(tok, len, spaces, err)) < 0 ||
	    (rc = emb_out_write(w->out, tok, len, err)) < 0)
		return rc;
	if (w->o->precision > 1000)
		return emb_err_set(err, EMB_EINVAL, "precision %d is too large", w->o->precision);
	do { /* values in runs that fit one reservation, ending with the line end */
		size_t stop = w->dim - i > per ? i + per : w->dim;
		char *p = emb_out_reserve(w->out, (stop - i) * (k + 1) + 1, err), *q;
		if (!p)
			return EMB_EIO;
		q = put_values(p, v + i, stop - i, w->o->precision);
		i = stop;
		if (i == w->dim)
			*q++ = '\n';
		emb_out_advance(w->out, (size_t)(q - p));
	} while (i < w->dim);
	return 0;
}

/*
 * With threads > 1 (formatting is ~85% of writing text): row() checks the token and copies
 * the row into the chunk being filled; a full chunk is queued, a worker formats it into the
 * chunk's own text buffer, and the caller writes finished chunks to the output strictly in
 * ring order, so the bytes are those of text_row() whatever the thread count.  Errors about
 * a row are still raised by row() for that row; write errors come out of a later row() or
 * end.  The workers and the hand-over of chunks are an emb_ring: a chunk belongs to one
 * worker from emb_ring_queue() until emb_ring_done() says it is formatted.
 */
#define CHUNK_TEXT ((size_t)2 << 20)  /* worst-case text of a full chunk: ~64k shortest values */
#define CHUNK_MAX_ROWS ((size_t)1 << 16)
#define MAX_WORKERS 64

struct chunk {
	float *vals;            /* rows x dim */
	size_t *lens;           /* token lengths */
	char *toks;             /* the tokens back to back */
	size_t rows, toks_len, toks_cap;
	char *text;
	size_t text_len, text_cap;
};

struct text_pool {
	size_t dim, room, max_rows;  /* fixed before the workers start */
	int precision;
	int nchunks;
	int cur, head, npending;     /* the caller's: cur fills, head.. the npending queued */
	struct emb_ring *workers;
	struct chunk ring[];
};

static void format_chunk(const struct text_pool *p, struct chunk *c)
{
	const char *tok = c->toks;
	char *q = c->text;

	for (size_t r = 0; r < c->rows; r++) {
		memcpy(q, tok, c->lens[r]);
		q += c->lens[r];
		tok += c->lens[r];
		q = put_values(q, c->vals + r * p->dim, p->dim, p->precision);
		*q++ = '\n';
	}
	c->text_len = (size_t)(q - c->text);
}

static void format_slot(void *ctx, int slot)
{
	struct text_pool *p = ctx;

	format_chunk(p, &p->ring[slot]);
}

/* Stop and join the workers (a busy one finishes its chunk), free everything.  NULL-safe. */
static void pool_free(struct text_pool *p)
{
	if (!p)
		return;
	emb_ring_stop(p->workers);
	for (int i = 0; i < p->nchunks; i++) {
		free(p->ring[i].vals);
		free(p->ring[i].lens);
		free(p->ring[i].toks);
		free(p->ring[i].text);
	}
	free(p);
}

/* A pool of THREADS workers for rows of DIM, or NULL (then the caller formats: the bytes are
 * the same, so a failure here costs only speed). */
static struct text_pool *pool_start(int threads, size_t dim, int precision)
{
	struct text_pool *p;
	int n = threads > MAX_WORKERS ? MAX_WORKERS : threads;

	if (!(p = calloc(1, sizeof *p + 2 * (size_t)n * sizeof p->ring[0])))
		return NULL;
	p->dim = dim;
	p->precision = precision;
	p->room = value_room(precision) + 1;
	p->max_rows = CHUNK_TEXT / (dim * p->room + 1);
	p->max_rows = p->max_rows < 1 ? 1 : p->max_rows > CHUNK_MAX_ROWS ? CHUNK_MAX_ROWS : p->max_rows;
	p->nchunks = 2 * n;
	if (!(p->workers = emb_ring_start(n, p->nchunks, format_slot, p))) {
		free(p);
		return NULL;
	}
	return p;
}

/* Write finished chunks from the head of the ring: the first NEED of them waiting for the
 * workers, then those already done. */
static int pool_write(struct emb_rowsink *w, struct text_pool *p, int need, struct emb_err *err)
{
	while (p->npending > 0) {
		struct chunk *c = &p->ring[p->head];
		int i = p->head, rc;

		if (!emb_ring_done(p->workers, i, need-- > 0))
			return 0;
		p->head = (p->head + 1) % p->nchunks;
		p->npending--;
		rc = emb_out_write(w->out, c->text, c->text_len, err);
		c->rows = c->toks_len = c->text_len = 0;
		emb_ring_release(p->workers, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Queue the chunk being filled and move on to the next one (written out first if the ring
 * is full). */
static int pool_queue(struct emb_rowsink *w, struct text_pool *p, struct emb_err *err)
{
	struct chunk *c = &p->ring[p->cur];
	size_t need = c->toks_len + c->rows * (p->dim * p->room + 1);

	if (need > c->text_cap) {
		char *t = realloc(c->text, need);
		if (!t)
			return emb_err_nomem(err, "formatting text rows");
		c->text = t;
		c->text_cap = need;
	}
	emb_ring_queue(p->workers, p->cur);
	p->cur = (p->cur + 1) % p->nchunks;
	p->npending++;
	return pool_write(w, p, p->npending == p->nchunks ? 1 : 0, err);
}

static int pool_row(struct emb_rowsink *w, const char *tok, size_t len, const float *v,
		    bool spaces, struct emb_err *err)
{
	struct text_pool *p = w->state;
	struct chunk *c = &p->ring[p->cur];
	int rc;

	if ((rc = fmt_check_token(tok, len, spaces, err)) < 0)
		return rc;
	if ((!c->vals && !(c->vals = malloc(p->max_rows * p->dim * sizeof(float)))) ||
	    (!c->lens && !(c->lens = malloc(p->max_rows * sizeof(size_t)))))
		return emb_err_nomem(err, "formatting text rows");
	if (len > c->toks_cap - c->toks_len) {
		size_t cap = 2 * (c->toks_len + len);
		char *t = realloc(c->toks, cap);
		if (!t)
			return emb_err_nomem(err, "formatting text rows");
		c->toks = t;
		c->toks_cap = cap;
	}
	memcpy(c->toks + c->toks_len, tok, len);
	c->toks_len += len;
	c->lens[c->rows] = len;
	memcpy(c->vals + c->rows * p->dim, v, p->dim * sizeof(float));
	if (++c->rows == p->max_rows)
		return pool_queue(w, p, err);
	return 0;
}

static int pool_end(struct emb_rowsink *w, struct emb_err *err)
{
	struct text_pool *p = w->state;
	int rc = 0;

	if (p->ring[p->cur].rows)
		rc = pool_queue(w, p, err);
	if (rc == 0)
		rc = pool_write(w, p, p->npending, err);
	pool_free(p);
	w->state = NULL;
	return rc;
}

static void pool_abort(struct emb_rowsink *w)
{
	pool_free(w->state);
	w->state = NULL;
}

static int text_row_glove(struct emb_rowsink *w, const char *tok, size_t len, const float *v,
			  struct emb_err *err)
{
	return w->state ? pool_row(w, tok, len, v, true, err) : text_row(w, tok, len, v, true, err);
}

static int text_row_w2v(struct emb_rowsink *w, const char *tok, size_t len, const float *v,
			struct emb_err *err)
{
	return w->state ? pool_row(w, tok, len, v, false, err) : text_row(w, tok, len, v, false, err);
}

int fmt_text_rows_begin(struct emb_rowsink *w, struct emb_out *out, size_t rows, size_t dim,
			const struct emb_write_opts *o, bool header, bool glove, struct emb_err *err)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->o = o;
	w->dim = dim;
	w->row = glove ? text_row_glove : text_row_w2v;
	if (header) {
		char hb[64];
		int n = snprintf(hb, sizeof hb, "%zu %zu\n", rows, dim);
		int rc = emb_out_write(out, hb, (size_t)n, err);
		if (rc < 0)
			return rc;
	}
	/* a precision too large to size chunks by stays on text_row(), which reports it */
	if (o->threads > 1 && dim > 0 && o->precision <= 1000 &&
	    (w->state = pool_start(o->threads, dim, o->precision))) {
		w->end = pool_end;
		w->abort = pool_abort;
	}
	return 0;
}

static int w2v_text_bid(const unsigned char *p, size_t n)
{
	return fmt_header_kind(p, n) == 1 ? 50 : 0;
}

static int w2v_text_rows_open(struct emb_rows *r, struct emb_stream *in,
			      const struct emb_read_opts *o, struct emb_err *err)
{
	return fmt_text_rows_open(r, in, o, false, err);
}

static int w2v_text_read(struct emb_table **out, struct emb_stream *in,
		      const struct emb_read_opts *o, struct emb_err *err)
{
	return emb_rows_read_table(&emb_format_word2vec, out, in, o, err);
}

static int w2v_text_rows_begin(struct emb_rowsink *w, struct emb_out *out, size_t rows,
			       size_t dim, const struct emb_write_opts *o, struct emb_err *err)
{
	return fmt_text_rows_begin(w, out, rows, dim, o, o->header, false, err);
}

static int w2v_text_write(const struct emb_table *t, struct emb_out *out,
			  const struct emb_write_opts *o, struct emb_err *err)
{
	return emb_rows_write_table(&emb_format_word2vec, t, out, o, err);
}

const struct emb_format emb_format_word2vec = {
	.name = "word2vec",
	.text = true,
	.bid = w2v_text_bid,
	.read = w2v_text_read,
	.write = w2v_text_write,
	.rows_open = w2v_text_rows_open,
	.rows_begin = w2v_text_rows_begin,
	.has_header = true,
};
