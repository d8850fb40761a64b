/* Unit tests of emb_query and emb_knn_queue: batches that fill and run by themselves answer as
 * one-at-a-time searches do, answers come in query order, the out-of-vocabulary policies and
 * their warnings, non-finite rows, most_similar with negatives, doesnt_match, lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_knn.h"
#include "emb_query.h"

#define ROWS 600
#define DIM 19

static struct emb_table *tab;
static char warned[4096];

static void on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(warned + strlen(warned), sizeof warned - strlen(warned), "%s\n", msg);
}

/* Rows w0 .. w599; w3 holds a NaN, w4 an infinity, w5 is zero. */
static int setup(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	char tok[16];

	(void)state;
	if (emb_table_new(&tab, ROWS, DIM, &err) < 0)
		return -1;
	for (size_t i = 0; i < ROWS; i++) {
		int n = snprintf(tok, sizeof tok, "w%zu", i);
		if (emb_vocab_add(tab->vocab, tok, (size_t)n, ROWS - i, NULL, &err) < 0)
			return -1;
		for (size_t d = 0; d < DIM; d++)
			emb_table_row(tab, i)[d] = (float)sin((double)(i * DIM + d) * 1.618); /* no ties */
	}
	emb_table_row(tab, 3)[2] = NAN;
	emb_table_row(tab, 4)[0] = INFINITY;
	memset(emb_table_row(tab, 5), 0, DIM * sizeof(float));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	emb_table_free(tab);
	return 0;
}

static struct emb_query *make(struct emb_query_opts *o)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_query *q = NULL;

	o->warn = on_warn;
	warned[0] = 0;
	assert_int_equal(emb_query_new(&q, tab, o, &err), 0);
	return q;
}

static int add(struct emb_query *q, const char *s, struct emb_err *err)
{
	return emb_query_add(q, s, strlen(s), "<test>", 1, err);
}

/* The best I + 1 rows of row R's vector: what query I excludes, so exclusion shows. */
static void top_rows(struct emb_knn *ix, size_t r, size_t i, size_t *excl)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_knn_hit h[4];
	size_t nh;
	float v[DIM];
	struct emb_knn_batch b = { .q = v, .nq = 1, .method = EMB_KNN_COSINE, .npos = 1, .k = 4 };

	emb_knn_unit(v, emb_table_row(tab, r), DIM);
	assert_int_equal(emb_knn_search(ix, &b, h, &nh, &err), 0);
	for (size_t n = 0; n <= i; n++)
		excl[n] = h[n].row;
}

/* A queue of 3 runs by itself when full; every query's hits equal a search of it alone,
 * whatever the number of rows each excludes. */
static void test_queue_batches(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_knn *ix;
	struct emb_knn_queue *qq;
	struct emb_knn_hit alone[8];
	size_t nalone, excl[4];

	(void)state;
	assert_int_equal(emb_knn_new(&ix, tab->data, ROWS, DIM, 2, &err), 0);
	assert_int_equal(emb_knn_queue_new(&qq, ix, EMB_KNN_COSINE, 1, 0, 8, 3, &err), 0);
	assert_int_equal(emb_knn_queue_cap(qq), 3);
	for (size_t round = 0; round < 3; round++) {
		for (size_t i = 0; i < 3; i++) {
			size_t row = 10 + round * 3 + i;
			emb_knn_unit(emb_knn_queue_slot(qq), emb_table_row(tab, row), DIM);
			top_rows(ix, row, 2 - i, excl);
			assert_int_equal(emb_knn_queue_add(qq, excl, 3 - i, &err), i == 2);
		}
		assert_false(emb_knn_queue_searched(qq));
		assert_int_equal(emb_knn_queue_run(qq, &err), 0);
		for (size_t i = 0; i < 3; i++) {
			size_t row = 10 + round * 3 + i, nh;
			float v[DIM];
			const struct emb_knn_hit *h = emb_knn_queue_hits(qq, i, &nh);
			struct emb_knn_batch b = { .q = v, .nq = 1, .method = EMB_KNN_COSINE,
						   .npos = 1, .exclude = excl, .nexclude = 3 - i, .k = 8 };
			emb_knn_unit(v, emb_table_row(tab, row), DIM);
			top_rows(ix, row, 2 - i, excl);
			assert_int_equal(emb_knn_search(ix, &b, alone, &nalone, &err), 0);
			assert_int_equal(nh, nalone);
			for (size_t n = 0; n < nh; n++) {
				assert_int_equal(h[n].row, alone[n].row);
				assert_true(h[n].score == alone[n].score);
				for (size_t e = 0; e < 3 - i; e++)
					assert_int_not_equal(h[n].row, excl[e]);
			}
		}
		emb_knn_queue_clear(qq);
		assert_int_equal(emb_knn_queue_len(qq), 0);
	}
	emb_knn_queue_free(qq);
	emb_knn_free(ix);
}

