/* emb_token: the token rule.  See emb_token.h. */
#include "emb_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_stream.h"
#include "internal.h"

static size_t limit(size_t max)
{
	return max ? max : EMB_TOKEN_MAX_DEFAULT;
}

const char *emb_token_fault(const char *tok, size_t len, size_t max)
{
	if (len == 0)
		return "is empty";
	if (len > limit(max))
		return "is longer than the token limit";
	if (memchr(tok, 0, len))
		return "holds a NUL byte";
	if (memchr(tok, '\n', len) || memchr(tok, '\r', len))
		return "holds a line end";
	return NULL;
}

int emb_token_check(const char *tok, size_t len, size_t max, const struct emb_token_at *at,
		    struct emb_err *err)
{
	const char *why = emb_token_fault(tok, len, max);
	char tb[128], where[64] = "";
	int code = EMB_EFORMAT;

	if (!why)
		return 0;
	if (len == 0) {
		if (!at->line && at->byte != EMB_TOKEN_NO_BYTE)
			return emb_err_set_at(err, code, at->name, 0, "byte %llu: empty token",
					      (unsigned long long)at->byte);
		return emb_err_set_at(err, code, at->name, at->line, "empty token");
	}
	if (len > limit(max)) {
		code = EMB_ELIMIT;
		snprintf(where, sizeof where, " of %zu bytes", limit(max));
	}
	if (!at->line && at->byte != EMB_TOKEN_NO_BYTE)
		return emb_err_set_at(err, code, at->name, 0, "byte %llu: token '%s' %s%s",
				      (unsigned long long)at->byte, emb_err_token(tb, sizeof tb, tok, len),
				      why, where);
	return emb_err_set_at(err, code, at->name, at->line, "token '%s' %s%s",
			      emb_err_token(tb, sizeof tb, tok, len), why, where);
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int emb_token_check_text(const char *text, size_t len, const struct emb_token_at *at,
			 struct emb_err *err)
{
	const char *nul = memchr(text, 0, len), *s, *e;
	struct emb_token_at tat = *at;

	if (!nul)
		return 0;
	for (s = nul; s > text && !is_space(s[-1]); s--)
		;
	for (e = nul; e < text + len && !is_space(*e); e++)
		;
	if (!tat.line && tat.byte != EMB_TOKEN_NO_BYTE)
		tat.byte += (uint64_t)(s - text);
	return emb_token_check(s, (size_t)(e - s), EMB_TOKEN_MAX_LIMIT, &tat, err);
}

int emb_token_check_line(const struct emb_stream *in, const char *line, size_t len,
			 struct emb_err *err)
{
	struct emb_token_at at = { emb_stream_name(in), emb_stream_lineno(in), EMB_TOKEN_NO_BYTE };

	return emb_token_check_text(line, len, &at, err);
}

int emb_utf8_mode_by_name(const char *name, int *mode)
{
	static const char *const names[] = { "keep", "strict", "replace", "ignore" };

	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			*mode = i;
			return 0;
		}
	return -1;
}

int emb_token_utf8(const char *tok, size_t len, int mode, char **buf, size_t *cap,
		   const char **out, size_t *out_len, const struct emb_token_at *at,
		   struct emb_err *err)
{
	const unsigned char *s = (const unsigned char *)tok;
	size_t i, o = 0, need;
	char *b;

	*out = tok;
	*out_len = len;
	if (emb_utf8_valid_prefix(s, len) == len)
		return 0;
	if (mode == EMB_UTF8_KEEP)
		return 1;
	if (mode == EMB_UTF8_STRICT) {
		char tb[128];
		if (!at->line && at->byte != EMB_TOKEN_NO_BYTE)
			return emb_err_set_at(err, EMB_EFORMAT, at->name, 0,
					      "byte %llu: token '%s' is not valid UTF-8",
					      (unsigned long long)at->byte,
					      emb_err_token(tb, sizeof tb, tok, len));
		return emb_err_set_at(err, EMB_EFORMAT, at->name, at->line,
				      "token '%s' is not valid UTF-8", emb_err_token(tb, sizeof tb, tok, len));
	}
	/* U+FFFD is 3 bytes and replaces at least one: 3 * len + 1 always suffices */
	if (!emb_mul_ok(len, 3, &need) || !emb_add_ok(need, 1, &need))
		return emb_err_nomem(err, "repairing a token");
	if (need > *cap) {
		if (!(b = realloc(*buf, need)))
			return emb_err_nomem(err, "repairing a token");
		*buf = b;
		*cap = need;
	}
	b = *buf;
	for (i = 0; i < len;) {
		int32_t cp;
		size_t k = emb_utf8_decode(s + i, len - i, &cp);
		if (cp >= 0) {
			memcpy(b + o, s + i, k);
			o += k;
		} else if (mode == EMB_UTF8_REPLACE) {
			memcpy(b + o, "\xef\xbf\xbd", 3);
			o += 3;
		}
		i += k;
	}
	b[o] = 0;
	*out = b;
	*out_len = o;
	return 1;
}
