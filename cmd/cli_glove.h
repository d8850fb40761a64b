/*
 * cli_glove: embtrain --model glove, the run behind the options (see embtrain(1)).  embtrain.c
 * parses the options into struct cli_glove and calls cli_glove_run(); the vocabulary, counting,
 * training and output happen here and in lib/glove.
 */
#ifndef EMB_CLI_GLOVE_H
#define EMB_CLI_GLOVE_H

#include "cli.h"
#include "emb_format.h"
#include "emb_glove.h"

enum { CLI_GLOVE_OUT_WORD, CLI_GLOVE_OUT_SUM, CLI_GLOVE_OUT_BOTH };

struct cli_glove {
	struct emb_glove_opts o;
	struct emb_tok_opts tok;
	const struct cli_common *common;
	const char *vocab, *output, *resume;
	const char *cooc_in, *cooc_out;   /* --cooc, --cooc-out */
	const struct emb_format *fmt;
	uint64_t min_count, max_size;
	int out;                          /* CLI_GLOVE_OUT_* */
	char *const *corpus;
	size_t ncorpus;
	const char *options;              /* the command line, for the metadata */
};

/* The default --memory: a quarter of the physical memory, at least 64 MiB. */
size_t cli_glove_default_memory(void);

/* --memory SIZE: bytes, or K, M, G, T (powers of 1024, optionally with B or iB), at least
 * 16M.  0, or 2 after a usage error. */
int cli_glove_parse_memory(const char *arg, size_t *v);

/* Train and write the vectors; 0 or the error in *err. */
int cli_glove_run(struct cli_glove *g, struct emb_err *err);

#endif
