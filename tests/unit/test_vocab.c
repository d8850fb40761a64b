/* Unit tests of emb_vocab: index, growth, sort order, select, load (TSV, word2vec, CSV) and save. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embkit.h"
#include "unit_tmpdir.h"

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "wb"));
	fputs(text, f);
	fclose(f);
	return path;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *b = calloc(1, 1 << 16);
	assert_non_null(f);
	assert_true(fread(b, 1, (1 << 16) - 1, f) < (1 << 16) - 1);
	fclose(f);
	return b;
}

static void test_add_find_grow(void **state)
{
	struct emb_vocab *v;
	struct emb_err err = EMB_ERR_INIT;
	char tok[32];
	size_t id;
	(void)state;

	assert_int_equal(emb_vocab_new(&v, &err), 0);
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(tok, sizeof tok, "w%d", i);
		assert_int_equal(emb_vocab_add(v, tok, (size_t)n, (uint64_t)i, &id, &err), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(emb_vocab_add(v, "w42", 3, 9, &id, &err), EMB_EOF);
	assert_int_equal(id, 42);
	assert_int_equal(emb_vocab_count(v, 42), 42); /* not changed by the duplicate add */
	assert_int_equal(emb_vocab_find(v, "w99999", 6), 99999);
	assert_int_equal(emb_vocab_find(v, "w100000", 7), -1);
	assert_int_equal(emb_vocab_find(v, "w4", 2), 4);
	assert_int_equal(emb_vocab_add(v, "a\0b", 3, 1, &id, &err), 0); /* NUL is a token byte */
	assert_int_equal(emb_vocab_find(v, "a\0b", 3), 100000);
	assert_int_equal(emb_vocab_find(v, "a", 1), -1);
	assert_int_equal(emb_vocab_size(v), 100001);
	assert_int_equal(emb_vocab_total(v), 99999ull * 100000 / 2 + 1);
	assert_int_equal(emb_vocab_add_count(v, "w7", 2, 3, &err), 0);
	assert_int_equal(emb_vocab_count(v, 7), 10);
	assert_int_equal(emb_vocab_add_count(v, "new", 3, 3, &err), 0);
	assert_int_equal(emb_vocab_count(v, 100001), 3);
	emb_vocab_free(v);
	emb_vocab_free(NULL);
}

static void test_sort_and_select(void **state)
{
	static const char *toks[] = { "b", "ab", "a", "c", "aa", "<unk>" };
	static const uint64_t counts[] = { 5, 5, 5, 9, 1, 2 };
	static const char *specials[] = { "<pad>", "<unk>" };
	struct emb_vocab *v, *s;
	struct emb_vocab_select sel = EMB_VOCAB_SELECT_INIT;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(emb_vocab_new(&v, &err), 0);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(emb_vocab_add(v, toks[i], strlen(toks[i]), counts[i], NULL, &err), 0);
	assert_int_equal(emb_vocab_sort(v, &err), 0);
	assert_string_equal(emb_vocab_token(v, 0, NULL), "c");
	assert_string_equal(emb_vocab_token(v, 1, NULL), "a");  /* ties: bytes, prefix first */
	assert_string_equal(emb_vocab_token(v, 2, NULL), "ab");
	assert_string_equal(emb_vocab_token(v, 3, NULL), "b");
	assert_string_equal(emb_vocab_token(v, 4, NULL), "<unk>");
	assert_int_equal(emb_vocab_find(v, "aa", 2), 5);       /* the index follows the new ids */

	sel.specials = specials;
	sel.nspecials = 2;
	sel.min_count = 2;
	sel.max_size = 5;
	assert_int_equal(emb_vocab_select(&s, v, &sel, &err), 0);
	assert_int_equal(emb_vocab_size(s), 5);
	assert_string_equal(emb_vocab_token(s, 0, NULL), "<pad>");
	assert_int_equal(emb_vocab_count(s, 0), 0);
	assert_string_equal(emb_vocab_token(s, 1, NULL), "<unk>");
	assert_int_equal(emb_vocab_count(s, 1), 2);             /* a special keeps its own count */
	assert_string_equal(emb_vocab_token(s, 4, NULL), "ab");
	emb_vocab_free(s);

	sel.max_size = 1;
	assert_int_equal(emb_vocab_select(&s, v, &sel, &err), EMB_EINVAL);
	specials[1] = "<pad>";
	sel.max_size = 0;
	assert_int_equal(emb_vocab_select(&s, v, &sel, &err), EMB_EINVAL);
	assert_non_null(strstr(err.msg, "listed twice"));
	emb_vocab_free(v);
}

