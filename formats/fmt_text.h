/*
 * Private to formats/: the text row reader and writer shared by GloVe (glove.c) and word2vec
 * text (w2v_text.c), and the "ROWS DIM" header sniffing shared with word2vec binary.
 */
#ifndef EMB_FMT_TEXT_H
#define EMB_FMT_TEXT_H

#include "emb_format.h"

/* Open a text row reader; GLOVE: no header, dim from the first row, words may hold spaces. */
int fmt_text_rows_open(struct emb_rows *r, struct emb_stream *in, const struct emb_read_opts *o,
		       bool glove, struct emb_err *err);
/* Begin a text row writer; HEADER: write "ROWS DIM" first; GLOVE: tokens may hold spaces. */
int fmt_text_rows_begin(struct emb_rowsink *w, struct emb_out *out, size_t rows, size_t dim,
			const struct emb_write_opts *o, bool header, bool glove, struct emb_err *err);

/* Parse a "ROWS DIM" line (trailing spaces and '\r' allowed): true if it is one. */
bool fmt_parse_header(const char *s, size_t n, uint64_t *rows, uint64_t *dim);

/* What follows a "ROWS DIM" first line: 0 no such header, 1 text rows, 2 binary rows. */
int fmt_header_kind(const unsigned char *p, size_t n);

/* Check header values: dim 1..EMB_MAX_DIM, rows <= EMB_MAX_ROWS (stream-located errors). */
int fmt_check_header(struct emb_stream *in, uint64_t rows, uint64_t dim, struct emb_err *err);

/* Unless o->allow_nonfinite, the first row of T holding NaN or inf is EMB_EFORMAT naming IN. */
int fmt_check_finite(const struct emb_table *t, struct emb_stream *in,
		     const struct emb_read_opts *o, struct emb_err *err);
/* A token that a word2vec or GloVe file can hold: the token rule (emb_token.h), and no ' '
 * unless SPACES.  EMB's writer checks the same rule. */
int fmt_check_token(const char *tok, size_t len, bool spaces, struct emb_err *err);

/* N floats as little-endian float32 (the binary formats' byte order on any host). */
struct emb_out;
int fmt_write_f32le(struct emb_out *out, const float *v, size_t n, struct emb_err *err);
/* ROWS rows of little-endian float32 from IN into T (dim set), the table grown a few MB at a
 * time so that a lying row count costs only the bytes that were sent.  When the input ends
 * early: EMB_ETRUNC, *END_ROW the 1-based row it ended in, and ERR left for the caller to word
 * (each format names the place its own way). */
struct emb_table;
int fmt_read_f32le_rows(struct emb_table *t, struct emb_stream *in, uint64_t rows,
			uint64_t *end_row, struct emb_err *err);

#endif
