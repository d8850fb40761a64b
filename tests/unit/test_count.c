/* Unit tests of emb_count: exact counts against a simple reference, for any chunk size and
 * thread count, long tokens across chunk boundaries, several streams, --lower and words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_count.h"

/* Random text: short and long tokens, every kind of whitespace, UTF-8 (valid or not). */
static char *make_text(size_t n, unsigned seed)
{
	static const char *pieces[] = { "the", "a", "of", "Über", "ÉCOLE", "école", "x\x7fy",
					"exactly16bytes!!", "seventeen-bytes!!", "abcdefgh",
					"abcdefghi", "tok\xff", "", "Z" };
	static const char seps[] = " \t\n\r\v\f";
	char *t = malloc(n + 64);
	size_t o = 0;

	srand(seed);
	while (o < n) {
		int r = rand() % 100;
		if (r < 2) {                     /* a long token */
			size_t k = 20 + (size_t)rand() % 300;
			for (size_t i = 0; i < k && o < n; i++)
				t[o++] = (char)('a' + rand() % 3);
		} else {
			const char *p = pieces[rand() % 14];
			size_t k = strlen(p);
			for (size_t i = 0; i < k && o < n; i++)
				t[o++] = p[i];
		}
		if (o < n)
			t[o++] = seps[rand() % 6 == 0 ? rand() % 6 : 0];
	}
	return t;
}

static int ref_add(void *ctx, const char *tok, size_t len)
{
	struct emb_err err = EMB_ERR_INIT;
	return emb_vocab_add_count(ctx, tok, len, 1, &err);
}

static struct emb_vocab *reference(const char *text, size_t n, const struct emb_tok_opts *o)
{
	struct emb_vocab *v;
	struct emb_tokenizer *t;
	struct emb_err err = EMB_ERR_INIT;

	assert_int_equal(emb_vocab_new(&v, &err), 0);
	assert_int_equal(emb_tokenizer_new(&t, o, &err), 0);
	assert_int_equal(emb_tokenizer_line(t, text, n, ref_add, v, &err), 0);
	emb_tokenizer_free(t);
	assert_int_equal(emb_vocab_sort(v, &err), 0);
	return v;
}

