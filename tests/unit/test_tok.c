/* Unit tests of emb_tok: whitespace split, case folding, word split, invalid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embkit.h"

/* Tokens joined by '|' into a buffer. */
struct joined {
	char buf[4096];
	size_t n;
	int calls;
	int stop_after;
};

static int join(void *ctx, const char *tok, size_t len)
{
	struct joined *j = ctx;

	assert_true(len > 0);
	if (j->n)
		j->buf[j->n++] = '|';
	assert_true(j->n + len < sizeof j->buf);
	memcpy(j->buf + j->n, tok, len);
	j->n += len;
	j->buf[j->n] = 0;
	if (++j->calls == j->stop_after)
		return 42;
	return 0;
}

static const char *tokens(enum emb_split split, bool lower, const char *text, size_t len,
			  uint64_t *invalid)
{
	static struct joined j;
	struct emb_tok_opts o = EMB_TOK_OPTS_INIT;
	struct emb_tokenizer *t;
	struct emb_err err = EMB_ERR_INIT;

	memset(&j, 0, sizeof j);
	o.split = split;
	o.lower = lower;
	assert_int_equal(emb_tokenizer_new(&t, &o, &err), 0);
	assert_int_equal(emb_tokenizer_line(t, text, len, join, &j, &err), 0);
	if (invalid)
		*invalid = emb_tokenizer_invalid_utf8(t);
	emb_tokenizer_free(t);
	return j.buf;
}

#define TOKS(split, lower, s) tokens(split, lower, s, sizeof s - 1, NULL)

static void test_ws(void **state)
{
	(void)state;
	assert_string_equal(TOKS(EMB_SPLIT_WS, false, "  The cat\tsat.\r\n\v\fOn "), "The|cat|sat.|On");
	assert_string_equal(TOKS(EMB_SPLIT_WS, false, ""), "");
	assert_string_equal(TOKS(EMB_SPLIT_WS, false, " \t\r "), "");
	assert_string_equal(TOKS(EMB_SPLIT_WS, false, "x"), "x");
	/* NUL is a token byte */
	assert_int_equal(strlen(TOKS(EMB_SPLIT_WS, false, "a\0b c")), 1);
	{
		struct joined *j = (struct joined *)(uintptr_t)TOKS(EMB_SPLIT_WS, false, "a\0b c");
		assert_memory_equal(j->buf, "a\0b|c", 5);
		assert_int_equal(j->n, 5);
	}
}

static void test_lower(void **state)
{
	(void)state;
	assert_string_equal(TOKS(EMB_SPLIT_WS, true, "The ÉCOLE Straße ΣΟΦΙΑ İ"), "the|école|straße|σοφια|i");
	/* U+023A grows from 2 to 3 bytes when folded */
	assert_string_equal(TOKS(EMB_SPLIT_WS, true, "ȺȺȺ"), "ⱥⱥⱥ");
}

static void test_invalid_utf8_passes_through(void **state)
{
	static const char bad[] = "A\xff" "B \xe2\x82 \xc3\xa9\xed\xa0\x80 ok";
	uint64_t invalid;
	const char *got;
	(void)state;

	got = tokens(EMB_SPLIT_WS, true, bad, sizeof bad - 1, &invalid);
	assert_string_equal(got, "a\xff" "b|\xe2\x82|\xc3\xa9\xed\xa0\x80|ok");
	/* \xff; \xe2\x82 (one truncated sequence); \xed then \xa0 and \x80 (a surrogate: 3) */
	assert_int_equal(invalid, 5);
	got = tokens(EMB_SPLIT_WS, false, bad, sizeof bad - 1, &invalid);
	assert_int_equal(invalid, 0); /* not decoded at all without --lower */
}

static void test_words(void **state)
{
	uint64_t invalid;
	const char *got;
	(void)state;

	assert_string_equal(TOKS(EMB_SPLIT_WORDS, false, "Hello, world! It's 2024."),
			    "Hello|,|world|!|It|'|s|2024|.");
	assert_string_equal(TOKS(EMB_SPLIT_WORDS, true, "Naïve café—ÜBER\xc2\xa0" "x_y"),
			    "naïve|café|—|über|x|_|y");
	/* combining marks stay in the word; NUL is a token of its own */
	assert_string_equal(TOKS(EMB_SPLIT_WORDS, false, "e\xcc\x81t\xc3\xa9"), "e\xcc\x81t\xc3\xa9");
	got = tokens(EMB_SPLIT_WORDS, false, "ab\xff" "cd,\xfe", 7, &invalid);
	assert_string_equal(got, "ab\xff" "cd|,|\xfe");
	assert_int_equal(invalid, 2);
}

static void test_callback_stops(void **state)
{
	struct emb_tok_opts o = EMB_TOK_OPTS_INIT;
	struct emb_tokenizer *t;
	struct emb_err err = EMB_ERR_INIT;
	struct joined j;
	(void)state;

	for (int split = 0; split < 2; split++) {
		memset(&j, 0, sizeof j);
		j.stop_after = 2;
		o.split = (enum emb_split)split;
		assert_int_equal(emb_tokenizer_new(&t, &o, &err), 0);
		assert_int_equal(emb_tokenizer_line(t, "a b c d", 7, join, &j, &err), 42);
		assert_string_equal(j.buf, "a|b");
		emb_tokenizer_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws),
		cmocka_unit_test(test_lower),
		cmocka_unit_test(test_invalid_utf8_passes_through),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_callback_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