/* 2500 nn queries (a few batches): answers in query order, the query word never among them,
 * no non-finite row ever returned. */
static void test_nn_order(void **state)
{
	struct emb_query_opts o = EMB_QUERY_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_query_result r;
	struct emb_query *q;
	size_t asked = 0, answered = 0;
	char line[32];

	(void)state;
	o.k = 2000; /* batches of 1024 queries */
	q = make(&o);
	for (size_t i = 0; i < 2500; i++) {
		size_t row = 6 + i % (ROWS - 6);
		snprintf(line, sizeof line, "w%zu", row);
		assert_int_equal(add(q, line, &err), 0);
		asked++;
		while (emb_query_next(q, &r) == 0) {
			char want[32];
			snprintf(want, sizeof want, "w%zu", 6 + answered % (ROWS - 6));
			assert_int_equal(r.query_len, strlen(want));
			assert_memory_equal(r.query, want, r.query_len);
			assert_int_equal(r.n, ROWS - 3); /* all but itself, w3 and w4 */
			for (size_t j = 0; j < r.n; j++) {
				assert_false(r.item[j].len == strlen(want) &&
					     memcmp(r.item[j].word, want, r.item[j].len) == 0);
				assert_false(r.item[j].len == 2 && (memcmp(r.item[j].word, "w3", 2) == 0 ||
								    memcmp(r.item[j].word, "w4", 2) == 0));
				assert_true(isfinite(r.item[j].score));
			}
			answered++;
		}
	}
	assert_true(answered > 0 && answered < asked);
	assert_int_equal(emb_query_run(q, &err), 0);
	while (emb_query_next(q, &r) == 0)
		answered++;
	assert_int_equal(answered, asked);
	emb_query_free(q);
}

