/*
 * emb_vocab: a vocabulary — tokens (arbitrary bytes, usually UTF-8) with counts, where the
 * index of a token is its id and the row of the embedding table.
 *
 * File format (written by tokvocab, see README "Vocabulary format"): one "token<TAB>count" line
 * per id, read and written through emb_tsv (libcsv) so a token holding a tab, quote or line end
 * is quoted.  emb_vocab_load() also takes "token count" separated by one space (word2vec.c
 * -save-vocab, GloVe vocab_count) and CSV (EMB_VOCAB_CSV).
 *
 * Ownership: emb_vocab_new()/emb_vocab_load() hand a vocabulary to *out; emb_vocab_free()
 * frees it (NULL-safe).  Token pointers stay valid until the vocabulary is freed or changed.
 */
#ifndef EMB_VOCAB_H
#define EMB_VOCAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_out.h"

struct emb_vocab;

enum {
	EMB_VOCAB_CSV = 1 << 0,      /* load/save: comma-separated instead of TSV */
	EMB_VOCAB_ALLOW_DUP = 1 << 1,/* load: keep the first of duplicate tokens instead of failing */
	EMB_VOCAB_NO_COUNTS = 1 << 2,/* load: lines may be a bare token (count 0) */
};

/* An empty vocabulary into *out (0 or EMB_ENOMEM); emb_vocab_free() frees it (NULL-safe). */
int emb_vocab_new(struct emb_vocab **out, struct emb_err *err);
void emb_vocab_free(struct emb_vocab *v);

/*
 * Append a token with COUNT; *id (may be NULL) receives its id.  A token already present is
 * not added again: returns EMB_EOF (1) with *id = the existing id.  0 or EMB_ENOMEM/ELIMIT.
 */
int emb_vocab_add(struct emb_vocab *v, const char *tok, size_t len, uint64_t count, size_t *id,
		  struct emb_err *err);

/* Id of a token, or -1. */
long emb_vocab_find(const struct emb_vocab *v, const char *tok, size_t len);

/* Number of tokens (ids are 0 .. size - 1). */
size_t emb_vocab_size(const struct emb_vocab *v);
/* Token bytes of id (NUL-terminated; *len may be NULL). */
const char *emb_vocab_token(const struct emb_vocab *v, size_t id, size_t *len);
/* Count of id, and replacing it (id < size). */
uint64_t emb_vocab_count(const struct emb_vocab *v, size_t id);
void emb_vocab_set_count(struct emb_vocab *v, size_t id, uint64_t count);
/* Sum of all counts. */
uint64_t emb_vocab_total(const struct emb_vocab *v);

/*
 * Load a vocabulary file (plain or gzip, "-" = stdin).  Errors name FILE:LINE: a line with no
 * count, a count that is not a non-negative integer, a duplicate token (unless ALLOW_DUP).
 */
int emb_vocab_load(struct emb_vocab **out, const char *path, unsigned flags, struct emb_err *err);
/* The same with a token limit (emb_token.h; 0 = EMB_TOKEN_MAX_DEFAULT): a longer token is an
 * EMB_ELIMIT error, and no line longer than twice the limit is held in memory. */
int emb_vocab_load_limit(struct emb_vocab **out, const char *path, unsigned flags,
			 size_t max_token, struct emb_err *err);

/* Write "token<TAB>count" lines (or CSV), in id order. */
int emb_vocab_save(const struct emb_vocab *v, struct emb_out *out, unsigned flags,
		   struct emb_err *err);

/*
 * Sort by count, most frequent first, ties by token bytes (memcmp order, a prefix first), so
 * the order is total and the output deterministic.  Ids change; 0 or EMB_ENOMEM.
 */
int emb_vocab_sort(struct emb_vocab *v, struct emb_err *err);

/*
 * A new vocabulary (*out) of N distinct tokens tok[i] (len[i] bytes) with count[i], in the
 * order emb_vocab_sort() gives when SORT, else as given: the fast way to turn a table of counts
 * into a vocabulary (arrays sized once, one index build).  EMB_EFORMAT on a duplicate token.
 */
int emb_vocab_from_counts(struct emb_vocab **out, size_t n, const char *const *tok,
			  const size_t *len, const uint64_t *count, bool sort, struct emb_err *err);

/* What to keep of a sorted vocabulary of counts (tokvocab count/merge --specials etc.). */
struct emb_vocab_select {
	const char *const *specials; /* listed first, in this order, with their own counts */
	size_t nspecials;
	uint64_t min_count;          /* drop other tokens below this (default 1) */
	uint64_t max_size;           /* at most this many lines, specials included; 0 = no limit */
};

#define EMB_VOCAB_SELECT_INIT { NULL, 0, 1, 0 }

/*
 * A new vocabulary (*out) from sorted COUNTS: the specials first (count = their count in
 * COUNTS, 0 when absent; they are kept whatever --min-count says), then every other token with
 * count >= min_count in COUNTS' order, cut to max_size lines.  EMB_EINVAL for a duplicate
 * special or max_size smaller than the number of specials; EMB_ENOMEM.
 */
int emb_vocab_select(struct emb_vocab **out, const struct emb_vocab *counts,
		     const struct emb_vocab_select *sel, struct emb_err *err);

/* Add every token of V with its count to SUM (emb_vocab_add_count): a sum that overflows is
 * an EMB_ELIMIT error naming NAME (V's file) and the token. */
int emb_vocab_add_counts(struct emb_vocab *sum, const struct emb_vocab *v, const char *name,
			 struct emb_err *err);

/* Add COUNT to the token's count, appending it first when absent.  0 or ENOMEM/ELIMIT. */
int emb_vocab_add_count(struct emb_vocab *v, const char *tok, size_t len, uint64_t count,
			struct emb_err *err);

#endif
