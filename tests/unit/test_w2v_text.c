/* Unit tests of the threaded text writer (w2v_text.c): the bytes of every thread count equal
 * the caller-thread path at the chunk edges (no rows, one row wider than a chunk, more rows
 * than a chunk holds, long tokens), errors match, and aborting a sink mid-way frees it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_format.h"
#include "unit_tmpdir.h"

/* ROWS x DIM of varied magnitudes (short and long shortest forms); token i is TOKLEN+ bytes,
 * but row BAD's is "a b", which word2vec text cannot hold. */
static struct emb_table *table(size_t rows, size_t dim, size_t toklen, size_t bad)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	char *tok = malloc(toklen + 32);

	assert_non_null(tok);
	assert_int_equal(emb_table_new(&t, rows, dim, &err), 0);
	memset(tok, 'x', toklen);
	for (size_t i = 0; i < rows; i++) {
		int n = snprintf(tok + toklen, 32, "%zu", i);
		if (i == bad)
			assert_int_equal(emb_vocab_add(t->vocab, "a b", 3, 0, NULL, &err), 0);
		else
			assert_int_equal(emb_vocab_add(t->vocab, tok, toklen + (size_t)n, 0, NULL, &err), 0);
		for (size_t j = 0; j < dim; j++)
			emb_table_row(t, i)[j] = (float)((i * 31 + j * 7) % 1000) / 7.0f *
						 ((j & 3) == 0 ? 1e-6f : (j & 3) == 1 ? 1e6f : 1.0f);
	}
	free(tok);
	return t;
}

/* The file T becomes in FMT written with THREADS (malloc'd, length in *n); NULL on error. */
static char *written(const struct emb_table *t, const struct emb_format *fmt, int precision,
		     int threads, size_t *n, struct emb_err *err)
{
	struct emb_write_opts wo = EMB_WRITE_OPTS_INIT;
	char path[64], *s;
	FILE *f;
	long len;

	snprintf(path, sizeof path, "%s/t%d.txt", dir, threads);
	wo.precision = precision;
	wo.threads = threads;
	if (emb_table_save(t, path, fmt, &wo, NULL, err) < 0)
		return NULL;
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	assert_non_null(s = malloc((size_t)len + 1));
	assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return s;
}

/* T written in FMT with 1, 2 and 5 threads gives the same bytes. */
static void same_bytes(const struct emb_table *t, const struct emb_format *fmt, int precision)
{
	struct emb_err err = EMB_ERR_INIT;
	size_t n1, n;
	char *one = written(t, fmt, precision, 1, &n1, &err);

	assert_non_null(one);
	for (int threads = 2; threads <= 5; threads += 3) {
		char *s = written(t, fmt, precision, threads, &n, &err);
		assert_non_null(s);
		assert_int_equal(n, n1);
		assert_memory_equal(s, one, n);
		free(s);
	}
	free(one);
}

static void test_chunk_edges(void **state)
{
	static const struct { size_t rows, dim, toklen; } cases[] = {
		{ 0, 5, 1 },           /* header only */
		{ 1, 5, 1 },           /* one partial chunk */
		{ 3, 70000, 1 },       /* a row wider than a chunk: one row per chunk */
		{ 150000, 1, 1 },      /* more rows than a chunk's row cap */
		{ 500, 40, 3000 },     /* tokens outgrow the token buffer */
		{ 5000, 13, 2 },       /* many chunks: the ring wraps */
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct emb_table *t = table(cases[i].rows, cases[i].dim, cases[i].toklen, SIZE_MAX);
		same_bytes(t, &emb_format_word2vec, -1);
		same_bytes(t, &emb_format_glove, -1);
		same_bytes(t, &emb_format_word2vec, 3);
		emb_table_free(t);
	}
}

static void test_errors_match(void **state)
{
	struct emb_err e1 = EMB_ERR_INIT, e4 = EMB_ERR_INIT;
	/* a token with a space late in the table, after several chunks went to the workers */
	struct emb_table *t = table(4000, 20, 1, 3500);
	size_t n;
	(void)state;

	assert_null(written(t, &emb_format_word2vec, -1, 1, &n, &e1));
	assert_null(written(t, &emb_format_word2vec, -1, 4, &n, &e4));
	assert_int_equal(e1.code, e4.code);
	assert_string_equal(e1.msg, e4.msg);
	assert_non_null(strstr(e4.msg, "'a b' holds a space"));
	/* a precision too large to format is refused as by the caller-thread path */
	e1 = (struct emb_err)EMB_ERR_INIT;
	e4 = (struct emb_err)EMB_ERR_INIT;
	assert_null(written(t, &emb_format_glove, 5000, 1, &n, &e1));
	assert_null(written(t, &emb_format_glove, 5000, 4, &n, &e4));
	assert_string_equal(e1.msg, e4.msg);
	emb_table_free(t);
}

static void test_abort_midway(void **state)
{
	struct emb_write_opts wo = EMB_WRITE_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = table(3000, 30, 1, SIZE_MAX);
	struct emb_rowsink w;
	struct emb_out *out;
	char path[64];
	(void)state;

	memset(&w, 0, sizeof w);
	emb_rowsink_abort(&w); /* a sink never begun */
	snprintf(path, sizeof path, "%s/abort.vec", dir);
	wo.threads = 3;
	assert_int_equal(emb_out_open(&out, path, NULL, &err), 0);
	assert_int_equal(emb_format_word2vec.rows_begin(&w, out, t->rows, t->dim, &wo, &err), 0);
	for (size_t i = 0; i < 2500; i++) {
		size_t len;
		const char *tok = emb_table_token(t, i, &len);
		assert_int_equal(w.row(&w, tok, len, emb_table_row(t, i), &err), 0);
	}
	emb_rowsink_abort(&w);
	emb_rowsink_abort(&w); /* twice is harmless */
	assert_int_equal(emb_rowsink_end(&w, &err), 0);
	emb_out_abort(out);
	emb_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunk_edges),
		cmocka_unit_test(test_errors_match),
		cmocka_unit_test(test_abort_midway),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
