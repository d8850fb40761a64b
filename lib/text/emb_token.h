/*
 * emb_token: the one rule for the bytes of a token, checked by every reader when it reads one
 * (GloVe, word2vec text and binary, EMB, vocabularies, the tokenizer's text), so a token that
 * one reader accepts every writer can store and every reader reads back the same.
 *
 * A token is 1 to MAX bytes (MAX 0 = EMB_TOKEN_MAX_DEFAULT) holding no NUL (EMB's TOKS section
 * ends tokens with it, C strings stop at it) and no line end, LF or CR (every text format and
 * the vocabulary are line-based).  Any other byte is allowed: spaces (GloVe), tabs (quoted in
 * a vocabulary), invalid UTF-8 (see emb_utf8_mode for what a reader does with it).
 */
#ifndef EMB_TOKEN_H
#define EMB_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"

/* The default token limit: far above any word, small enough that one bad token (a gzip bomb of
 * zeros read as text) is refused after a few MB instead of after gigabytes. */
#define EMB_TOKEN_MAX_DEFAULT ((size_t)1 << 20)
/* The highest limit a caller may ask for (tokens are counted in 32 bits in places). */
#define EMB_TOKEN_MAX_LIMIT ((size_t)1 << 30)

/* Where a token was read, for the message: "NAME:LINE: " when LINE > 0, else "NAME: byte
 * BYTE: " (BYTE = EMB_TOKEN_NO_BYTE: "NAME: "). */
struct emb_token_at {
	const char *name;
	unsigned long long line;
	uint64_t byte;
};
#define EMB_TOKEN_NO_BYTE UINT64_MAX

/* Why TOK[0..len) breaks the rule ("holds a NUL byte", ...), or NULL when it is a token. */
const char *emb_token_fault(const char *tok, size_t len, size_t max);

/* 0, or EMB_EFORMAT (EMB_ELIMIT when too long) with "AT: token 'x': holds a NUL byte". */
int emb_token_check(const char *tok, size_t len, size_t max, const struct emb_token_at *at,
		    struct emb_err *err);

/*
 * Text about to be split into tokens at ASCII whitespace: a NUL byte in it would be part of a
 * token, so the first one is reported as emb_token_check() reports the token holding it (AT
 * locates TEXT[0]; a byte offset is advanced to that token).  0 or EMB_EFORMAT.
 */
int emb_token_check_text(const char *text, size_t len, const struct emb_token_at *at,
			 struct emb_err *err);

/* emb_token_check_text() for a line just read from IN by emb_stream_getline(): "NAME:LINE: ". */
struct emb_stream;
int emb_token_check_line(const struct emb_stream *in, const char *line, size_t len,
			 struct emb_err *err);

/* What a reader does with a token that is not valid UTF-8 (gensim's unicode_errors). */
enum emb_utf8_mode {
	EMB_UTF8_KEEP = 0,    /* keep the bytes as they are */
	EMB_UTF8_STRICT,      /* refuse the input */
	EMB_UTF8_REPLACE,     /* each maximal invalid subsequence becomes U+FFFD */
	EMB_UTF8_IGNORE,      /* invalid subsequences are dropped */
};

/* "keep", "strict", "replace" or "ignore" -> *mode; -1 for another name. */
int emb_utf8_mode_by_name(const char *name, int *mode);

/*
 * Apply MODE to TOK[0..len): 0 when it is valid UTF-8 (nothing to do); 1 when it is not and
 * *out and *out_len are what to use instead (TOK itself under KEEP; repaired bytes in *buf, grown to
 * *cap and owned by the caller, under REPLACE and IGNORE; the result may then break the token
 * rule, e.g. be empty, and is to be checked after).  Under STRICT an invalid token is an
 * EMB_EFORMAT error located by AT; EMB_ENOMEM.
 */
int emb_token_utf8(const char *tok, size_t len, int mode, char **buf, size_t *cap,
		   const char **out, size_t *out_len, const struct emb_token_at *at,
		   struct emb_err *err);

#endif
