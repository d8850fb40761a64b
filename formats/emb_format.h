/*
 * emb_format: the embedding-table file formats (glove, word2vec text, word2vec binary, EMB)
 * and the entry points every tool uses to load and save a table.
 *
 * Detection goes by the bytes (gzip magic -> inflate and look inside; the EMB magic; fastText's
 * model magic; a header line of two integers followed by text or binary rows; otherwise GloVe), never by the name.
 * Each format file exports one `const struct emb_format emb_format_<name>`; registry.c holds
 * the list and picks the reader whose bid is highest.
 */
#ifndef EMB_FORMAT_H
#define EMB_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_out.h"
#include "emb_stream.h"
#include "emb_table.h"
#include "emb_token.h"

struct emb_read_opts {
	size_t limit;          /* keep the first N rows (0 = all) */
	bool strict;           /* header/row count mismatch is an error, not a warning */
	bool allow_nonfinite;  /* accept NaN / inf values */
	int dedupe;            /* EMB_DEDUPE_*: a token seen twice */
	bool want_mmap;        /* raw EMB by path: map instead of reading */
	/* warnings (e.g. header count mismatch) are reported here when non-NULL: cmd/ prints them */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
	/* raw EMB mapped by path: leave t->vocab NULL and use emb_table_find/emb_table_token
	 * (opening then costs nothing per row) */
	bool lazy_vocab;
	/* glove/word2vec text: a blank line is an error instead of being skipped */
	bool strict_blank;
	/* when non-NULL, counts the rows that --dedupe first|last dropped or overwrote */
	uint64_t *duplicates;
	/* the longest token accepted, in bytes (0 = EMB_TOKEN_MAX_DEFAULT); it also bounds the
	 * line a text reader holds in memory: see emb_token.h for the rest of the token rule */
	size_t max_token;
	/* enum emb_utf8_mode: a token that is not valid UTF-8 is kept (and counted in a warning),
	 * refused, or repaired */
	int utf8;
};

enum { EMB_DEDUPE_ERROR = 0, EMB_DEDUPE_FIRST = 1, EMB_DEDUPE_LAST = 2 };

#define EMB_READ_OPTS_INIT \
	{ 0, false, false, EMB_DEDUPE_ERROR, true, NULL, NULL, false, false, NULL, 0, EMB_UTF8_KEEP }

struct emb_write_opts {
	int precision;   /* text: -1 = shortest round-trip, else fixed digits after the point */
	bool header;     /* word2vec text: write "ROWS DIM" first (default true) */
	bool f16;        /* EMB: store float16 */
	bool no_newline; /* word2vec binary: no '\n' after each row (as gensim writes) */
	int threads;     /* text: format rows on N worker threads (0 or 1 = the caller's thread);
			  * the bytes written never depend on it */
};

#define EMB_WRITE_OPTS_INIT { -1, true, false, false, 1 }

struct emb_rows;
struct emb_rowsink;

struct emb_format {
	const char *name;
	/* Score how likely the first bytes (decoded) are this format: 0 = not it, higher = surer. */
	int (*bid)(const unsigned char *p, size_t n);
	int (*read)(struct emb_table **out, struct emb_stream *in, const struct emb_read_opts *o,
		    struct emb_err *err);
	int (*write)(const struct emb_table *t, struct emb_out *out, const struct emb_write_opts *o,
		     struct emb_err *err);
	/* Row formats only (else NULL): read or write one row at a time (bounded memory). */
	int (*rows_open)(struct emb_rows *r, struct emb_stream *in, const struct emb_read_opts *o,
			 struct emb_err *err);
	int (*rows_begin)(struct emb_rowsink *w, struct emb_out *out, size_t rows, size_t dim,
			  const struct emb_write_opts *o, struct emb_err *err);
	bool has_header;  /* the written form starts with "ROWS DIM" (may be switched off) */
	bool text;        /* the written form is text (a tool may show it on a terminal) */
};

/*
 * The format a table saved to PATH is written in: FMT when given, else the one PATH's name
 * suggests (emb_format_by_filename; "-" suggests none), else EMB.
 */
const struct emb_format *emb_format_for_output(const char *path, const struct emb_format *fmt);

extern const struct emb_format emb_format_glove, emb_format_word2vec, emb_format_word2vec_bin,
	emb_format_emb, emb_format_safetensors, emb_format_npy, emb_format_fasttext;

/* Upper bounds on header values: a larger dimension is refused as absurd before any read. */
#define EMB_MAX_DIM ((size_t)1 << 20)
#define EMB_MAX_ROWS ((uint64_t)1 << 48)

