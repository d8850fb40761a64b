/*
 * emb_pack: the PACK batch stream (formats/PACK.md) and the embpack pipeline that produces it.
 *
 * Writer: emb_pack_write_header(), then emb_pack_write_batch() per batch (each ends a gzip
 * member when the output is gzip, so a consumer gets every batch as soon as it is written),
 * then emb_pack_write_end().  Reader: emb_pack_reader_open() checks the file header;
 * emb_pack_reader_next() returns one validated batch at a time (CRCs, sizes, the permutation and
 * batch_sizes invariants) and EMB_EOF at the end record; a stream cut short is "batch K truncated".
 *
 * emb_pack_run() is the whole of `embpack`: read id lines (or text with a vocabulary), batch
 * them (lib/emb_batch), optionally look the vectors up, and write PACK or one .npz per batch.
 *
 * Ownership: the reader owns the batch it returns (valid until the next call or close);
 * emb_pack_reader_close()/abort() free the reader (NULL-safe).
 */
#ifndef EMB_PACK_H
#define EMB_PACK_H

#include <stdbool.h>
#include <stdint.h>

#include "emb_batch.h"
#include "emb_err.h"
#include "emb_out.h"
#include "emb_table.h"
#include "emb_tok.h"
#include "emb_vocab.h"

#define EMB_PACK_HEADER_SIZE 32
#define EMB_PACK_RECORD_SIZE 48

struct emb_pack_header {
	bool batch_first;
	bool enforce_sorted;
	int32_t padding_idx;
	uint32_t dim;            /* floats per vector; 0 = no vectors */
};

struct emb_pack_totals {
	uint64_t batches, sequences, tokens, cells; /* cells: B x T summed (tokens + padding) */
	/* emb_pack_run only: empty sequences skipped, and sequences longer than the token budget
	 * (each written as a batch of its own, over the budget) */
	uint64_t empty, over_budget;
};

int emb_pack_write_header(struct emb_out *out, const struct emb_pack_header *h,
			  struct emb_err *err);
/* B must carry vectors exactly when the header said dim > 0 (of that dim). */
int emb_pack_write_batch(struct emb_out *out, const struct emb_batch *b, struct emb_err *err);
int emb_pack_write_end(struct emb_out *out, const struct emb_pack_totals *t, struct emb_err *err);

struct emb_pack_reader;

/* Open PATH ("-" = stdin; gzip or plain) and read its file header. */
int emb_pack_reader_open(struct emb_pack_reader **out, const char *path, struct emb_err *err);
const struct emb_pack_header *emb_pack_reader_header(const struct emb_pack_reader *r);
/* Next batch into *b (pointing into the reader), or EMB_EOF after the end record (whose
 * totals must match what was read), or a negative error. */
int emb_pack_reader_next(struct emb_pack_reader *r, const struct emb_batch **b,
			 struct emb_err *err);
/* What the batches read so far hold. */
const struct emb_pack_totals *emb_pack_reader_totals(const struct emb_pack_reader *r);
/* Bytes of PACK read so far (decompressed). */
uint64_t emb_pack_reader_bytes(const struct emb_pack_reader *r);
int emb_pack_reader_close(struct emb_pack_reader *r, struct emb_err *err);
void emb_pack_reader_abort(struct emb_pack_reader *r);

enum emb_pack_to { EMB_PACK_TO_PACK = 0, EMB_PACK_TO_NPZ = 1 };
/* A token not in the vocabulary (as tokvocab encode --unk): DEFAULT maps it to <unk> when the
 * vocabulary has it and is otherwise an error; TOKEN maps it to unk_token. */
enum emb_pack_unk {
	EMB_PACK_UNK_DEFAULT = 0, EMB_PACK_UNK_ERROR, EMB_PACK_UNK_SKIP, EMB_PACK_UNK_TOKEN,
};

struct emb_pack_opts {
	const char *input;            /* "-" = stdin */
	const char *output;           /* PACK file ("-" = stdout) or, for npz, a directory */
	enum emb_pack_to to;
	struct emb_batch_opts batch;  /* batch.name is set from input */
	size_t max_len;               /* truncate (0 = no limit) */
	size_t min_len;               /* drop shorter sequences (0 = none) */
	/* an empty sequence, or one longer than batch.max_tokens, is an error; by default the
	 * first is skipped and the second becomes a batch of its own, both counted in the totals */
	bool strict;
	const struct emb_vocab *vocab;/* text input: tokenize and look up (NULL: id lines) */
	struct emb_tok_opts tok;
	enum emb_pack_unk unk;
	const char *unk_token;        /* EMB_PACK_UNK_TOKEN: must be in the vocabulary */
	uint64_t id_limit;            /* id lines: ids must be below this (0 = no limit) */
	const struct emb_table *table;/* --embed (NULL: no vectors); ids must be below its rows */
	double max_norm, norm_type;   /* max_norm 0 = no renorm */
	long pad_row;                 /* the zero row with --embed (-1: none) */
	struct emb_out_opts out;
	/* called about every 64k lines when non-NULL */
	void (*progress)(void *ctx, uint64_t lines, const struct emb_pack_totals *t);
	void *progress_ctx;
};

#define EMB_PACK_OPTS_INIT { "-", "-", EMB_PACK_TO_PACK, EMB_BATCH_OPTS_INIT, 0, 0, false, NULL, \
	EMB_TOK_OPTS_INIT, EMB_PACK_UNK_DEFAULT, NULL, 0, NULL, 0, 2, -1, EMB_OUT_OPTS_INIT, NULL, NULL }

/* Run embpack; *tot receives what was written. */
int emb_pack_run(const struct emb_pack_opts *o, struct emb_pack_totals *tot, struct emb_err *err);

/* Print PATH as text to OUT (see embpack(1) for the layout). */
int emb_pack_dump(const char *path, struct emb_out *out, struct emb_err *err);

/* Read and validate every batch of PATH; *tot receives the totals. */
int emb_pack_stats(const char *path, struct emb_pack_totals *tot, struct emb_err *err);

#endif
