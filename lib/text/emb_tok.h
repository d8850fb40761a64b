/*
 * emb_tok: the tokenizer shared by tokvocab, embtrain and embpack, so that every tool splits
 * text the same way.
 *
 * EMB_SPLIT_WS (default): tokens are maximal runs of bytes other than ASCII space, tab, line
 * feed, carriage return, vertical tab and form feed (as word2vec.c); a line is a sentence.
 * EMB_SPLIT_WORDS: runs of Unicode letters, marks and digits (utf8proc categories); every other
 * non-space character is a token of its own.  `lower` folds case with utf8proc (Unicode-aware);
 * invalid UTF-8 passes through unchanged and is counted.
 */
#ifndef EMB_TOK_H
#define EMB_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_token.h"

enum emb_split { EMB_SPLIT_WS = 0, EMB_SPLIT_WORDS = 1 };

struct emb_tok_opts {
	enum emb_split split;
	bool lower;
};

#define EMB_TOK_OPTS_INIT { EMB_SPLIT_WS, false }

/* Called for each token (len > 0); a non-zero return stops tokenizing and is passed back. */
typedef int (*emb_tok_fn)(void *ctx, const char *tok, size_t len);

struct emb_tokenizer;

/* A tokenizer for OPTS into *out (it owns a case-folding buffer: one per thread).  0 or
 * EMB_ENOMEM; emb_tokenizer_free() frees it (NULL-safe). */
int emb_tokenizer_new(struct emb_tokenizer **out, const struct emb_tok_opts *opts,
		      struct emb_err *err);
void emb_tokenizer_free(struct emb_tokenizer *t);

/*
 * Tokenize one line and call FN for each token in order ('\n' is whitespace like any other,
 * so a block of several lines, cut at whitespace, tokenizes the same as its lines one by one).  Returns 0, FN's
 * non-zero return, or EMB_ENOMEM.  Token pointers are valid only during the call.
 */
int emb_tokenizer_line(struct emb_tokenizer *t, const char *line, size_t len, emb_tok_fn fn,
		       void *ctx, struct emb_err *err);

/* Number of invalid UTF-8 sequences met by case folding so far. */
uint64_t emb_tokenizer_invalid_utf8(const struct emb_tokenizer *t);

#endif
