/*
 * cooc: the co-occurrence file (specification: formats/COOC.md).  Little-endian header with
 * the vocabulary, 12-byte records (uint32 i, uint32 j, float32 x) in strictly increasing
 * (i, j), an end record of all ones, the record count and a CRC-32 of every byte before it.
 * The reader trusts nothing: every count is bounded by what follows it, every record is
 * checked for its rows, its order and a positive finite count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emb_bytes.h"
#include "emb_cooc_file.h"
#include "emb_token.h"
#include "emb_vocab.h"
#include "embbin_impl.h"

#define WBUF 4096  /* records buffered by the writer */
#define MAX_TOKEN 65536

struct emb_cooc_writer {
	struct emb_out *out;
	const struct emb_vocab *vocab;
	unsigned window;
	bool symmetric, begun;
	uint32_t crc;
	uint64_t n, max;
	size_t bn;
	unsigned char buf[WBUF * 12];
};

static int wput(struct emb_cooc_writer *w, const void *p, size_t n, struct emb_err *err)
{
	w->crc = crc32_of(w->crc, p, n);
	return emb_out_write(w->out, p, n, err);
}

int emb_cooc_file_create(struct emb_cooc_writer **out, const char *path,
			 const struct emb_vocab *vocab, unsigned window, bool symmetric,
			 const struct emb_out_opts *oo, struct emb_err *err)
{
	struct emb_cooc_writer *w;
	struct emb_out_opts o = *oo;
	int rc;

	*out = NULL;
	if (!(w = calloc(1, sizeof *w)))
		return emb_err_nomem(err, "writing co-occurrences");
	o.flags |= EMB_OUT_NO_GZ_NAME;
	if ((rc = emb_out_open(&w->out, path, &o, err)) < 0) {
		free(w);
		return rc;
	}
	w->vocab = vocab;
	w->window = window;
	w->symmetric = symmetric;
	*out = w;
	return 0;
}

int emb_cooc_file_begin(struct emb_cooc_writer *w, uint64_t max_records, struct emb_err *err)
{
	unsigned char h[EMB_COOC_HEADER_LEN];
	size_t rows = emb_vocab_size(w->vocab);
	int rc;

	memcpy(h, EMB_COOC_MAGIC, 8);
	emb_put_le32(h + 8, 1);
	emb_put_le32(h + 12, w->symmetric ? 1 : 0);
	emb_put_le32(h + 16, w->window);
	emb_put_le32(h + 20, 0);
	emb_put_le64(h + 24, rows);
	emb_put_le64(h + 32, max_records);
	w->max = max_records;
	w->begun = true;
	if ((rc = wput(w, h, sizeof h, err)) < 0)
		return rc;
	for (size_t i = 0; i < rows; i++) {
		size_t len;
		const char *tok = emb_vocab_token(w->vocab, i, &len);
		unsigned char b[8];
		emb_put_le32(b, (uint32_t)len);
		if ((rc = wput(w, b, 4, err)) < 0 || (rc = wput(w, tok, len, err)) < 0)
			return rc;
		emb_put_le64(b, emb_vocab_count(w->vocab, i));
		if ((rc = wput(w, b, 8, err)) < 0)
			return rc;
	}
	return 0;
}

static int wflush(struct emb_cooc_writer *w, struct emb_err *err)
{
	int rc = wput(w, w->buf, w->bn * 12, err);

	w->bn = 0;
	return rc;
}

int emb_cooc_file_put(struct emb_cooc_writer *w, const struct emb_cooc_rec *r, struct emb_err *err)
{
	unsigned char *p = w->buf + w->bn * 12;
	uint32_t x;

	memcpy(&x, &r->x, 4);
	emb_put_le32(p, r->i);
	emb_put_le32(p + 4, r->j);
	emb_put_le32(p + 8, x);
	w->n++;
	return ++w->bn == WBUF ? wflush(w, err) : 0;
}

int emb_cooc_file_commit(struct emb_cooc_writer *w, struct emb_err *err)
{
	unsigned char t[12 + 8 + 4];
	int rc;

	if ((!w->begun && (rc = emb_cooc_file_begin(w, 0, err)) < 0) || (rc = wflush(w, err)) < 0)
		goto fail;
	memset(t, 0xff, 12);
	emb_put_le64(t + 12, w->n);
	if ((rc = wput(w, t, 20, err)) < 0)
		goto fail;
	emb_put_le32(t + 20, w->crc);
	if ((rc = emb_out_write(w->out, t + 20, 4, err)) < 0)
		goto fail;
	rc = emb_out_commit(w->out, err);
	free(w);
	return rc;
fail:
	emb_cooc_file_discard(w);
	return rc;
}

