/*
 * emb_tok: the shared tokenizer.  See emb_tok.h.
 *
 * EMB_SPLIT_WS without case folding is a byte scan over a 256-entry class table: tokens point
 * straight into the caller's text, nothing is copied.  With --lower the text is first folded
 * into a scratch buffer (ASCII by table, the rest code point by code point with
 * utf8proc_tolower) and then split the same way; folding never creates or removes ASCII
 * whitespace, so splitting after folding equals folding each token.  EMB_SPLIT_WORDS decodes
 * code points and classifies them with utf8proc_category: letters, marks and numbers extend the
 * current word, separators and ASCII whitespace end it, anything else (punctuation, symbols,
 * controls) is a token of its own.
 *
 * Invalid UTF-8 is never rejected: each maximal ill-formed subsequence (Unicode's definition,
 * the unit one U+FFFD would replace) passes through byte for byte, stays inside the word it
 * touches, and is counted once.
 */
#include "emb_tok.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "internal.h"

struct emb_tokenizer {
	struct emb_tok_opts o;
	char *buf;
	size_t cap;
	uint64_t invalid;
};

/* 1 for the bytes that separate tokens in EMB_SPLIT_WS: space, \t \n \v \f \r. */
static const unsigned char ws[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
};

int emb_tokenizer_new(struct emb_tokenizer **out, const struct emb_tok_opts *opts,
		      struct emb_err *err)
{
	struct emb_tokenizer *t = calloc(1, sizeof *t);

	*out = NULL;
	if (!t)
		return emb_err_nomem(err, "creating a tokenizer");
	t->o = *opts;
	*out = t;
	return 0;
}

void emb_tokenizer_free(struct emb_tokenizer *t)
{
	if (!t)
		return;
	free(t->buf);
	free(t);
}

uint64_t emb_tokenizer_invalid_utf8(const struct emb_tokenizer *t)
{
	return t->invalid;
}

static int reserve(struct emb_tokenizer *t, size_t n, struct emb_err *err)
{
	char *b;
	size_t nc;

	if (n <= t->cap)
		return 0;
	nc = t->cap ? t->cap : 256;
	while (nc < n)
		if (!emb_mul_ok(nc, 2, &nc))
			return emb_err_nomem(err, "tokenizing");
	if (!(b = realloc(t->buf, nc)))
		return emb_err_nomem(err, "tokenizing");
	t->buf = b;
	t->cap = nc;
	return 0;
}

/* Append cp (folded when asked) or, if cp < 0, the raw bytes s[0..k), to t->buf at *o. */
static void put(struct emb_tokenizer *t, size_t *o, int32_t cp, const unsigned char *s, size_t k)
{
	if (cp < 0) {
		memcpy(t->buf + *o, s, k);
		*o += k;
		return;
	}
	if (t->o.lower)
		cp = utf8proc_tolower(cp);
	if (cp < 0x80)
		t->buf[(*o)++] = (char)cp;
	else
		*o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)t->buf + *o);
}

/*
 * Room for folded text.  The only lower-case mappings that grow are 2-byte code points with
 * 3-byte lower cases (U+023A -> U+2C65), so 3/2 of the input plus a little is enough.
 */
static int reserve_folded(struct emb_tokenizer *t, size_t len, struct emb_err *err)
{
	size_t n;

	if (!emb_mul_ok(len / 2 + 1, 3, &n) || !emb_add_ok(n, 8, &n))
		return emb_err_nomem(err, "tokenizing");
	return reserve(t, n, err);
}

static int split_ws(const char *s, size_t len, emb_tok_fn fn, void *ctx)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	int rc;

	for (;;) {
		const unsigned char *b;
		while (p < end && ws[*p])
			p++;
		if (p == end)
			return 0;
		b = p;
		while (p < end && !ws[*p])
			p++;
		if ((rc = fn(ctx, (const char *)b, (size_t)(p - b))) != 0)
			return rc;
	}
}

static size_t fold(struct emb_tokenizer *t, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;

	while (i < len) {
		int32_t cp;
		size_t k;
		if (p[i] < 0x80) {
			unsigned char c = p[i++];
			t->buf[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			continue;
		}
		k = emb_utf8_decode(p + i, len - i, &cp);
		if (cp < 0)
			t->invalid++;
		put(t, &o, cp, p + i, k);
		i += k;
	}
	return o;
}

static bool is_word(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

static bool is_space(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
		return true;
	default:
		return false;
	}
}

static int split_words(struct emb_tokenizer *t, const char *s, size_t len, emb_tok_fn fn,
		       void *ctx)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0; /* t->buf[0..o) is the word being built */
	int rc;

	while (i < len) {
		int32_t cp;
		size_t k;
		bool word, space;

		if (p[i] < 0x80) {
			unsigned char c = p[i];
			cp = c;
			k = 1;
			word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
			space = ws[c];
		} else {
			k = emb_utf8_decode(p + i, len - i, &cp);
			if (cp < 0)
				t->invalid++;
			word = cp < 0 || is_word(cp);
			space = cp >= 0 && is_space(cp);
		}
		if (word) {
			put(t, &o, cp, p + i, k);
			i += k;
			continue;
		}
		if (o > 0 && (rc = fn(ctx, t->buf, o)) != 0)
			return rc;
		o = 0;
		if (!space) {
			put(t, &o, cp, p + i, k);
			if ((rc = fn(ctx, t->buf, o)) != 0)
				return rc;
			o = 0;
		}
		i += k;
	}
	if (o > 0)
		return fn(ctx, t->buf, o);
	return 0;
}

int emb_tokenizer_line(struct emb_tokenizer *t, const char *line, size_t len, emb_tok_fn fn,
		       void *ctx, struct emb_err *err)
{
	int rc;

	if (t->o.split == EMB_SPLIT_WS && !t->o.lower)
		return split_ws(line, len, fn, ctx);
	if ((rc = reserve_folded(t, len, err)) < 0)
		return rc;
	if (t->o.split == EMB_SPLIT_WS)
		return split_ws(t->buf, fold(t, line, len), fn, ctx);
	return split_words(t, line, len, fn, ctx);
}
