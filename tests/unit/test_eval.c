/* Unit tests of emb_eval: correlations, upper-casing, analogy and word-pair evaluation on a
 * hand-built table whose answers are known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_eval.h"
#include "emb_knn.h"

static struct emb_table *tab;
static int warnings;
static char last_warning[1024];

static void on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	warnings++;
	snprintf(last_warning, sizeof last_warning, "%s", msg);
}

/*
 * man - woman + king lands on queen; paris/france/rome/italy likewise; "King" is a case
 * variant after "king" (so it stands for row 2 when folding); "big"/"bigger"/"small"/"smaller"
 * for a syntactic section; "zero" is an all-zero row.
 */
static const struct { const char *tok; float v[5]; } rows[] = {
	{ "man",     { 1, 0, 0, 0, 0 } },
	{ "woman",   { 0, 1, 0, 0, 0 } },
	{ "king",    { 1, 0, 1, 0, 0 } },
	{ "queen",   { 0, 1, 1, 0, 0 } },
	{ "King",    { 1, 0, 1.1f, 0, 0.05f } },
	{ "paris",   { 0, 0, 0, 1, 1 } },
	{ "france",  { 0, 0, 0, 1, 0 } },
	{ "rome",    { 0.5f, 0, 0, 0, 1 } },
	{ "italy",   { 0.5f, 0, 0, 0, 0 } },
	{ "big",     { 0, 0, 1, 0, 0.2f } },
	{ "bigger",  { 0, 0, 1, 1, 0.2f } },
	{ "small",   { 0, 0.2f, 0, 0, 1 } },
	{ "smaller", { 0, 0.2f, 0, 1, 1 } },
	{ "zero",    { 0, 0, 0, 0, 0 } },
};
#define NROWS (sizeof rows / sizeof rows[0])