void emb_cooc_file_discard(struct emb_cooc_writer *w)
{
	if (!w)
		return;
	emb_out_abort(w->out);
	free(w);
}

/* ---- reader ------------------------------------------------------------------------- */

struct emb_cooc_reader {
	struct emb_stream *in;
	struct emb_vocab *vocab;
	uint64_t rows, max, n;
	unsigned window;
	bool symmetric, any, ended;
	uint32_t crc, li, lj;
};

static int rget(struct emb_cooc_reader *r, void *p, size_t n, struct emb_err *err)
{
	int rc = emb_stream_read_full(r->in, p, n, err);

	if (rc == EMB_EOF)
		rc = emb_stream_fail(r->in, err, EMB_ETRUNC, "unexpected end of co-occurrence data");
	if (rc < 0)
		return rc;
	r->crc = crc32_of(r->crc, p, n);
	return 0;
}

int emb_cooc_file_read(struct emb_cooc_reader **out, struct emb_stream *in, struct emb_err *err)
{
	struct emb_cooc_reader *r;
	unsigned char h[EMB_COOC_HEADER_LEN];
	char *tok = NULL;
	int rc;

	*out = NULL;
	if (!(r = calloc(1, sizeof *r))) {
		emb_stream_abort(in);
		return emb_err_nomem(err, "reading co-occurrences");
	}
	r->in = in;
	if ((rc = rget(r, h, sizeof h, err)) < 0)
		goto fail;
	if (memcmp(h, EMB_COOC_MAGIC, 8) != 0) {
		rc = emb_stream_fail(in, err, EMB_EFORMAT, "not a co-occurrence file (no %s magic)",
				     EMB_COOC_MAGIC);
		goto fail;
	}
	r->window = emb_le32(h + 16);
	r->symmetric = emb_le32(h + 12) == 1;
	r->rows = emb_le64(h + 24);
	r->max = emb_le64(h + 32);
	if (emb_le32(h + 8) != 1 || emb_le32(h + 12) > 1 || emb_le32(h + 20) != 0) {
		rc = emb_stream_fail(in, err, EMB_EFORMAT, "unsupported co-occurrence file version %u "
				     "(flags %u)", emb_le32(h + 8), emb_le32(h + 12));
		goto fail;
	}
	if (r->window < 1 || r->window > EMB_COOC_MAX_WINDOW || r->rows < 1 ||
	    r->rows >= UINT32_MAX || r->max > r->rows * r->rows) {
		rc = emb_stream_fail(in, err, EMB_EFORMAT, "bad co-occurrence header (window %u, %llu "
				     "rows, %llu records)", r->window, (unsigned long long)r->rows,
				     (unsigned long long)r->max);
		goto fail;
	}
	if ((rc = emb_vocab_new(&r->vocab, err)) < 0 || !(tok = malloc(MAX_TOKEN))) {
		rc = rc < 0 ? rc : emb_err_nomem(err, "reading co-occurrences");
		goto fail;
	}
	for (uint64_t i = 0; i < r->rows; i++) {
		unsigned char b[8];
		uint32_t len;
		struct emb_token_at at = { emb_stream_name(in), 0, emb_stream_offset(in) };
		if ((rc = rget(r, b, 4, err)) < 0)
			goto fail;
		if ((len = emb_le32(b)) > MAX_TOKEN) {
			rc = emb_stream_fail(in, err, EMB_EFORMAT, "token of %u bytes (at most %d)",
					     len, MAX_TOKEN);
			goto fail;
		}
		if ((rc = rget(r, tok, len, err)) < 0 || (rc = rget(r, b, 8, err)) < 0 ||
		    (rc = emb_token_check(tok, len, MAX_TOKEN, &at, err)) < 0 ||
		    (rc = emb_vocab_add(r->vocab, tok, len, emb_le64(b), NULL, err)) < 0)
			goto fail;
		if (rc == EMB_EOF) {
			rc = emb_stream_fail(in, err, EMB_EFORMAT, "row %llu repeats a token",
					     (unsigned long long)i);
			goto fail;
		}
	}
	free(tok);
	*out = r;
	return 0;
fail:
	free(tok);
	emb_cooc_file_abort(r);
	return rc;
}

