/*
 * emb_table: an embedding table as torch.nn.Embedding sees it — `rows` (num_embeddings) rows
 * of `dim` (embedding_dim) float32 values, row-major, with the token of each row, an optional
 * padding_idx (a row that is all zeros and never updated) and key/value metadata saying how the
 * table was made.
 *
 * `data` is either owned (malloc'd, 64-byte aligned) or borrowed from a read-only mapping of a
 * raw EMB file (emb_table_is_mapped()); a mapped table must not be written to.
 *
 * Ownership: emb_table_new()/the format readers hand a table to *out; emb_table_free() frees
 * it, its vocabulary, its subwords and its mapping (NULL-safe).
 */
#ifndef EMB_TABLE_H
#define EMB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_vocab.h"

struct emb_table_priv;
struct emb_subword;

struct emb_table {
	size_t rows, dim;
	float *data;              /* rows * dim values */
	struct emb_vocab *vocab;  /* token of row i = token i (size == rows) */
	long padding_idx;         /* -1: none */
	/* character n-gram rows giving unseen words a vector (fastText), or NULL; owned, freed
	 * with the table (emb_subword.h) */
	struct emb_subword *subword;
	struct emb_table_priv *priv; /* metadata, mapping: use the functions below */
};

/* A table of ROWS x DIM zeros with an empty vocabulary (ENOMEM, ELIMIT on overflow). */
int emb_table_new(struct emb_table **out, size_t rows, size_t dim, struct emb_err *err);
void emb_table_free(struct emb_table *t);

static inline float *emb_table_row(const struct emb_table *t, size_t i)
{
	return t->data + i * t->dim;
}

/* Set (replace) a metadata entry. */
int emb_table_meta_set(struct emb_table *t, const char *key, const char *value, struct emb_err *err);
/* Value of KEY or NULL. */
const char *emb_table_meta_get(const struct emb_table *t, const char *key);
/* Number of entries and the i-th of them (insertion order). */
size_t emb_table_meta_count(const struct emb_table *t);
void emb_table_meta_at(const struct emb_table *t, size_t i, const char **key, const char **value);

bool emb_table_is_mapped(const struct emb_table *t);
/* Take over a mapping (base, len) that t->data points into: munmap'd by emb_table_free(). */
void emb_table_adopt_mapping(struct emb_table *t, void *base, size_t len);

/*
 * nn.Embedding max_norm semantics: if the norm_type-norm of row v exceeds max_norm, scale it by
 * max_norm / (norm + 1e-7) (torch's embedding_renorm_).  norm_type > 0 (1, 2, 3, inf ...).
 */
void emb_renorm_row(float *v, size_t dim, double max_norm, double norm_type);
/* The norm_type-norm of v (accumulated in double; INFINITY = max |x|). */
double emb_row_norm(const float *v, size_t dim, double norm_type);

/* Grow or shrink to ROWS rows (new rows are zeros); the vocabulary is not touched.  Growing
 * moves pages instead of copying them, so reading a table of unknown size costs no extra
 * memory.  Not for a mapped table (EMB_EINVAL).  0, EMB_ENOMEM or EMB_ELIMIT. */
int emb_table_resize(struct emb_table *t, size_t rows, struct emb_err *err);

/* Keep the first ROWS rows (more: no-op), their tokens and counts; a padding row beyond them
 * is dropped.  Works on a mapped table too (it only stops short). */
int emb_table_truncate(struct emb_table *t, size_t rows, struct emb_err *err);

/*
 * A mapped raw EMB file may come without t->vocab (emb_read_opts.lazy_vocab): its tokens and
 * hash index are read straight from the mapping, so opening costs nothing per row.  These
 * three work for every table, mapped or not.
 */
/* Row of token TOK[0..len), or -1. */
long emb_table_find(const struct emb_table *t, const char *tok, size_t len);
/*
 * The vector of word W[0..len): every lookup by word goes through here, so a table that can
 * build vectors for words it has no row for (subwords) answers them in one place.  Returns a
 * pointer to dim floats (the row itself, or BUF filled), or NULL when the table has no vector
 * for the word; *row gets the word's row, or -1 when the vector is not a row of the table.
 * A table with subwords has a vector for every word (emb_subword_vector: zeros for a word
 * without a known n-gram).
 * BUF (dim floats) may be NULL when only rows are wanted.
 */
const float *emb_table_word_vector(const struct emb_table *t, const char *w, size_t len,
				   float *buf, long *row);
/* Token of row i (NUL-terminated; *len may be NULL); "" for a corrupt mapped entry. */
const char *emb_table_token(const struct emb_table *t, size_t i, size_t *len);
/* Count of row i's token (0 when unknown). */
uint64_t emb_table_count(const struct emb_table *t, size_t i);

/* The hash of the stored index of a raw EMB file (FNV-1a, 64 bit; see formats/EMB.md). */
uint64_t emb_table_hash(const void *tok, size_t len);

/* A stored vocabulary index inside a mapping (formats/embbin.c fills it; see EMB.md). */
struct emb_table_index {
	const char *toks;             /* token bytes, each followed by a NUL */
	size_t toks_len;
	const unsigned char *offs;    /* rows + 1 little-endian u64 offsets into toks */
	const unsigned char *counts;  /* rows little-endian u64, or NULL */
	const unsigned char *slots;   /* nslots little-endian u32: row + 1, 0 = empty */
	uint64_t nslots;              /* a power of two, or 0 (no index: linear search) */
};
/* Use IX (pointing into the adopted mapping) for find/token/count. */
void emb_table_adopt_index(struct emb_table *t, const struct emb_table_index *ix);

#endif
