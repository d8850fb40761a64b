/*
 * emb_tsv: tabular text (vocabularies, evaluation sets, query results) read and written through
 * libcsv, TSV by default and CSV on request.  Fields are quoted only when they must be (they
 * hold the delimiter, a quote, CR or LF, or start with a quote), so ordinary files stay plain.
 *
 * Ownership: emb_tsv_open() hands a reader to *out; emb_tsv_close()/emb_tsv_abort() free it.
 */
#ifndef EMB_TSV_H
#define EMB_TSV_H

#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_out.h"
#include "emb_stream.h"

struct emb_tsv;

struct emb_tsv_row {
	size_t n;            /* fields */
	char **field;        /* NUL-terminated, valid until the next emb_tsv_next() */
	size_t *len;
	unsigned long long line; /* line where the record started (1-based) */
};

/* Read records from IN (not owned) with DELIM ('\t' or ','). */
int emb_tsv_open(struct emb_tsv **out, struct emb_stream *in, char delim, struct emb_err *err);
/* Next record: 0, EMB_EOF, or a negative error (bad quoting). Empty lines are skipped. */
int emb_tsv_next(struct emb_tsv *t, struct emb_tsv_row **row, struct emb_err *err);
void emb_tsv_close(struct emb_tsv *t);

/* Write one field (quoted when needed) followed by SEP ('\t', ',' or '\n'). */
int emb_tsv_write_field(struct emb_out *out, const char *s, size_t len, char delim, char sep,
			struct emb_err *err);

/* Write V in decimal followed by SEP (a count column, an id). */
int emb_tsv_write_u64(struct emb_out *out, uint64_t v, char sep, struct emb_err *err);

#endif
