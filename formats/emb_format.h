/*
 * emb_format: the embedding-table file formats (glove, word2vec text, word2vec binary, EMB)
 * and the entry points every tool uses to load and save a table.
 *
 * Detection goes by the bytes (gzip magic -> inflate and look inside; the EMB magic; a header
 * line of two integers followed by text or binary rows; otherwise GloVe), never by the name.
 * Each format file exports one `const struct emb_format emb_format_<name>`; registry.c holds
 * the list and picks the reader whose bid is highest.
 */
#ifndef EMB_FORMAT_H
#define EMB_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "emb_err.h"
#include "emb_out.h"
#include "emb_stream.h"
#include "emb_table.h"

struct emb_read_opts {
	size_t limit;          /* keep the first N rows (0 = all) */
	bool strict;           /* header/row count mismatch is an error, not a warning */
	bool allow_nonfinite;  /* accept NaN / inf values */
	int dedupe;            /* EMB_DEDUPE_*: a token seen twice */
	bool want_mmap;        /* raw EMB by path: map instead of reading */
	/* warnings (e.g. header count mismatch) are reported here when non-NULL: cmd/ prints them */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
};

enum { EMB_DEDUPE_ERROR = 0, EMB_DEDUPE_FIRST = 1, EMB_DEDUPE_LAST = 2 };

#define EMB_READ_OPTS_INIT { 0, false, false, EMB_DEDUPE_ERROR, true, NULL, NULL }

struct emb_write_opts {
	int precision;   /* text: -1 = shortest round-trip, else fixed digits after the point */
	bool header;     /* word2vec text: write "ROWS DIM" first (default true) */
	bool f16;        /* EMB: store float16 */
};

#define EMB_WRITE_OPTS_INIT { -1, true, false }

struct emb_format {
	const char *name;
	/* Score how likely the first bytes (decoded) are this format: 0 = not it, higher = surer. */
	int (*bid)(const unsigned char *p, size_t n);
	int (*read)(struct emb_table **out, struct emb_stream *in, const struct emb_read_opts *o,
		    struct emb_err *err);
	int (*write)(const struct emb_table *t, struct emb_out *out, const struct emb_write_opts *o,
		     struct emb_err *err);
};

/* "glove", "word2vec" (also "vec", "fasttext"), "word2vec-bin", "emb"; NULL if unknown. */
const struct emb_format *emb_format_by_name(const char *name);
/* The format an output name asks for (.emb .bin .txt .vec, before a final .gz); NULL if none. */
const struct emb_format *emb_format_by_filename(const char *path);
/* Sniff the format of an open stream (peeks, consumes nothing). */
int emb_format_detect(const struct emb_format **out, struct emb_stream *in, struct emb_err *err);

/* Open PATH, detect (or use FMT), read the table. */
int emb_table_load(struct emb_table **out, const char *path, const struct emb_format *fmt,
		   const struct emb_read_opts *o, struct emb_err *err);

/* Write T to PATH atomically in FMT (NULL: from the name, else EMB). */
int emb_table_save(const struct emb_table *t, const char *path, const struct emb_format *fmt,
		   const struct emb_write_opts *wo, const struct emb_out_opts *oo,
		   struct emb_err *err);

#endif