/* error: EMB_EFORMAT naming the word; skip: a warning, no answer; zero: a warning, zeros. */
static void test_oov_and_nonfinite(void **state)
{
	struct emb_query_opts o = EMB_QUERY_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_query_result r;
	struct emb_query *q;

	(void)state;
	o.kind = EMB_QUERY_SIM;
	q = make(&o);
	assert_int_equal(add(q, "w1 nope", &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "'nope' is not in the vocabulary");
	assert_int_equal(add(q, "w4 w1", &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "'w4' has a non-finite vector (row 5)");
	assert_int_equal(add(q, "w1 w5", &err), 0);
	assert_int_equal(emb_query_next(q, &r), 0);
	assert_true(r.similarity == 0); /* a zero row has no direction */
	emb_query_free(q);

	o.oov = EMB_OOV_SKIP;
	q = make(&o);
	assert_int_equal(add(q, "w3 w1", &err), 0);
	assert_int_equal(emb_query_next(q, &r), EMB_EOF);
	assert_string_equal(warned, "'w3' has a non-finite vector (row 4): skipped\n");
	emb_query_free(q);

	o.oov = EMB_OOV_ZERO;
	q = make(&o);
	assert_int_equal(add(q, "w3 w1", &err), 0);
	assert_int_equal(emb_query_next(q, &r), 0);
	assert_true(r.similarity == 0);
	assert_string_equal(warned, "'w3' has a non-finite vector (row 4): using a zero vector\n");
	emb_query_free(q);

	o.kind = EMB_QUERY_VEC; /* vec gives what is stored */
	o.oov = EMB_OOV_ERROR;
	q = make(&o);
	assert_int_equal(add(q, "w3", &err), 0);
	assert_int_equal(emb_query_next(q, &r), 0);
	assert_int_equal(r.n, 1);
	assert_true(isnan(r.item[0].vec[2]));
	emb_query_free(q);
}

static double cos_d(const double *a, const float *b)
{
	double ab = 0, aa = 0, bb = 0;

	for (size_t d = 0; d < DIM; d++) {
		ab += a[d] * b[d];
		aa += a[d] * a[d];
		bb += (double)b[d] * b[d];
	}
	return ab / sqrt(aa * bb);
}

/* most_similar(positive=[w10, w11], negative=[w12]) by brute force. */
static void test_negatives(void **state)
{
	static const char *const neg[] = { "w12" };
	struct emb_query_opts o = EMB_QUERY_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_query_result r;
	struct emb_query *q;
	double mean[DIM] = { 0 }, best = -2;
	size_t best_row = 0;

	(void)state;
	for (int j = 0; j < 3; j++) {
		const float *v = emb_table_row(tab, (size_t)(10 + j));
		double n = 0;
		for (size_t d = 0; d < DIM; d++)
			n += (double)v[d] * v[d];
		for (size_t d = 0; d < DIM; d++)
			mean[d] += (j == 2 ? -1 : 1) * v[d] / sqrt(n);
	}
	for (size_t i = 6; i < ROWS; i++) {
		double c = cos_d(mean, emb_table_row(tab, i));
		if (i != 10 && i != 11 && i != 12 && c > best)
			best = c, best_row = i;
	}
	o.k = 3;
	o.negative = neg;
	o.nnegative = 1;
	q = make(&o);
	assert_int_equal(add(q, " w10  w11 ", &err), 0);
	assert_int_equal(emb_query_run(q, &err), 0);
	assert_int_equal(emb_query_next(q, &r), 0);
	assert_int_equal(r.query_len, 8);
	assert_memory_equal(r.query, "w10  w11", 8);
	assert_int_equal(r.n, 3);
	assert_true(fabs(r.item[0].score - best) < 1e-6);
	assert_int_equal(emb_table_find(tab, r.item[0].word, r.item[0].len), (long)best_row);
	emb_query_free(q);
}

/* doesnt_match: ascending cosine to the normalised mean of the unit vectors. */
static void test_doesnt_match(void **state)
{
	struct emb_query_opts o = EMB_QUERY_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_query_result r;
	struct emb_query *q;

	(void)state;
	o.kind = EMB_QUERY_DOESNT_MATCH;
	o.oov = EMB_OOV_SKIP;
	q = make(&o);
	assert_int_equal(add(q, "w20 w21 nope w22 w23 w20", &err), 0);
	assert_int_equal(emb_query_next(q, &r), 0);
	assert_int_equal(r.n, 5);
	for (size_t j = 0; j + 1 < r.n; j++)
		assert_true(r.item[j].score <= r.item[j + 1].score);
	assert_string_equal(warned, "'nope' is not in the vocabulary: skipped\n");
	assert_int_equal(add(q, "nope", &err), 0);
	assert_int_equal(emb_query_next(q, &r), EMB_EOF);
	o.strict = true;
	emb_query_free(q);
	q = make(&o);
	assert_int_equal(add(q, "", &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "<test>:1: empty query");
	emb_query_free(q);
}

/* lookup: rows, padding zeros, ids out of range and not ids. */
static void test_lookup(void **state)
{
	struct emb_query_opts o = EMB_QUERY_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_query_result r;
	struct emb_query *q;

	(void)state;
	o.kind = EMB_QUERY_LOOKUP;
	o.padding_idx = 2;
	q = make(&o);
	assert_int_equal(add(q, "1 2 599", &err), 0);
	assert_int_equal(emb_query_next(q, &r), 0);
	assert_int_equal(r.n, 3);
	assert_memory_equal(r.item[0].vec, emb_table_row(tab, 1), DIM * sizeof(float));
	assert_true(r.item[1].vec[0] == 0 && r.item[1].vec[DIM - 1] == 0);
	assert_int_equal(add(q, "600", &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "id 600 is out of range (the table has 600 rows)");
	assert_int_equal(add(q, "1 -2", &err), 0);
	assert_string_equal(warned, "<test>:1: '-2' is not an id (line skipped)\n");
	assert_int_equal(add(q, "18446744073709551616", &err), 0); /* 2^64 */
	assert_int_equal(emb_query_next(q, &r), EMB_EOF);
	emb_query_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_batches),
		cmocka_unit_test(test_nn_order),
		cmocka_unit_test(test_oov_and_nonfinite),
		cmocka_unit_test(test_negatives),
		cmocka_unit_test(test_doesnt_match),
		cmocka_unit_test(test_lookup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
