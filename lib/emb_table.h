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
 * it, its vocabulary and its mapping (NULL-safe).
 */
#ifndef EMB_TABLE_H
#define EMB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_vocab.h"

struct emb_table_priv;

struct emb_table {
	size_t rows, dim;
	float *data;              /* rows * dim values */
	struct emb_vocab *vocab;  /* token of row i = token i (size == rows) */
	long padding_idx;         /* -1: none */
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

#endif
