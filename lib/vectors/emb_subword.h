/*
 * emb_subword: fastText's character n-gram vectors, which give a vector to any word, seen in
 * training or not.
 *
 * A word w is wrapped as "<w>"; its n-grams are the substrings of MINN to MAXN characters
 * (UTF-8 continuation bytes never start a character, so a character is one to four bytes),
 * except the lone "<" and ">"; "</s>" (fastText's end of line) has none.  An n-gram's row is
 * hash % BUCKET, the hash being 32-bit FNV-1a over the bytes read as signed chars (fastText's
 * own, so that models trained by fastText map to the same rows).  A word's vector is the
 * mean of its own row (when it has one) and its n-gram rows, summed in float in that order
 * and scaled by 1/n as fastText does; a word with no row and no n-gram is all zeros.
 *
 * Ownership: a table holds its subwords (t->subword) and frees them with itself; the rows are
 * either owned (emb_subword_new) or borrowed from the table's mapping of a raw EMB file.
 */
#ifndef EMB_SUBWORD_H
#define EMB_SUBWORD_H

#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"

struct emb_table;

/* Upper bound on maxn: longer n-grams are refused as absurd by readers. */
#define EMB_SUBWORD_MAX_N 64

struct emb_subword {
	uint32_t minn, maxn;      /* n-gram lengths in characters */
	uint32_t bucket;          /* n-gram rows; 0 = none */
	size_t dim;
	const float *rows;        /* bucket x dim */
	struct emb_table *own;    /* holds rows when owned, else NULL (borrowed) */
};

/* Subwords of MINN..MAXN, BUCKET x DIM zero rows, owned (ELIMIT, ENOMEM). */
int emb_subword_new(struct emb_subword **out, uint32_t minn, uint32_t maxn, uint32_t bucket,
		    size_t dim, struct emb_err *err);
/* Subwords whose rows live elsewhere (a mapping that outlives them). */
int emb_subword_borrow(struct emb_subword **out, uint32_t minn, uint32_t maxn, uint32_t bucket,
		       size_t dim, const float *rows, struct emb_err *err);
void emb_subword_free(struct emb_subword *sw);
/* The owned rows, to be filled (NULL when borrowed). */
float *emb_subword_data(struct emb_subword *sw);

/* fastText's hash of s[0..n). */
uint32_t emb_subword_hash(const void *s, size_t n);

/*
 * The n-gram rows (hash % bucket) of word W[0..len) in fastText's order: the first CAP are
 * stored in IDS; returns how many there are (call again with more room if larger).
 */
size_t emb_subword_ids(uint32_t minn, uint32_t maxn, uint32_t bucket, const char *w, size_t len,
		       uint32_t *ids, size_t cap);

/*
 * OUT = the vector of word W: the mean of OWN (its row, or NULL for an unseen word) and its
 * n-gram rows, computed as fastText computes it.  Returns the number of rows averaged (0: OUT
 * is zeros).
 */
size_t emb_subword_vector(const struct emb_subword *sw, const char *w, size_t len,
			  const float *own, float *out);

#endif