/* Token a comes strictly before b: count descending, then memcmp order, a prefix first. */
static bool before(const struct emb_vocab *v, size_t a, size_t b)
{
	size_t la, lb, m;
	const char *ta = emb_vocab_token(v, a, &la), *tb = emb_vocab_token(v, b, &lb);
	int c;

	if (emb_vocab_count(v, a) != emb_vocab_count(v, b))
		return emb_vocab_count(v, a) > emb_vocab_count(v, b);
	m = la < lb ? la : lb;
	c = memcmp(ta, tb, m);
	return c < 0 || (c == 0 && la < lb);
}

static void test_sort_large_and_from_counts(void **state)
{
	enum { N = 50000 };
	static char buf[N][24];
	static const char *tok[N];
	static size_t len[N];
	static uint64_t count[N];
	struct emb_vocab *v, *w;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	srand(1);
	assert_int_equal(emb_vocab_new(&v, &err), 0);
	for (size_t i = 0; i < N; i++) {
		/* shared 8-byte prefixes, prefixes of each other, embedded NULs, few distinct counts */
		int n = snprintf(buf[i], sizeof buf[i], "%s%zu", rand() % 2 ? "samepref" : "s", i % 7919);
		if (i >= 7919)
			n = snprintf(buf[i], sizeof buf[i], "samepref%zu%c", i, 'a' + rand() % 3);
		if (i % 101 == 0)
			buf[i][n - 1] = 0;
		tok[i] = buf[i];
		len[i] = (size_t)n;
		count[i] = (uint64_t)(rand() % 5);
		if (emb_vocab_add(v, tok[i], len[i], count[i], NULL, &err) == EMB_EOF)
			len[i] = 0;
	}
	assert_int_equal(emb_vocab_sort(v, &err), 0);
	for (size_t i = 1; i < emb_vocab_size(v); i++)
		assert_true(before(v, i - 1, i));
	for (size_t i = 0; i < emb_vocab_size(v); i++) {
		size_t l;
		const char *t = emb_vocab_token(v, i, &l);
		assert_int_equal(emb_vocab_find(v, t, l), i);
	}
	/* the bulk builder gives the same vocabulary; it rejects duplicates */
	{
		size_t k = 0;
		for (size_t i = 0; i < N; i++)
			if (len[i]) {
				tok[k] = tok[i];
				len[k] = len[i];
				count[k++] = count[i];
			}
		assert_int_equal(emb_vocab_from_counts(&w, k, tok, len, count, true, &err), 0);
		assert_int_equal(emb_vocab_size(w), emb_vocab_size(v));
		for (size_t i = 0; i < k; i++) {
			size_t la, lb;
			const char *a = emb_vocab_token(v, i, &la), *b = emb_vocab_token(w, i, &lb);
			assert_int_equal(la, lb);
			assert_memory_equal(a, b, la);
		}
		emb_vocab_free(w);
		tok[1] = tok[0];
		len[1] = len[0];
		assert_int_equal(emb_vocab_from_counts(&w, k, tok, len, count, false, &err), EMB_EFORMAT);
		assert_non_null(strstr(err.msg, "duplicate token"));
	}
	emb_vocab_free(v);
}

static void test_load_layouts(void **state)
{
	struct emb_vocab *v;
	struct emb_err err = EMB_ERR_INIT;
	size_t len;
	(void)state;

	assert_int_equal(emb_vocab_load(&v, write_file("a.tsv", "the\t10\r\n\"a\tb\"\t3\n\n\"\"\"q\"\t2\nx y\t0\n"),
				       0, &err), 0);
	assert_int_equal(emb_vocab_size(v), 4);
	assert_string_equal(emb_vocab_token(v, 1, &len), "a\tb");
	assert_string_equal(emb_vocab_token(v, 2, NULL), "\"q");
	assert_string_equal(emb_vocab_token(v, 3, NULL), "x y");
	assert_int_equal(emb_vocab_count(v, 0), 10);
	emb_vocab_free(v);

	/* word2vec.c -save-vocab: "token count", tokens may hold quotes */
	assert_int_equal(emb_vocab_load(&v, write_file("w2v.txt", "</s> 0\n\"quoted 7\nthe 5\r\n"), 0,
				       &err), 0);
	assert_int_equal(emb_vocab_size(v), 3);
	assert_string_equal(emb_vocab_token(v, 1, NULL), "\"quoted");
	assert_int_equal(emb_vocab_count(v, 1), 7);
	assert_int_equal(emb_vocab_count(v, 2), 5);
	emb_vocab_free(v);

	assert_int_equal(emb_vocab_load(&v, write_file("c.csv", "\"a,b\",4\nc,1\n"), EMB_VOCAB_CSV,
				       &err), 0);
	assert_string_equal(emb_vocab_token(v, 0, NULL), "a,b");
	emb_vocab_free(v);

	assert_int_equal(emb_vocab_load(&v, write_file("bare.txt", "one\ntwo\n"), EMB_VOCAB_NO_COUNTS,
				       &err), 0);
	assert_int_equal(emb_vocab_find(v, "two", 3), 1);
	emb_vocab_free(v);
}

