/*
 * emb_convert: the whole of `embconv` below the command line — sniff, read, reorder to a
 * vocabulary, transform rows, write, commit.  Text and word2vec-binary input converted to a
 * text format streams row by row (memory bounded by the vocabulary, not the matrix); every
 * other conversion reads the table (growing as rows arrive), then writes it.
 *
 * Errors are filled into err once ("FILE:LINE: ..." or "FILE: byte N: ..."); nothing partial
 * is ever left at OUTPUT.  Warnings (a header count that does not match the rows) go through
 * ro.warn.
 */
#ifndef EMB_CONVERT_H
#define EMB_CONVERT_H

#include <stdbool.h>
#include <stdint.h>

#include "emb_format.h"

enum { EMB_MISSING_ERROR, EMB_MISSING_ZERO, EMB_MISSING_NORMAL, EMB_MISSING_UNIFORM };

/* What --stats reports: the rows read from INPUT (after --limit and dedupe), before any
 * transformation. */
struct emb_convert_stats {
	uint64_t rows, dim;
	uint64_t duplicates;     /* rows dropped or overwritten by --dedupe first|last */
	uint64_t nonfinite;      /* NaN/inf values (only with allow_nonfinite) */
	uint64_t nonfinite_rows; /* rows holding one: not in the norms */
	uint64_t zero_rows;      /* rows of L2 norm 0 */
	uint64_t missing;        /* --vocab tokens absent from INPUT */
	double norm_min, norm_max, norm_mean;  /* L2 norms of finite rows */
	bool streamed;           /* converted row by row */
};

struct emb_convert_opts {
	const char *input, *output;        /* "-" = standard input/output */
	const struct emb_format *from, *to;/* NULL: sniff the input / from OUTPUT's name, else emb */
	struct emb_read_opts ro;
	struct emb_write_opts wo;
	bool header_set;                   /* --header or --no-header given (wo.header) */
	struct emb_out_opts oo;
	const char *vocab;                 /* --vocab FILE, or NULL */
	int missing;                       /* EMB_MISSING_* */
	uint64_t seed;
	long padding_idx;                  /* -1: none (or the vocabulary's "<pad>") */
	bool normalize;                    /* unit L2 rows */
	double max_norm;                   /* > 0: renormalise rows above it (torch max_norm) */
	double norm_type;                  /* p of max_norm (default 2) */
	bool write_output;                 /* false: only read (and compute stats) */
	struct emb_convert_stats *stats;   /* filled when non-NULL */
	void (*progress)(void *ctx, uint64_t rows);
	void *progress_ctx;
};

#define EMB_CONVERT_OPTS_INIT { "-", "-", NULL, NULL, EMB_READ_OPTS_INIT, EMB_WRITE_OPTS_INIT, \
	false, EMB_OUT_OPTS_INIT, NULL, EMB_MISSING_ERROR, 1, -1, false, 0, 2, true, NULL, NULL, NULL }

/* Convert o->input to o->output.  0 or a negative EMB_E* (EMB_EINVAL: inconsistent options). */
int emb_convert(const struct emb_convert_opts *o, struct emb_err *err);

#endif
