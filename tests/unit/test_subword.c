/* Unit tests of subwords: fastText's hash and n-grams, word vectors from n-gram rows, the
 * fastText .bin reader and writer, and EMB's SUBW/NGRM sections (streamed and mapped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fmt_fasttext.h"
#include "emb_format.h"
#include "emb_subword.h"
#include "unit_tmpdir.h"

static void test_hash_sign_extends(void **state)
{
	(void)state;
	assert_int_equal(emb_subword_hash("", 0), 2166136261u);
	assert_int_equal(emb_subword_hash("a", 1), 3826002220u);
	/* bytes >= 0x80 enter sign-extended: textbook FNV-1a of "é" would be 513665217 */
	assert_int_equal(emb_subword_hash("\xc3\xa9", 2), 1023043777u);
	assert_int_equal(emb_subword_hash("\xe6\x9d\xb1\xe4\xba\xac", 6), 1997330287u);
}

static uint32_t row_of(const char *s, uint32_t bucket)
{
	return emb_subword_hash(s, strlen(s)) % bucket;
}

static void test_ngrams_in_order(void **state)
{
	static const char *const want[] = { "<a", "<ab", "<ab>", "a", "ab", "ab>", "b", "b>" };
	uint32_t ids[16];
	size_t n, i;
	(void)state;

	n = emb_subword_ids(1, 6, 1000003, "ab", 2, ids, 16);
	assert_int_equal(n, 8); /* the lone "<" and ">" are not n-grams */
	for (i = 0; i < n; i++)
		assert_int_equal(ids[i], row_of(want[i], 1000003));
	/* too little room: the count still says how many */
	assert_int_equal(emb_subword_ids(1, 6, 1000003, "ab", 2, ids, 3), 8);
	assert_int_equal(ids[2], row_of("<ab>", 1000003));
	/* minn 3, maxn 3 */
	assert_int_equal(emb_subword_ids(3, 3, 97, "ab", 2, ids, 16), 2);
	assert_int_equal(ids[0], row_of("<ab", 97));
	assert_int_equal(ids[1], row_of("ab>", 97));
}