static int setup(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	if (emb_table_new(&tab, NROWS, 5, &err) < 0)
		return -1;
	for (size_t i = 0; i < NROWS; i++) {
		memcpy(emb_table_row(tab, i), rows[i].v, sizeof rows[i].v);
		if (emb_vocab_add(tab->vocab, rows[i].tok, strlen(rows[i].tok), NROWS - i, NULL, &err))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	emb_table_free(tab);
	return 0;
}

static int run_analogy(struct emb_eval_analogy_report *r, const char *text,
		       const struct emb_eval_opts *o, struct emb_err *err)
{
	struct emb_stream *in;
	int rc;

	assert_int_equal(emb_stream_open_mem(&in, "q.txt", text, strlen(text), err), 0);
	rc = emb_eval_analogy(r, tab, in, o, err);
	emb_stream_abort(in);
	return rc;
}

static int run_pairs(struct emb_eval_pairs_report *r, const char *text,
		     const struct emb_eval_opts *o, struct emb_err *err)
{
	struct emb_stream *in;
	int rc;

	assert_int_equal(emb_stream_open_mem(&in, "p.tsv", text, strlen(text), err), 0);
	rc = emb_eval_pairs(r, tab, in, o, err);
	emb_stream_abort(in);
	return rc;
}

static void test_pearson_spearman(void **state)
{
	static const double x[] = { 1, 2, 3, 4, 5 };
	static const double y[] = { 2, 4, 6, 8, 10.5 };
	static const double z[] = { 5, 6, 7, 8, 7 };
	static const double c[] = { 3, 3, 3, 3, 3 };
	struct emb_err err = EMB_ERR_INIT;
	double rho;
	(void)state;

	assert_true(emb_eval_pearson(x, y, 5) > 0.99 && emb_eval_pearson(x, y, 5) < 1);
	assert_int_equal(emb_eval_spearman(&rho, x, y, 5, &err), 0);
	assert_float_equal(rho, 1.0, 1e-12);
	/* z ranks 1 2 3.5 5 3.5: rho = 0.82078268166812329 (scipy.stats.spearmanr) */
	assert_int_equal(emb_eval_spearman(&rho, x, z, 5, &err), 0);
	assert_float_equal(rho, 0.82078268166812329, 1e-12);
	/* pearson(x, z) = 0.8320502943378436 (scipy.stats.pearsonr) */
	assert_float_equal(emb_eval_pearson(x, z, 5), 0.8320502943378436, 1e-12);
	assert_true(isnan(emb_eval_pearson(x, c, 5)));
	assert_true(isnan(emb_eval_pearson(x, y, 1)));
}

static void test_upper(void **state)
{
	size_t n;
	char *s;
	(void)state;

	s = emb_eval_upper("caf\xc3\xa9-x1", 8, &n);
	assert_string_equal(s, "CAF\xc3\x89-X1");
	assert_int_equal(n, 8);
	free(s);
	s = emb_eval_upper("a\xff" "b", 3, &n); /* invalid UTF-8 kept byte for byte */
	assert_int_equal(n, 3);
	assert_memory_equal(s, "A\xff" "B", 3);
	free(s);
}

static void test_analogy_sections(void **state)
{
	static const char text[] =
		": capital-common\n"
		"man woman king queen\n"
		"france paris italy rome\n"
		"MAN WOMAN KING QUEEN\n"   /* folded: the same question */
		"man woman king nosuch\n"  /* OOV */
		"man woman king\n"         /* malformed: skipped with a warning */
		"\n"
		": gram2-comparative\n"
		"big bigger small smaller\n"
		"big bigger small queen\n"; /* wrong answer */
	struct emb_eval_opts o = EMB_EVAL_OPTS_INIT;
	struct emb_eval_analogy_report r;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	o.warn = on_warn;
	warnings = 0;
	assert_int_equal(run_analogy(&r, text, &o, &err), 0);
	assert_int_equal(r.nsec, 2);
	assert_string_equal(r.sec[0].name, "capital-common");
	assert_false(r.sec[0].syntactic);
	assert_true(r.sec[1].syntactic);
	assert_int_equal(r.questions, 6);
	assert_int_equal(r.oov, 1);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(warnings, 1);
	assert_string_equal(last_warning, "q.txt:6: expected 4 words (A B C D), found 3");
	assert_int_equal(r.sec[0].asked, 3);
	assert_int_equal(r.sec[0].correct, 3);
	assert_int_equal(r.sec[1].asked, 2);
	assert_int_equal(r.sec[1].correct, 1);
	assert_int_equal(r.sem_correct, 3);
	assert_int_equal(r.syn_asked, 2);
	assert_int_equal(r.correct, 4);
	assert_int_equal(r.asked, 5);
	emb_eval_analogy_release(&r);

	/* case-sensitive: the upper-case question is OOV */
	o.case_sensitive = true;
	assert_int_equal(run_analogy(&r, text, &o, &err), 0);
	assert_int_equal(r.oov, 2);
	assert_int_equal(r.asked, 4);
	emb_eval_analogy_release(&r);

	/* 3CosMul finds the same answers here */
	o.case_sensitive = false;
	o.method = EMB_KNN_COSMUL;
	assert_int_equal(run_analogy(&r, text, &o, &err), 0);
	assert_int_equal(r.correct, 4);
	emb_eval_analogy_release(&r);

	/* restricted to the first 4 rows, paris & co. are OOV */
	o.method = EMB_KNN_COSINE;
	o.restrict_rows = 4;
	assert_int_equal(run_analogy(&r, text, &o, &err), 0);
	assert_int_equal(r.oov, 4);
	assert_int_equal(r.asked, 2);
	emb_eval_analogy_release(&r);

	o.restrict_rows = 0;
	o.strict = true;
	assert_int_equal(run_analogy(&r, text, &o, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "q.txt:6: expected 4 words (A B C D), found 3");
	emb_eval_analogy_release(&r);
}

/* The prediction skips case variants of the inputs: King (a variant of king) is excluded. */
static void test_analogy_case_variant_skipped(void **state)
{
	static const char text[] = ": s\nman man king King\n";
	struct emb_eval_opts o = EMB_EVAL_OPTS_INIT;
	struct emb_eval_analogy_report r;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	/* folded, "King" stands for row 2 (king), an input: never the prediction */
	assert_int_equal(run_analogy(&r, text, &o, &err), 0);
	assert_int_equal(r.asked, 1);
	assert_int_equal(r.correct, 0);
	emb_eval_analogy_release(&r);
	o.case_sensitive = true; /* now King is its own word and the nearest to king */
	assert_int_equal(run_analogy(&r, text, &o, &err), 0);
	assert_int_equal(r.correct, 1);
	emb_eval_analogy_release(&r);
}

static void test_analogy_not_a_file(void **state)
{
	struct emb_eval_opts o = EMB_EVAL_OPTS_INIT;
	struct emb_eval_analogy_report r;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(run_analogy(&r, "man\twoman\t3.5\n", &o, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "q.txt:1: not an analogy file: expected a ': SECTION' line "
				     "before the first question");
	emb_eval_analogy_release(&r);
	assert_int_equal(run_analogy(&r, "", &o, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "q.txt: not an analogy file: no question lines of four words");
	emb_eval_analogy_release(&r);
	emb_eval_analogy_release(NULL);
}

static void test_pairs(void **state)
{
	static const char tsv[] =
		"# comment\n"
		"Word 1\tWord 2\tHuman (mean)\n"
		"king\tqueen\t8.5\n"
		"man\twoman\t8.0\n"
		"king\tapple\t1.0\n"        /* OOV */
		"paris\tfrance\t 9.1 \r\n"  /* spaces and CR around the score are fine */
		"big\tzero\t0.5\n"          /* zero row: similarity 0 */
		"man\tking\tlots\n"         /* malformed */
		"small\tsmaller\t7\n";
	struct emb_eval_opts o = EMB_EVAL_OPTS_INIT;
	struct emb_eval_pairs_report r;
	struct emb_err err = EMB_ERR_INIT;
	double gold[] = { 8.5, 8.0, 9.1, 0.5, 7 }, model[5], expect;
	(void)state;

	o.warn = on_warn;
	warnings = 0;
	assert_int_equal(run_pairs(&r, tsv, &o, &err), 0);
	assert_int_equal(r.pairs, 5);
	assert_int_equal(r.oov, 1);
	assert_int_equal(r.skipped, 2); /* header and the malformed line */
	assert_int_equal(warnings, 1);
	assert_string_equal(last_warning, "p.tsv:8: the score is not a number");
	model[0] = emb_knn_cosine(emb_table_row(tab, 2), emb_table_row(tab, 3), 5);
	model[1] = emb_knn_cosine(emb_table_row(tab, 0), emb_table_row(tab, 1), 5);
	model[2] = emb_knn_cosine(emb_table_row(tab, 5), emb_table_row(tab, 6), 5);
	model[3] = 0;
	model[4] = emb_knn_cosine(emb_table_row(tab, 11), emb_table_row(tab, 12), 5);
	assert_float_equal(r.pearson, emb_eval_pearson(gold, model, 5), 1e-12);
	assert_int_equal(emb_eval_spearman(&expect, gold, model, 5, &err), 0);
	assert_float_equal(r.spearman, expect, 1e-12);

	/* the same as CSV with a quoted field */
	assert_int_equal(run_pairs(&r, "\"king\",queen,8.5\nman,woman,8.0\nparis,france,9.1\n"
				   "big,zero,0.5\nsmall,smaller,7\n", &o, &err), 0);
	assert_int_equal(r.pairs, 5);
	assert_float_equal(r.pearson, emb_eval_pearson(gold, model, 5), 1e-12);

	/* a bad line before the first pair is reported once a pair shows it is a pair file */
	warnings = 0;
	assert_int_equal(run_pairs(&r, "a b c\nx\ny\nking\tqueen\t1\nman\twoman\t2\n", &o, &err), 0);
	assert_int_equal(r.pairs, 2);
	assert_int_equal(r.skipped, 3);
	assert_int_equal(warnings, 1);
	assert_string_equal(last_warning, "p.tsv:1: expected 3 fields (word, word, score), found 1 "
					  "(and more lines before the first pair)");

	o.strict = true;
	assert_int_equal(run_pairs(&r, tsv, &o, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "p.tsv:8: the score is not a number");
}

static void test_pairs_not_a_file(void **state)
{
	struct emb_eval_opts o = EMB_EVAL_OPTS_INIT;
	struct emb_eval_pairs_report r;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(run_pairs(&r, ": capital\nman woman king queen\n", &o, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "p.tsv:1: not a word-pair file: no lines of 'word, word, score' "
				     "(expected 3 fields (word, word, score), found 1)");
	assert_int_equal(run_pairs(&r, "", &o, &err), EMB_EFORMAT);
	/* all pairs out of the vocabulary: a result with no correlation, not an error */
	assert_int_equal(run_pairs(&r, "foo\tbar\t1\n", &o, &err), 0);
	assert_int_equal(r.oov, 1);
	assert_true(isnan(r.spearman));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pearson_spearman),
		cmocka_unit_test(test_upper),
		cmocka_unit_test(test_analogy_sections),
		cmocka_unit_test(test_analogy_case_variant_skipped),
		cmocka_unit_test(test_analogy_not_a_file),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_pairs_not_a_file),
	};
	return cmocka_run_group_tests_name("eval", tests, setup, teardown);
}
