/*
 * emb_count: exact, parallel token counting (the engine of `tokvocab count`).
 *
 * A counter reads any number of streams.  Each stream is cut into large chunks that end at an
 * ASCII whitespace byte (so neither a token nor a UTF-8 sequence is ever split, and a corpus
 * that is one huge line needs no line buffer); worker threads tokenize chunks and count into
 * their own open-addressing tables; emb_counter_finish() merges the tables into a vocabulary.
 * Counts are exact and independent of the number of threads and of how the input was split
 * into files, so counting shards and summing them equals counting their concatenation.
 * Its tables hash with emb_hash_bytes() (emb_hash.h), as the vocabulary's do.
 *
 * Ownership: emb_counter_new() hands a counter to *out; emb_counter_free() frees it
 * (NULL-safe).  Streams passed to emb_counter_add() stay the caller's.
 */
#ifndef EMB_COUNT_H
#define EMB_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_hash.h"
#include "emb_stream.h"
#include "emb_tok.h"
#include "emb_vocab.h"

struct emb_count_opts {
	struct emb_tok_opts tok;
	int threads;          /* worker threads; <= 0 = one per online CPU */
	size_t chunk;         /* bytes per chunk; 0 = default (4 MiB) */
	size_t max_token;     /* longest token in bytes (0 = EMB_TOKEN_MAX_DEFAULT): a longer one, or
			       * a NUL byte in the text, is an error naming the file and byte */
	/* Called now and then from the reading thread with the bytes read so far (may be NULL). */
	void (*progress)(void *ctx, uint64_t bytes);
	void *progress_ctx;
};

#define EMB_COUNT_OPTS_INIT { EMB_TOK_OPTS_INIT, 0, 0, 0, NULL, NULL }

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
