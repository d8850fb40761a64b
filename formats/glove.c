/*
 * GloVe text: "word v1 ... vDIM" per line, no header; the dimension is the number of trailing
 * numeric fields of the first row, and a word may hold spaces (the row reader in w2v_text.c
 * takes the last DIM fields as the numbers).  GloVe is the fallback of detection.
 */
#include "fmt_text.h"

static int glove_bid(const unsigned char *p, size_t n)
{
	(void)p;
	return n > 0 ? 1 : 0;
}

static int glove_rows_open(struct emb_rows *r, struct emb_stream *in,
			   const struct emb_read_opts *o, struct emb_err *err)
{
	return fmt_text_rows_open(r, in, o, true, err);
}

static int glove_read(struct emb_table **out, struct emb_stream *in,
		      const struct emb_read_opts *o, struct emb_err *err)
{
	return emb_rows_read_table(&emb_format_glove, out, in, o, err);
}

static int glove_rows_begin(struct emb_rowsink *w, struct emb_out *out, size_t rows, size_t dim,
			    const struct emb_write_opts *o, struct emb_err *err)
{
	return fmt_text_rows_begin(w, out, rows, dim, o, false, true, err);
}

static int glove_write(const struct emb_table *t, struct emb_out *out,
		       const struct emb_write_opts *o, struct emb_err *err)
{
	return emb_rows_write_table(&emb_format_glove, t, out, o, err);
}

const struct emb_format emb_format_glove = {
	.name = "glove",
	.text = true,
	.bid = glove_bid,
	.read = glove_read,
	.write = glove_write,
	.rows_open = glove_rows_open,
	.rows_begin = glove_rows_begin,
	.has_header = false,
};
