/*
 * emb_count: exact, parallel token counting (the engine of `tokvocab count`), and the byte
 * hash shared by every hash table of embkit's text side.
 *
 * A counter reads any number of streams.  Each stream is cut into large chunks that end at an
 * ASCII whitespace byte (so neither a token nor a UTF-8 sequence is ever split, and a corpus
 * that is one huge line needs no line buffer); worker threads tokenize chunks and count into
 * their own open-addressing tables; emb_counter_finish() merges the tables into a vocabulary.
 * Counts are exact and independent of the number of threads and of how the input was split
 * into files, so counting shards and summing them equals counting their concatenation.
 *
 * Ownership: emb_counter_new() hands a counter to *out; emb_counter_free() frees it
 * (NULL-safe).  Streams passed to emb_counter_add() stay the caller's.
 */
#ifndef EMB_COUNT_H
#define EMB_COUNT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emb_err.h"
#include "emb_stream.h"
#include "emb_tok.h"
#include "emb_vocab.h"

/*
 * 64-bit hash of s[0..n): eight bytes per multiply, then a final avalanche (the tail word is
 * zero-padded and the length mixed in, so "a" and "a\0" differ).  Fast rather than keyed: the
 * tables it serves hold counts of the caller's own data.
 */
static inline uint64_t emb_hash_bytes(const void *s, size_t n)
{
	const unsigned char *p = s;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n * 0xff51afd7ed558ccdull);
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
	}
	h ^= h >> 32;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 29;
	return h;
}

struct emb_count_opts {
	struct emb_tok_opts tok;
	int threads;          /* worker threads; <= 0 = one per online CPU */
	size_t chunk;         /* bytes per chunk; 0 = default (4 MiB) */
	/* Called now and then from the reading thread with the bytes read so far (may be NULL). */
	void (*progress)(void *ctx, uint64_t bytes);
	void *progress_ctx;
};

#define EMB_COUNT_OPTS_INIT { EMB_TOK_OPTS_INIT, 0, 0, NULL, NULL }

struct emb_counter;

/* A counter for OPTS into *out (its threads start with the first emb_counter_add).  0 or
 * EMB_ENOMEM; emb_counter_free() joins the threads and frees it (NULL-safe, at any point). */
int emb_counter_new(struct emb_counter **out, const struct emb_count_opts *opts,
		    struct emb_err *err);

/* Count every token of IN (read to its end).  0 or a negative error (from IN, or ENOMEM). */
int emb_counter_add(struct emb_counter *c, struct emb_stream *in, struct emb_err *err);

/*
 * Merge the per-thread tables into a new vocabulary (*out; the caller frees it), sorted as
 * emb_vocab_sort() sorts.
 * The counter is spent afterwards: only emb_counter_free() may follow.
 */
int emb_counter_finish(struct emb_counter *c, struct emb_vocab **out, struct emb_err *err);

/* Bytes read and invalid UTF-8 sequences met (--lower, --split words) so far. */
uint64_t emb_counter_bytes(const struct emb_counter *c);
uint64_t emb_counter_invalid_utf8(const struct emb_counter *c);

void emb_counter_free(struct emb_counter *c);

#endif