static void test_ngrams_count_characters(void **state)
{
	static const char *const want[] = { "<\xc3\xa9", "\xc3\xa9", "\xc3\xa9>" };
	uint32_t ids[8];
	size_t i;
	(void)state;

	/* "é" is one character of two bytes: no n-gram starts or ends inside it */
	assert_int_equal(emb_subword_ids(1, 2, 1 << 20, "\xc3\xa9", 2, ids, 8), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(ids[i], row_of(want[i], 1 << 20));
	/* fastText's end-of-line token has none, and no buckets means none */
	assert_int_equal(emb_subword_ids(3, 6, 100, "</s>", 4, ids, 8), 0);
	assert_int_equal(emb_subword_ids(3, 6, 0, "abc", 3, ids, 8), 0);
	/* a word shorter than minn - 2 characters has none */
	assert_int_equal(emb_subword_ids(5, 5, 100, "q", 1, ids, 8), 0);
}

static void test_vector_is_the_mean(void **state)
{
	struct emb_subword *sw;
	struct emb_err err = EMB_ERR_INIT;
	const float own[2] = { 3, 6 };
	float out[2], *rows;
	uint32_t ids[4];
	size_t i, n;
	(void)state;

	assert_int_equal(emb_subword_new(&sw, 3, 3, 5, 2, &err), 0);
	rows = emb_subword_data(sw);
	for (i = 0; i < 10; i++)
		rows[i] = (float)(i + 1);
	n = emb_subword_ids(3, 3, 5, "ab", 2, ids, 4);
	assert_int_equal(n, 2);
	assert_int_equal(emb_subword_vector(sw, "ab", 2, own, out), 3);
	for (i = 0; i < 2; i++)
		assert_true(fabsf(out[i] - (own[i] + rows[ids[0] * 2 + i] + rows[ids[1] * 2 + i]) *
					   (float)(1.0 / 3)) == 0);
	assert_int_equal(emb_subword_vector(sw, "ab", 2, NULL, out), 2);
	assert_true(out[0] == (rows[ids[0] * 2] + rows[ids[1] * 2]) * 0.5f);
	/* no n-gram, no row: zeros */
	out[0] = out[1] = 7;
	assert_int_equal(emb_subword_vector(sw, "</s>", 4, NULL, out), 0);
	assert_true(out[0] == 0 && out[1] == 0);
	emb_subword_free(sw);
	emb_subword_free(NULL);
}

/* A table of 3 words x 4 with 11 n-gram buckets (minn 2, maxn 4), values from SEED. */
static struct emb_table *subword_table(unsigned seed)
{
	static const char *const words[] = { "</s>", "caf\xc3\xa9", "tea" };
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	float *rows;
	size_t i;

	assert_int_equal(emb_table_new(&t, 3, 4, &err), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(emb_vocab_add(t->vocab, words[i], strlen(words[i]), 10 - i, NULL, &err), 0);
	for (i = 0; i < 12; i++)
		t->data[i] = (float)((i * 7 + seed) % 13) / 8 - 0.75f;
	assert_int_equal(emb_subword_new(&t->subword, 2, 4, 11, 4, &err), 0);
	rows = emb_subword_data(t->subword);
	for (i = 0; i < 44; i++)
		rows[i] = (float)((i * 5 + seed) % 17) / 16 - 0.5f;
	return t;
}

static void assert_same_subwords(const struct emb_table *a, const struct emb_table *b, float tol)
{
	float va[4], vb[4];
	size_t i;
	long r;

	assert_non_null(b->subword);
	assert_int_equal(a->subword->minn, b->subword->minn);
	assert_int_equal(a->subword->maxn, b->subword->maxn);
	assert_int_equal(a->subword->bucket, b->subword->bucket);
	assert_memory_equal(a->subword->rows, b->subword->rows, 44 * sizeof(float));
	assert_int_equal(a->rows, b->rows);
	for (i = 0; i < a->rows * a->dim; i++)
		assert_true(fabsf(a->data[i] - b->data[i]) <= tol);
	/* an unseen word gets the same vector from both */
	assert_ptr_equal(emb_table_word_vector(a, "coffee", 6, va, &r), va);
	assert_int_equal(r, -1);
	assert_ptr_equal(emb_table_word_vector(b, "coffee", 6, vb, &r), vb);
	assert_memory_equal(va, vb, sizeof va);
	assert_ptr_equal(emb_table_word_vector(b, "tea", 3, vb, &r), emb_table_row(b, 2));
	assert_int_equal(r, 2);
	/* without a buffer only rows are answered */
	assert_null(emb_table_word_vector(b, "coffee", 6, NULL, &r));
}

static void load_must_fail(const char *p, const struct emb_format *f, const char *what)
{
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = NULL;

	if (emb_table_load(&t, p, f, &o, &err) >= 0)
		fail_msg("%s: read without error", what);
	assert_null(t);
	if (!strstr(err.msg, "byte "))
		fail_msg("%s: %s", what, err.msg);
}

/* Every proper prefix of file P is an error naming a byte; so is one byte more. */
static void cuts_must_fail(const char *p, const struct emb_format *f)
{
	const char *cut = path("cut");
	unsigned char *buf;
	struct stat st;
	FILE *fp;
	size_t n;

	assert_int_equal(stat(p, &st), 0);
	assert_non_null(buf = malloc((size_t)st.st_size + 1));
	assert_non_null(fp = fopen(p, "rb"));
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
	fclose(fp);
	for (n = 0; n <= (size_t)st.st_size; n++) {
		char what[64];
		if (n == (size_t)st.st_size)
			buf[n++] = 0; /* a trailing byte */
		assert_non_null(fp = fopen(cut, "wb"));
		assert_int_equal(fwrite(buf, 1, n, fp), n);
		fclose(fp);
		snprintf(what, sizeof what, "%zu of %lld bytes", n, (long long)st.st_size);
		/* from 8 bytes on the magic alone must say what it is */
		if (n > 0)
			load_must_fail(cut, n < 8 ? f : NULL, what);
	}
	free(buf);
}

static void test_fasttext_roundtrip(void **state)
{
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = subword_table(1), *u = NULL;
	const char *p = path("m.bin");
	(void)state;

	assert_int_equal(emb_table_save(t, p, &emb_format_fasttext, NULL, NULL, &err), 0);
	assert_int_equal(emb_table_load(&u, p, NULL, &o, &err), 0);
	/* the own rows are solved back from the vectors: equal up to float rounding */
	assert_same_subwords(t, u, 1e-6f);
	assert_int_equal(emb_table_count(u, 1), 9);
	assert_non_null(strstr(emb_table_meta_get(u, "fasttext.args"), "minn=2 maxn=4"));
	emb_table_free(u);
	o.limit = 2;
	assert_int_equal(emb_table_load(&u, p, NULL, &o, &err), 0);
	assert_int_equal(u->rows, 2);
	assert_int_equal(emb_table_find(u, "tea", 3), -1);
	emb_table_free(u);
	cuts_must_fail(p, &emb_format_fasttext);
	emb_table_free(t);
}

static void test_emb_keeps_subwords(void **state)
{
	struct emb_out_opts raw = EMB_OUT_OPTS_INIT;
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = subword_table(2), *u = NULL;
	const char *p = path("s.emb"), *q = path("s.emb.gz");
	unsigned char h[64];
	FILE *fp;
	(void)state;

	raw.level = 0;
	assert_int_equal(emb_table_save(t, p, NULL, NULL, &raw, &err), 0);
	assert_int_equal(emb_table_save(t, q, NULL, NULL, NULL, &err), 0);
	assert_int_equal(emb_table_load(&u, p, NULL, &o, &err), 0); /* mapped */
	assert_true(emb_table_is_mapped(u));
	assert_same_subwords(t, u, 0);
	emb_table_free(u);
	o.lazy_vocab = true;
	assert_int_equal(emb_table_load(&u, p, NULL, &o, &err), 0);
	assert_same_subwords(t, u, 0);
	emb_table_free(u);
	o.lazy_vocab = false;
	assert_int_equal(emb_table_load(&u, q, NULL, &o, &err), 0); /* streamed */
	assert_false(emb_table_is_mapped(u));
	assert_same_subwords(t, u, 0);
	emb_table_free(u);
	o.want_mmap = false;
	assert_int_equal(emb_table_load(&u, p, NULL, &o, &err), 0);
	assert_same_subwords(t, u, 0);
	emb_table_free(u);
	cuts_must_fail(p, &emb_format_emb);
	/* flag bit 1 and 8 sections: a reader before subwords refuses both ("unknown flags or
	 * section count") rather than misread the file */
	assert_non_null(fp = fopen(p, "rb"));
	assert_int_equal(fread(h, 1, 64, fp), 64);
	fclose(fp);
	assert_int_equal(h[40] & 2, 2);
	assert_int_equal(h[44], 8);
	emb_table_free(t);
}

static void test_emb_without_subwords_unchanged(void **state)
{
	struct emb_out_opts raw = EMB_OUT_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = subword_table(3), *u = NULL;
	const char *p = path("n.emb");
	struct stat st;
	float buf[4];
	long r;
	(void)state;

	emb_subword_free(t->subword);
	t->subword = NULL;
	raw.level = 0;
	assert_int_equal(emb_table_save(t, p, NULL, NULL, &raw, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	/* six sections, the matrix last: 3 x 4 floats end the file */
	assert_int_equal(st.st_size % 64, 48);
	assert_int_equal(emb_table_load(&u, p, NULL, NULL, &err), 0);
	assert_null(u->subword);
	assert_null(emb_table_word_vector(u, "coffee", 6, buf, &r));
	assert_int_equal(r, -1);
	emb_table_free(u);
	emb_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_sign_extends),
		cmocka_unit_test(test_ngrams_in_order),
		cmocka_unit_test(test_ngrams_count_characters),
		cmocka_unit_test(test_vector_is_the_mean),
		cmocka_unit_test(test_fasttext_roundtrip),
		cmocka_unit_test(test_emb_keeps_subwords),
		cmocka_unit_test(test_emb_without_subwords_unchanged),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