/*
 * A row reader.  rows_open() reads any header and sets dim; next() makes tok/len/vec the next
 * row and returns 0, EMB_EOF at the end, or a negative error naming FILE:LINE (text) or the
 * byte offset (binary).  emb_rows_release() frees it (NULL-safe members).
 */
struct emb_rows {
	struct emb_stream *in;
	const struct emb_read_opts *o;
	size_t dim;
	bool has_header;          /* the input had a "ROWS DIM" header ... */
	uint64_t header_rows;     /* ... saying this many rows */
	uint64_t nread;           /* rows returned so far */
	uint64_t row_offset;      /* binary: byte offset where the current row starts */
	bool binary;              /* errors name byte offsets, not lines */
	const char *tok;
	size_t len;
	float *vec;               /* dim values, owned */
	char *fixed;              /* tok repaired under EMB_UTF8_REPLACE/IGNORE, owned */
	size_t fixed_cap;
	uint64_t bad_utf8;        /* tokens so far that were not valid UTF-8 */
	int (*next)(struct emb_rows *r, struct emb_err *err);
	void *state;              /* the format's, freed with free() */
};
void emb_rows_release(struct emb_rows *r);
/* The token rule (emb_token.h) and the UTF-8 choice for the current row's tok/len (a repaired
 * token replaces them): every row reader calls it once per row.  0 or a located error. */
int emb_rows_check_token(struct emb_rows *r, struct emb_err *err);
/* An error about the current row: "FILE:LINE: msg" or "FILE: byte N: msg". */
int emb_rows_fail(const struct emb_rows *r, struct emb_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* At EOF: compare the header's count with the rows read (warning, or error when strict), and
 * warn once with the number of tokens that were not valid UTF-8. */
int emb_rows_check_count(const struct emb_rows *r, struct emb_err *err);
/* Warn (o->warn) that N tokens read from NAME were not valid UTF-8, saying what o->utf8 did. */
void emb_utf8_warn(const struct emb_read_opts *o, const char *name, uint64_t n);
/* Read every remaining row of R into a new table (limit, dedupe, count check). */
int emb_rows_collect(struct emb_table **out, struct emb_rows *r, struct emb_err *err);
/* The read() of row formats: FMT->rows_open, then emb_rows_collect. */
int emb_rows_read_table(const struct emb_format *fmt, struct emb_table **out,
			struct emb_stream *in, const struct emb_read_opts *o, struct emb_err *err);

/*
 * A row writer: rows_begin() writes any header, row() one row, emb_rowsink_end() hands on
 * the rows a writer still holds (text written by worker threads) and frees what it owns.
 * After a failed row() (or instead of ending) emb_rowsink_abort() frees it without writing.
 * Every begun sink is ended or aborted exactly once; row() errors name the row as before.
 */
struct emb_rowsink {
	struct emb_out *out;
	const struct emb_write_opts *o;
	size_t dim;
	int (*row)(struct emb_rowsink *w, const char *tok, size_t len, const float *v,
		   struct emb_err *err);
	/* NULL when the writer holds nothing back; end always frees state, abort cannot fail */
	int (*end)(struct emb_rowsink *w, struct emb_err *err);
	void (*abort)(struct emb_rowsink *w);
	void *state;              /* the writer's */
};
/* Write what W still holds and free it: 0 or the first write error. */
int emb_rowsink_end(struct emb_rowsink *w, struct emb_err *err);
/* Free W without writing what it holds (joins its threads).  Safe on a zeroed, ended or
 * already aborted sink. */
void emb_rowsink_abort(struct emb_rowsink *w);
/* Write every row of T through FMT's row writer (the write() of row formats). */
int emb_rows_write_table(const struct emb_format *fmt, const struct emb_table *t,
			 struct emb_out *out, const struct emb_write_opts *o, struct emb_err *err);

/* "glove", "word2vec" (also "vec"), "word2vec-bin", "emb", "fasttext" (the .bin model; also
 * "fasttext-bin"); NULL if unknown. */
const struct emb_format *emb_format_by_name(const char *name);
/* The format an output name asks for (.emb .bin .txt .vec, before a final .gz); NULL if none. */
const struct emb_format *emb_format_by_filename(const char *path);
/* PATH has an extension (before a final .gz; a leading dot is not one) that names no format:
 * writing EMB under a name that promises something else would surprise, so callers refuse. */
bool emb_format_unknown_extension(const char *path);
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
