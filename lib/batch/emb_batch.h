/*
 * emb_batch: cutting id sequences into padded and packed batches with exactly the semantics of
 * torch.nn.utils.rnn.pad_sequence and pack_padded_sequence.
 *
 * A batcher takes sequences one at a time (emb_batcher_push) and hands each finished batch to
 * a callback.  It holds at most one window of sequences: --bucket W sequences (sorted longest
 * first, stably, before batches are cut), or, with W = 0, just the batch being filled, so
 * memory is bounded by the window and never by the input.  A batch carries:
 *
 *   index[B]            input position of each sequence (line number from 0)
 *   lengths[B]
 *   padded              B x T (batch_first) or T x B, pad value = padding_idx
 *   sorted_indices[B]   the stable longest-first order (identity with enforce_sorted)
 *   unsorted_indices[B] its inverse
 *   batch_sizes[T]      sequences longer than t, for each step t
 *   data[N]             the packed ids, step by step, in sorted order (N = sum of lengths)
 *   vectors[N x dim]    optionally, the embedding rows of data (emb_batch_embed)
 *
 * Ids are int32 (a vocabulary or table row); positions are int64.
 *
 * Ownership: emb_batcher_new() hands a batcher to *out; emb_batcher_free() frees it.  The
 * batch passed to the callback, and its arrays, are valid only during the call.
 * emb_batch_fill() fills caller-owned storage that emb_batch_release() frees.
 */
#ifndef EMB_BATCH_H
#define EMB_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_table.h"

struct emb_batch {
	uint64_t number;          /* batch number, from 0, in output order */
	size_t n;                 /* B: sequences */
	size_t maxlen;            /* T: the longest length */
	size_t tokens;            /* N: sum of lengths */
	size_t dim;               /* vector width (0: no vectors) */
	bool batch_first;
	int64_t *index;
	int32_t *lengths, *sorted, *unsorted, *batch_sizes, *padded, *data;
	float *vectors;
	/* storage (emb_batch_fill) */
	size_t cap_n, cap_t, cap_pad, cap_tok, cap_vec;
	uint32_t *scratch;        /* counting sort, cap_t + 1 entries */
};

#define EMB_BATCH_INIT { 0 }

/* Number of padded cells, B * T. */
static inline size_t emb_batch_cells(const struct emb_batch *b)
{
	return b->n * b->maxlen;
}

/*
 * Fill B from N sequences seq[i] of len[i] ids (all len > 0) at input positions pos[i].
 * enforce_sorted: lengths must not increase (else EMB_EFORMAT naming the line, reported as
 * NAME:LINE); the permutation is then the identity, as torch's is None.  0, EMB_ENOMEM,
 * EMB_ELIMIT (B x T overflows) or EMB_EFORMAT.
 */
int emb_batch_fill(struct emb_batch *b, const int32_t *const *seq, const size_t *len,
		   const int64_t *pos, size_t n, bool batch_first, bool enforce_sorted,
		   int32_t padding_idx, const char *name, struct emb_err *err);

/*
 * Look the packed data up in T (the nn.Embedding forward): vectors[k] = row data[k], renormed
 * to max_norm in norm_type norm when max_norm > 0, and all zeros for pad_row (-1: none).
 * Ids must be < t->rows (checked when reading).  0 or EMB_ENOMEM.
 */
int emb_batch_embed(struct emb_batch *b, const struct emb_table *t, double max_norm,
		    double norm_type, long pad_row, struct emb_err *err);

/* Free the arrays of a batch filled by emb_batch_fill/emb_batch_embed.  NULL-safe. */
void emb_batch_release(struct emb_batch *b);

struct emb_batch_opts {
	size_t batch_size;    /* sequences per batch; 0 = no limit (then max_tokens must be set) */
	size_t max_tokens;    /* B x T per batch, padding counted; 0 = no limit */
	size_t bucket;        /* window W: sort by length within W sequences; 0 = keep order */
	bool shuffle;         /* shuffle batch order within each window */
	uint64_t seed;
	bool drop_last;       /* drop a final batch of fewer than batch_size sequences */
	bool batch_first;
	bool enforce_sorted;
	int32_t padding_idx;
	const char *name;     /* input name for messages */
};

#define EMB_BATCH_OPTS_INIT { 0, 0, 0, false, 0, false, false, false, 0, "-" }

/* Windows used by --shuffle when bucket = 0 (no sorting, only batch order mixed). */
#define EMB_BATCH_SHUFFLE_BATCHES 100
#define EMB_BATCH_SHUFFLE_SEQS 10000

/* Called for each finished batch; a negative return stops the batcher and is passed back. */
typedef int (*emb_batch_fn)(void *ctx, struct emb_batch *b, struct emb_err *err);

struct emb_batcher;

/* EMB_EINVAL when neither batch_size nor max_tokens is set. */
int emb_batcher_new(struct emb_batcher **out, const struct emb_batch_opts *o, emb_batch_fn fn,
		    void *ctx, struct emb_err *err);

/* Add a sequence of N > 0 ids (copied) found at input position POS; may emit batches. */
int emb_batcher_push(struct emb_batcher *bt, const int32_t *ids, size_t n, int64_t pos,
		     struct emb_err *err);

/* End of input: emit what is left (the last batch unless drop_last drops it). */
int emb_batcher_finish(struct emb_batcher *bt, struct emb_err *err);

void emb_batcher_free(struct emb_batcher *bt);

/*
 * Parse one line of whitespace-separated decimal ids into *ids (grown as needed, *cap its
 * capacity), keeping at most max_len of them (0 = all; the rest are still checked).  *n is
 * the number kept, *total the number on the line.  Ids must be 0 <= id < limit (limit 0:
 * up to INT32_MAX).  Errors (EMB_EFORMAT) are "NAME:LINE: ..." with the offending token.
 */
int emb_batch_parse_ids(const char *line, size_t len, int32_t **ids, size_t *cap, size_t max_len,
			uint64_t limit, size_t *n, size_t *total, const char *name,
			unsigned long long lineno, struct emb_err *err);

#endif
