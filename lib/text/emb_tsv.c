/*
 * emb_tsv: tabular text through libcsv.  See emb_tsv.h.
 *
 * Reading: libcsv parses in strict mode (a quote inside an unquoted field, or text after a
 * closing quote, is an error rather than a silent merge of lines) with no space trimming, so
 * "a b<TAB>1" keeps its spaces.  libcsv does not count lines, so we feed it one input line at a
 * time (from emb_stream_getline, with the '\n' put back) and know which line each record began
 * on.  Its callbacks deliver fields into a buffer libcsv reuses, so they are copied: first into
 * the record being built (`cur`), then, when the record ends, into the queue of finished
 * records (`done`) that emb_tsv_next() hands out; a line normally finishes at most one record,
 * but a bare CR can finish several.
 *
 * Writing: a field is quoted (by libcsv's csv_write2, which doubles inner quotes) only when it
 * holds the delimiter, a quote, CR or LF; everything else is written as is.
 */
#include "emb_tsv.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Fields as one byte buffer of NUL-terminated strings plus start offsets and lengths. */
struct fields {
	char *buf;
	size_t len, cap;
	size_t *off, *flen;
	size_t n, ncap;
};

struct rec {
	size_t first, n; /* fields [first, first + n) of `done` */
	unsigned long long line;
};

struct emb_tsv {
	struct csv_parser p;
	struct emb_stream *in;
	struct fields cur, done;
	struct rec *recs;
	size_t nrecs, rcap, next;
	unsigned long long cur_line; /* line where the record being parsed began */
	unsigned long long line;     /* line being fed */
	bool between;                /* no record begun yet: the next non-empty line begins one */
	bool nomem, eof;
	struct emb_tsv_row row;
	size_t row_cap;
};

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static bool fields_push(struct fields *f, const char *s, size_t n)
{
	size_t need;

	if (f->n == f->ncap) {
		size_t nc = f->ncap ? 2 * f->ncap : 16;
		size_t *o = realloc(f->off, nc * sizeof *o);
		if (!o)
			return false;
		f->off = o;
		if (!(o = realloc(f->flen, nc * sizeof *o)))
			return false;
		f->flen = o;
		f->ncap = nc;
	}
	if (!emb_add_ok(f->len, n + 1, &need))
		return false;
	if (need > f->cap) {
		size_t nc = f->cap ? f->cap : 256;
		char *b;
		while (nc < need)
			nc *= 2;
		if (!(b = realloc(f->buf, nc)))
			return false;
		f->buf = b;
		f->cap = nc;
	}
	if (n)
		memcpy(f->buf + f->len, s, n);
	f->buf[f->len + n] = 0;
	f->off[f->n] = f->len;
	f->flen[f->n++] = n;
	f->len += n + 1;
	return true;
}

static void fields_release(struct fields *f)
{
	free(f->buf);
	free(f->off);
	free(f->flen);
}

static void on_field(void *s, size_t n, void *data)
{
	struct emb_tsv *t = data;

	if (!fields_push(&t->cur, s ? s : "", s ? n : 0))
		t->nomem = true;
}

static void on_record(int c, void *data)
{
	struct emb_tsv *t = data;
	struct rec *r;

	(void)c;
	if (t->nrecs == t->rcap) {
		size_t nc = t->rcap ? 2 * t->rcap : 8;
		if (!(r = realloc(t->recs, nc * sizeof *r))) {
			t->nomem = true;
			return;
		}
		t->recs = r;
		t->rcap = nc;
	}
	r = &t->recs[t->nrecs++];
	r->first = t->done.n;
	r->n = t->cur.n;
	r->line = t->cur_line;
	for (size_t i = 0; i < t->cur.n; i++)
		if (!fields_push(&t->done, t->cur.buf + t->cur.off[i], t->cur.flen[i]))
			t->nomem = true;
	t->cur.n = t->cur.len = 0;
	t->between = true;
}

int emb_tsv_open(struct emb_tsv **out, struct emb_stream *in, char delim, struct emb_err *err)
{
	struct emb_tsv *t;

	*out = NULL;
	if (!(t = calloc(1, sizeof *t)))
		return emb_err_nomem(err, "opening a table");
	if (csv_init(&t->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		free(t);
		return emb_err_nomem(err, "opening a table");
	}
	csv_set_delim(&t->p, (unsigned char)delim);
	csv_set_space_func(&t->p, no_space);
	/* libcsv grows a field by a fixed step (128 bytes by default): a 10 MB token would cost
	 * ~80,000 reallocs, quadratic copying.  1 MiB steps keep it to a handful. */
	csv_set_blk_size(&t->p, (size_t)1 << 20);
	t->in = in;
	t->between = true;
	*out = t;
	return 0;
}

/* Hand out finished record t->next. */
static int give(struct emb_tsv *t, struct emb_tsv_row **row, struct emb_err *err)
{
	const struct rec *r = &t->recs[t->next++];

	if (r->n > t->row_cap) {
		char **f = realloc(t->row.field, r->n * sizeof *f);
		size_t *l;
		if (!f)
			return emb_err_nomem(err, "reading a table");
		t->row.field = f;
		if (!(l = realloc(t->row.len, r->n * sizeof *l)))
			return emb_err_nomem(err, "reading a table");
		t->row.len = l;
		t->row_cap = r->n;
	}
	for (size_t i = 0; i < r->n; i++) {
		t->row.field[i] = t->done.buf + t->done.off[r->first + i];
		t->row.len[i] = t->done.flen[r->first + i];
	}
	t->row.n = r->n;
	t->row.line = r->line;
	*row = &t->row;
	return 0;
}

static int parse_error(struct emb_tsv *t, struct emb_err *err, unsigned long long line)
{
	if (t->nomem || csv_error(&t->p) == CSV_ENOMEM)
		return emb_err_nomem(err, "reading a table");
	return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(t->in), line,
			      "bad quoting (a field holding a quote must be quoted, with the quote doubled)");
}