static void assert_same(const struct emb_vocab *a, const struct emb_vocab *b)
{
	assert_int_equal(emb_vocab_size(a), emb_vocab_size(b));
	for (size_t i = 0; i < emb_vocab_size(a); i++) {
		size_t la, lb;
		const char *ta = emb_vocab_token(a, i, &la), *tb = emb_vocab_token(b, i, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(ta, tb, la);
		assert_int_equal(emb_vocab_count(a, i), emb_vocab_count(b, i));
	}
}

static struct emb_vocab *count(const char *const *texts, const size_t *lens, int ntexts,
			       const struct emb_count_opts *o)
{
	struct emb_counter *c;
	struct emb_vocab *v;
	struct emb_err err = EMB_ERR_INIT;
	uint64_t total = 0;

	assert_int_equal(emb_counter_new(&c, o, &err), 0);
	for (int i = 0; i < ntexts; i++) {
		struct emb_stream *s;
		assert_int_equal(emb_stream_open_mem(&s, "mem", texts[i], lens[i], &err), 0);
		assert_int_equal(emb_counter_add(c, s, &err), 0);
		assert_int_equal(emb_stream_close(s, &err), 0);
		total += lens[i];
	}
	assert_int_equal(emb_counter_bytes(c), total);
	assert_int_equal(emb_counter_finish(c, &v, &err), 0);
	emb_counter_free(c);
	assert_int_equal(emb_vocab_sort(v, &err), 0);
	return v;
}

static void check(const struct emb_tok_opts *tok, size_t n)
{
	static const size_t chunks[] = { 0, 64, 1000, 4096 };
	static const int threads[] = { 1, 2, 3 };
	char *text = make_text(n, 7);
	struct emb_vocab *ref = reference(text, n, tok), *got;
	const char *texts[1] = { text };

	for (size_t ci = 0; ci < 4; ci++)
		for (size_t ti = 0; ti < 3; ti++) {
			struct emb_count_opts o = EMB_COUNT_OPTS_INIT;
			o.tok = *tok;
			o.chunk = chunks[ci];
			o.threads = threads[ti];
			got = count(texts, &n, 1, &o);
			assert_same(ref, got);
			emb_vocab_free(got);
		}
	emb_vocab_free(ref);
	free(text);
}

static void test_ws_exact(void **state)
{
	struct emb_tok_opts tok = EMB_TOK_OPTS_INIT;
	(void)state;
	check(&tok, 200000);
}

static void test_lower_and_words_exact(void **state)
{
	struct emb_tok_opts tok = EMB_TOK_OPTS_INIT;
	(void)state;
	tok.lower = true;
	check(&tok, 50000);
	tok.split = EMB_SPLIT_WORDS;
	check(&tok, 50000);
}

static void test_streams_end_tokens(void **state)
{
	const char *texts[] = { "a b", "b c\n", "", "c" };
	const size_t lens[] = { 3, 4, 0, 1 };
	struct emb_count_opts o = EMB_COUNT_OPTS_INIT;
	struct emb_vocab *v;
	(void)state;

	o.threads = 2;
	v = count(texts, lens, 4, &o);
	assert_int_equal(emb_vocab_size(v), 3);  /* "b" and "b", not "bb" */
	assert_string_equal(emb_vocab_token(v, 0, NULL), "b");
	assert_int_equal(emb_vocab_count(v, 0), 2);
	assert_int_equal(emb_vocab_count(v, 2), 1);
	emb_vocab_free(v);
}

static void test_one_huge_token(void **state)
{
	size_t n = (size_t)3 << 20;
	char *text = malloc(n);
	const char *texts[1] = { text };
	struct emb_count_opts o = EMB_COUNT_OPTS_INIT;
	struct emb_vocab *v;
	(void)state;

	memset(text, 'q', n);
	text[0] = ' ';
	text[n - 1] = '\n';
	o.chunk = 4096;
	o.threads = 2;
	o.max_token = n;
	v = count(texts, &n, 1, &o);
	assert_int_equal(emb_vocab_size(v), 1);
	{
		size_t len;
		emb_vocab_token(v, 0, &len);
		assert_int_equal(len, n - 2);
	}
	emb_vocab_free(v);
	free(text);
}

/* Count TEXT with O; the error it must fail with. */
static void count_fails(const char *text, size_t n, const struct emb_count_opts *o, int code,
			const char *msg)
{
	struct emb_counter *c;
	struct emb_stream *s;
	struct emb_vocab *v = NULL;
	struct emb_err err = EMB_ERR_INIT;
	int rc;

	assert_int_equal(emb_counter_new(&c, o, &err), 0);
	assert_int_equal(emb_stream_open_mem(&s, "mem", text, n, &err), 0);
	/* a worker's error comes out of add, or of finish when the worker is slower */
	if ((rc = emb_counter_add(c, s, &err)) == 0)
		rc = emb_counter_finish(c, &v, &err);
	assert_null(v);
	assert_int_equal(rc, code);
	assert_string_equal(err.msg, msg);
	emb_stream_abort(s);
	emb_counter_free(c);
}

/* The token rule: a NUL byte in the text, located by byte, whatever the path and threads. */
static void test_nul_refused(void **state)
{
	static const char text[] = "a bb\0c d";
	struct emb_count_opts o = EMB_COUNT_OPTS_INIT;
	(void)state;

	for (int th = 1; th <= 2; th++) {
		o.threads = th;
		o.tok.lower = th == 2;
		count_fails(text, sizeof text - 1, &o, EMB_EFORMAT, "mem: byte 2: token 'bb\\x00c' holds a NUL byte");
	}
}

/* A token over the limit: refused when it fills a chunk (memory stays about the limit) and
 * when it sits inside one, on either path. */
static void test_token_limit(void **state)
{
	size_t n = (size_t)3 << 20;
	char *text = malloc(n);
	struct emb_count_opts o = EMB_COUNT_OPTS_INIT;
	(void)state;

	memset(text, 'q', n);
	text[0] = ' ';
	o.chunk = 4096;
	count_fails(text, n, &o, EMB_ELIMIT, "mem: byte 1: token 'qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq...'"
		    " is longer than the token limit of 1048576 bytes");
	o.chunk = 0;
	o.max_token = 5;
	for (int th = 1; th <= 2; th++) {
		o.threads = th;
		count_fails("ab abcdef x", 11, &o, EMB_ELIMIT,
			    "mem: byte 3: token 'abcdef' is longer than the token limit of 5 bytes");
	}
	o.tok.split = EMB_SPLIT_WORDS; /* tokens of a tokenizer's own buffer: no byte to name */
	count_fails("ab abcdef x", 11, &o, EMB_ELIMIT,
		    "mem: token 'abcdef' is longer than the token limit of 5 bytes");
	free(text);
}

static void test_hash_differs_by_length(void **state)
{
	(void)state;
	assert_true(emb_hash_bytes("a", 1) != emb_hash_bytes("a\0", 2));
	assert_true(emb_hash_bytes("abcdefgh", 8) != emb_hash_bytes("abcdefgi", 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_exact),
		cmocka_unit_test(test_lower_and_words_exact),
		cmocka_unit_test(test_streams_end_tokens),
		cmocka_unit_test(test_one_huge_token),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_token_limit),
		cmocka_unit_test(test_hash_differs_by_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