static void expect_load_error(const char *text, unsigned flags, const char *msg)
{
	struct emb_vocab *v = (struct emb_vocab *)1;
	struct emb_err err = EMB_ERR_INIT;
	const char *path = write_file("bad.tsv", text);
	char want[512];

	assert_true(emb_vocab_load(&v, path, flags, &err) < 0);
	assert_null(v);
	snprintf(want, sizeof want, "%s:%s", path, msg);
	assert_string_equal(err.msg, want);
}

static void test_load_errors(void **state)
{
	(void)state;
	expect_load_error("a\t1\nb\n", 0, "2: no count (expected 'token<TAB>count')");
	expect_load_error("a\t1\nb\t-3\n", 0, "2: negative count '-3'");
	expect_load_error("a\t1\nb\t3x\n", 0, "2: count '3x' is not a non-negative integer");
	expect_load_error("a\t1\nb\t\n", 0, "2: count '' is not a non-negative integer");
	expect_load_error("a\t1\nb\t99999999999999999999\n", 0, "2: count '99999999999999999999' is too large");
	expect_load_error("a\t1\nb\t2\na\t3\n", 0, "3: duplicate token 'a' (already id 0)");
	expect_load_error("a\t1\tx\n", 0, "1: expected 2 fields, found 3");
	expect_load_error("a 1\nb\n", 0, "2: no count (expected 'token count')");
	expect_load_error("a 1\n 4\n", 0, "2: empty token");
}

static void test_allow_dup_keeps_first(void **state)
{
	struct emb_vocab *v;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(emb_vocab_load(&v, write_file("d.tsv", "a\t1\nb\t2\na\t3\n"),
				       EMB_VOCAB_ALLOW_DUP, &err), 0);
	assert_int_equal(emb_vocab_size(v), 2);
	assert_int_equal(emb_vocab_count(v, 0), 1);
	emb_vocab_free(v);
}

static void test_save_round_trip(void **state)
{
	static const char text[] = "the\t10\n\"a\tb\"\t3\n\"\"\"q\"\t2\nx y\t0\n";
	struct emb_vocab *v, *w;
	struct emb_out *o;
	struct emb_err err = EMB_ERR_INIT;
	char out[256];
	char *got;
	(void)state;

	assert_int_equal(emb_vocab_load(&v, write_file("r.tsv", text), 0, &err), 0);
	snprintf(out, sizeof out, "%s/out.tsv", dir);
	assert_int_equal(emb_out_open(&o, out, NULL, &err), 0);
	assert_int_equal(emb_vocab_save(v, o, 0, &err), 0);
	assert_int_equal(emb_out_commit(o, &err), 0);
	got = read_file(out);
	assert_string_equal(got, text);
	free(got);
	assert_int_equal(emb_vocab_load(&w, out, 0, &err), 0);
	assert_int_equal(emb_vocab_size(w), emb_vocab_size(v));
	emb_vocab_free(w);

	assert_int_equal(emb_out_open(&o, out, NULL, &err), 0);
	assert_int_equal(emb_vocab_save(v, o, EMB_VOCAB_CSV, &err), 0);
	assert_int_equal(emb_out_commit(o, &err), 0);
	got = read_file(out);
	assert_string_equal(got, "the,10\na\tb,3\n\"\"\"q\",2\nx y,0\n");
	free(got);
	emb_vocab_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_grow),
		cmocka_unit_test(test_sort_and_select),
		cmocka_unit_test(test_sort_large_and_from_counts),
		cmocka_unit_test(test_load_layouts),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_allow_dup_keeps_first),
		cmocka_unit_test(test_save_round_trip),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