int emb_tsv_next(struct emb_tsv *t, struct emb_tsv_row **row, struct emb_err *err)
{
	char *line;
	size_t len;
	int rc;

	*row = NULL;
	while (t->next == t->nrecs) {
		t->next = t->nrecs = 0;
		t->done.n = t->done.len = 0;
		if (t->eof)
			return EMB_EOF;
		rc = emb_stream_getline(t->in, &line, &len, err);
		if (rc < 0)
			return rc;
		if (rc == EMB_EOF) {
			t->eof = true;
			t->line++;
			if (csv_fini(&t->p, on_field, on_record, t) != 0)
				return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(t->in),
						      t->cur_line, "quoted field never ends");
			if (t->nomem)
				return emb_err_nomem(err, "reading a table");
			continue;
		}
		t->line = emb_stream_lineno(t->in);
		if (t->between && len > 0 && !(len == 1 && line[0] == '\r')) {
			t->cur_line = t->line;
			t->between = false;
		}
		/* getline dropped the '\n'; the NUL in its place is ours to overwrite for a moment */
		line[len] = '\n';
		if (csv_parse(&t->p, line, len + 1, on_field, on_record, t) != len + 1 || t->nomem) {
			line[len] = 0;
			return parse_error(t, err, t->line);
		}
		line[len] = 0;
	}
	return give(t, row, err);
}

void emb_tsv_close(struct emb_tsv *t)
{
	if (!t)
		return;
	csv_free(&t->p);
	fields_release(&t->cur);
	fields_release(&t->done);
	free(t->recs);
	free(t->row.field);
	free(t->row.len);
	free(t);
}

/* A field too big for one emb_out reservation: written in pieces, inner quotes doubled. */
static int write_quoted_big(struct emb_out *out, const char *s, size_t len, char sep,
			    struct emb_err *err)
{
	const char *q;
	int rc;

	if ((rc = emb_out_write(out, "\"", 1, err)) < 0)
		return rc;
	while ((q = memchr(s, '"', len))) {
		size_t k = (size_t)(q - s) + 1; /* through the quote, which is then written again */
		if ((rc = emb_out_write(out, s, k, err)) < 0 || (rc = emb_out_write(out, "\"", 1, err)) < 0)
			return rc;
		s += k;
		len -= k;
	}
	if ((rc = emb_out_write(out, s, len, err)) < 0 || (rc = emb_out_write(out, "\"", 1, err)) < 0)
		return rc;
	return emb_out_write(out, &sep, 1, err);
}

int emb_tsv_write_field(struct emb_out *out, const char *s, size_t len, char delim, char sep,
			struct emb_err *err)
{
	bool quote = false;
	char *p;
	size_t n;
	int rc;

	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == delim || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		if (len >= EMB_OUT_BLOCK / 4) {
			if ((rc = emb_out_write(out, s, len, err)) < 0)
				return rc;
			return emb_out_write(out, &sep, 1, err);
		}
		if (!(p = emb_out_reserve(out, len + 1, err)))
			return err->code;
		if (len)
			memcpy(p, s, len);
		p[len] = sep;
		emb_out_advance(out, len + 1);
		return 0;
	}
	if (len >= EMB_OUT_BLOCK / 4)
		return write_quoted_big(out, s, len, sep, err);
	/* worst case every byte is a doubled quote, plus the two around it and SEP */
	if (!(p = emb_out_reserve(out, 2 * len + 3, err)))
		return err->code;
	n = csv_write2(p, 2 * len + 2, s, len, '"');
	p[n] = sep;
	emb_out_advance(out, n + 1);
	return 0;
}

int emb_tsv_write_u64(struct emb_out *out, uint64_t v, char sep, struct emb_err *err)
{
	char num[24], *p;
	size_t k = sizeof num;

	num[--k] = sep;
	do {
		num[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (!(p = emb_out_reserve(out, sizeof num - k, err)))
		return err->code;
	memcpy(p, num + k, sizeof num - k);
	emb_out_advance(out, sizeof num - k);
	return 0;
}