int emb_cooc_file_open(struct emb_cooc_reader **out, const char *path, struct emb_err *err)
{
	struct emb_stream *in;
	int rc;

	*out = NULL;
	if ((rc = emb_stream_open(&in, path, err)) < 0)
		return rc;
	return emb_cooc_file_read(out, in, err);
}

size_t emb_cooc_file_rows(const struct emb_cooc_reader *r)
{
	return (size_t)r->rows;
}

uint64_t emb_cooc_file_max_records(const struct emb_cooc_reader *r)
{
	return r->max;
}

unsigned emb_cooc_file_window(const struct emb_cooc_reader *r)
{
	return r->window;
}

bool emb_cooc_file_symmetric(const struct emb_cooc_reader *r)
{
	return r->symmetric;
}

int emb_cooc_file_next(struct emb_cooc_reader *r, struct emb_cooc_rec *rec, struct emb_err *err)
{
	unsigned char b[12];
	uint32_t x;
	int rc;

	if (r->ended)
		return EMB_EOF;
	if ((rc = rget(r, b, 12, err)) < 0)
		return rc;
	rec->i = emb_le32(b);
	rec->j = emb_le32(b + 4);
	x = emb_le32(b + 8);
	memcpy(&rec->x, &x, 4);
	if (rec->i == UINT32_MAX && rec->j == UINT32_MAX && x == UINT32_MAX) {
		unsigned char t[12];
		uint32_t crc = r->crc;
		if ((rc = rget(r, t, 8, err)) < 0)
			return rc;
		crc = r->crc;
		if ((rc = rget(r, t + 8, 4, err)) < 0)
			return rc;
		if (emb_le64(t) != r->n)
			return emb_stream_fail(r->in, err, EMB_EFORMAT, "the trailer counts %llu "
					       "records, the file holds %llu",
					       (unsigned long long)emb_le64(t), (unsigned long long)r->n);
		if (emb_le32(t + 8) != crc)
			return emb_stream_fail(r->in, err, EMB_EFORMAT, "CRC mismatch: the file is "
					       "damaged");
		r->ended = true;
		return EMB_EOF;
	}
	if (rec->i >= r->rows || rec->j >= r->rows)
		return emb_stream_fail(r->in, err, EMB_EFORMAT, "record (%u, %u) beyond the %llu rows",
				       rec->i, rec->j, (unsigned long long)r->rows);
	if (r->any && !(r->li < rec->i || (r->li == rec->i && r->lj < rec->j)))
		return emb_stream_fail(r->in, err, EMB_EFORMAT, "record (%u, %u) out of order",
				       rec->i, rec->j);
	if (!isfinite(rec->x) || !(rec->x > 0))
		return emb_stream_fail(r->in, err, EMB_EFORMAT, "record (%u, %u) has count %g, not a "
				       "positive number", rec->i, rec->j, (double)rec->x);
	if (r->n == r->max)
		return emb_stream_fail(r->in, err, EMB_EFORMAT, "more records than the %llu announced",
				       (unsigned long long)r->max);
	r->n++;
	r->any = true;
	r->li = rec->i;
	r->lj = rec->j;
	return 0;
}

int emb_cooc_file_close(struct emb_cooc_reader *r, struct emb_vocab **vocab, struct emb_err *err)
{
	unsigned char b;
	size_t got;
	int rc = 0;

	*vocab = NULL;
	if (!r->ended)
		rc = emb_stream_fail(r->in, err, EMB_EFORMAT, "co-occurrence data not read to its end");
	else if ((rc = emb_stream_read(r->in, &b, 1, &got, err)) >= 0 && got > 0)
		rc = emb_stream_fail(r->in, err, EMB_EFORMAT, "data after the co-occurrence trailer");
	if (rc >= 0) {
		rc = emb_stream_close(r->in, err);
		r->in = NULL;
	}
	if (rc >= 0) {
		*vocab = r->vocab;
		r->vocab = NULL;
	}
	emb_cooc_file_abort(r);
	return rc < 0 ? rc : 0;
}

void emb_cooc_file_abort(struct emb_cooc_reader *r)
{
	if (!r)
		return;
	emb_stream_abort(r->in);
	emb_vocab_free(r->vocab);
	free(r);
}
