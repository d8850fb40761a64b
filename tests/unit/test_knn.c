/* Unit tests of emb_knn: both search paths against a brute-force reference, ties, exclusions,
 * restriction, zero rows, 3CosMul, threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "emb_knn.h"

#define ROWS 3000 /* not a multiple of the tile size */
#define DIM 37    /* not a multiple of the vector width */

static float *table;

static uint64_t rng = 88172645463325252ull;
static float frand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (float)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static int setup(void **state)
{
	(void)state;
	table = malloc(sizeof *table * ROWS * DIM);
	for (size_t i = 0; i < (size_t)ROWS * DIM; i++)
		table[i] = frand();
	memset(table + 7 * DIM, 0, DIM * sizeof *table); /* row 7 is a zero row */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(table);
	return 0;
}

/* Score of row r for query q (unit) by the reference formula in double. */
static double ref_score(const float *q, size_t r, int method, size_t npos, size_t nneg)
{
	if (method == EMB_KNN_COSINE)
		return emb_knn_cosine(table + r * DIM, q, DIM);
	double p = 1, d = 1;
	for (size_t j = 0; j < npos; j++)
		p *= (1 + emb_knn_cosine(table + r * DIM, q + j * DIM, DIM)) / 2;
	for (size_t j = 0; j < nneg; j++)
		d *= (1 + emb_knn_cosine(table + r * DIM, q + (npos + j) * DIM, DIM)) / 2;
	return p / (d + 1e-6);
}

/* Check hits of one query against brute force over the first `limit` rows. */
static void check_query(const float *q, int method, size_t npos, size_t nneg, size_t limit,
			const size_t *excl, size_t nexcl, const struct emb_knn_hit *h, size_t n,
			size_t k)
{
	double *s = malloc(limit * sizeof *s);
	size_t eligible = 0;

	for (size_t r = 0; r < limit; r++) {
		bool ex = false;
		for (size_t e = 0; e < nexcl; e++)
			ex |= excl[e] == r;
		s[r] = ex ? -INFINITY : ref_score(q, r, method, npos, nneg);
		eligible += !ex;
	}
	assert_int_equal(n, k < eligible ? k : eligible);
	for (size_t i = 0; i < n; i++) {
		assert_true(h[i].row < limit);
		assert_true(fabs(h[i].score - s[h[i].row]) < 1e-5);
		if (i)
			assert_true(h[i].score <= h[i - 1].score);
		/* nothing outside the answer beats the last hit (beyond rounding) */
		size_t better = 0;
		for (size_t r = 0; r < limit; r++)
			better += s[r] > h[i].score + 1e-5;
		assert_true(better <= i);
	}
	free(s);
}

static void make_queries(float *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t d = 0; d < DIM; d++)
			q[i * DIM + d] = frand();
		emb_knn_unit(q + i * DIM, q + i * DIM, DIM);
	}
}

static void run_batch(int threads, size_t nq, size_t k, size_t limit)
{
	struct emb_knn *ix;
	struct emb_err err = EMB_ERR_INIT;
	float *q = malloc(nq * DIM * sizeof *q);
	struct emb_knn_hit *h = malloc(nq * k * sizeof *h);
	size_t *nh = malloc(nq * sizeof *nh);
	struct emb_knn_batch b = { .nq = nq, .method = EMB_KNN_COSINE, .npos = 1, .k = k };

	make_queries(q, nq);
	b.q = q;
	assert_int_equal(emb_knn_new(&ix, table, ROWS, DIM, threads, &err), 0);
	emb_knn_restrict(ix, limit);
	assert_int_equal(emb_knn_search(ix, &b, h, nh, &err), 0);
	for (size_t i = 0; i < nq; i++)
		check_query(q + i * DIM, EMB_KNN_COSINE, 1, 0, limit ? limit : ROWS, NULL, 0,
			    h + i * k, nh[i], k);
	emb_knn_free(ix);
	free(q);
	free(h);
	free(nh);
}

static void test_single_query_scan(void **state)
{
	(void)state;
	run_batch(1, 1, 10, 0);
	run_batch(2, 3, 5, 0);
}

static void test_batch_gemm(void **state)
{
	(void)state;
	run_batch(1, 40, 10, 0);
	run_batch(2, 300, 3, 0); /* more than one query block */
}

static void test_restrict_and_large_k(void **state)
{
	(void)state;
	run_batch(2, 1, 50, 100);
	run_batch(2, 20, 500, 100); /* k beyond the rows searched: all of them, ranked */
}

/* The same queries give bit-identical answers on 1 and 2 threads. */
static void test_threads_identical(void **state)
{
	struct emb_knn *a, *b2;
	struct emb_err err = EMB_ERR_INIT;
	enum { NQ = 30, K = 8 };
	float q[NQ * DIM];
	struct emb_knn_hit h1[NQ * K], h2[NQ * K];
	size_t n1[NQ], n2[NQ];
	struct emb_knn_batch b = { .q = q, .nq = NQ, .method = EMB_KNN_COSINE, .npos = 1, .k = K };
	(void)state;

	make_queries(q, NQ);
	assert_int_equal(emb_knn_new(&a, table, ROWS, DIM, 1, &err), 0);
	assert_int_equal(emb_knn_new(&b2, table, ROWS, DIM, 2, &err), 0);
	assert_int_equal(emb_knn_search(a, &b, h1, n1, &err), 0);
	assert_int_equal(emb_knn_search(b2, &b, h2, n2, &err), 0);
	assert_memory_equal(n1, n2, sizeof n1);
	for (size_t i = 0; i < NQ * K; i++) {
		assert_int_equal(h1[i].row, h2[i].row);
		assert_true(h1[i].score == h2[i].score);
	}
	emb_knn_free(a);
	emb_knn_free(b2);
}

/* A row's own vector finds itself first unless excluded; excluded rows never come back. */
static void test_exclude(void **state)
{
	struct emb_knn *ix;
	struct emb_err err = EMB_ERR_INIT;
	float q[2 * DIM];
	size_t ex[2 * 2] = { 42, EMB_KNN_NONE, 42, 43 };
	struct emb_knn_hit h[2 * 5];
	size_t nh[2];
	struct emb_knn_batch b = { .q = q, .nq = 2, .method = EMB_KNN_COSINE, .npos = 1, .k = 5 };
	(void)state;

	emb_knn_unit(q, table + 42 * DIM, DIM);
	emb_knn_unit(q + DIM, table + 42 * DIM, DIM);
	assert_int_equal(emb_knn_new(&ix, table, ROWS, DIM, 2, &err), 0);
	assert_int_equal(emb_knn_search(ix, &b, h, nh, &err), 0);
	assert_int_equal(h[0].row, 42);
	assert_true(fabsf(h[0].score - 1.0f) < 1e-6f);
	b.exclude = ex;
	b.nexclude = 2;
	assert_int_equal(emb_knn_search(ix, &b, h, nh, &err), 0);
	for (size_t i = 0; i < 5; i++) {
		assert_int_not_equal(h[i].row, 42);
		assert_int_not_equal(h[5 + i].row, 42);
		assert_int_not_equal(h[5 + i].row, 43);
	}
	check_query(q, EMB_KNN_COSINE, 1, 0, ROWS, ex, 2, h, nh[0], 5);
	check_query(q + DIM, EMB_KNN_COSINE, 1, 0, ROWS, ex + 2, 2, h + 5, nh[1], 5);
	emb_knn_free(ix);
}

/* A zero row scores 0 (not NaN) and is ranked by that; a zero query scores 0 everywhere with
 * ties broken by row number. */
static void test_zero_rows(void **state)
{
	struct emb_knn *ix;
	struct emb_err err = EMB_ERR_INIT;
	float q[DIM] = { 0 };
	struct emb_knn_hit h[ROWS];
	size_t nh;
	struct emb_knn_batch b = { .q = q, .nq = 1, .method = EMB_KNN_COSINE, .npos = 1, .k = ROWS };
	(void)state;

	assert_int_equal(emb_knn_new(&ix, table, ROWS, DIM, 2, &err), 0);
	assert_int_equal(emb_knn_search(ix, &b, h, &nh, &err), 0);
	assert_int_equal(nh, ROWS);
	for (size_t i = 0; i < ROWS; i++) {
		assert_true(h[i].score == 0.0f);
		assert_int_equal(h[i].row, i);
	}
	make_queries(q, 1);
	for (int pass = 0; pass < 2; pass++) { /* scan, then sgemm (forced by a batch of 5) */
		float q5[5 * DIM];
		struct emb_knn_hit h5[5 * ROWS];
		size_t n5[5];
		for (int i = 0; i < 5; i++)
			memcpy(q5 + i * DIM, q, sizeof q);
		b.q = pass ? q5 : q;
		b.nq = pass ? 5 : 1;
		assert_int_equal(emb_knn_search(ix, &b, h5, n5, &err), 0);
		for (size_t i = 0; i < ROWS; i++) {
			assert_false(isnan(h5[i].score));
			if (h5[i].row == 7)
				assert_true(h5[i].score == 0.0f);
		}
	}
	assert_float_equal(emb_knn_cosine(table, table + 7 * DIM, DIM), 0.0, 0.0);
	emb_knn_free(ix);
}

static void test_cosmul(void **state)
{
	struct emb_knn *ix;
	struct emb_err err = EMB_ERR_INIT;
	enum { NQ = 7, K = 6 };
	float q[NQ * 3 * DIM];
	struct emb_knn_hit h[NQ * K];
	size_t nh[NQ];
	struct emb_knn_batch b = { .q = q, .nq = 1, .method = EMB_KNN_COSMUL, .npos = 2, .nneg = 1,
				   .k = K };
	(void)state;

	make_queries(q, NQ * 3);
	assert_int_equal(emb_knn_new(&ix, table, ROWS, DIM, 2, &err), 0);
	assert_int_equal(emb_knn_search(ix, &b, h, nh, &err), 0); /* 3 vectors: scan path */
	check_query(q, EMB_KNN_COSMUL, 2, 1, ROWS, NULL, 0, h, nh[0], K);
	b.nq = NQ; /* 21 vectors: sgemm path */
	assert_int_equal(emb_knn_search(ix, &b, h, nh, &err), 0);
	for (size_t i = 0; i < NQ; i++)
		check_query(q + i * 3 * DIM, EMB_KNN_COSMUL, 2, 1, ROWS, NULL, 0, h + i * K, nh[i], K);
	emb_knn_free(ix);
}

static void test_bad_batch(void **state)
{
	struct emb_knn *ix;
	struct emb_err err = EMB_ERR_INIT;
	float q[DIM] = { 1 };
	struct emb_knn_hit h[1];
	size_t nh;
	struct emb_knn_batch b = { .q = q, .nq = 1, .method = EMB_KNN_COSINE, .npos = 1, .k = 0 };
	(void)state;

	assert_int_equal(emb_knn_new(&ix, table, ROWS, DIM, 1, &err), 0);
	assert_int_equal(emb_knn_search(ix, &b, h, &nh, &err), EMB_EINVAL);
	assert_non_null(strstr(err.msg, "at least 1"));
	b.k = 1;
	b.method = EMB_KNN_COSMUL;
	b.npos = 0;
	assert_int_equal(emb_knn_search(ix, &b, h, &nh, &err), EMB_EINVAL);
	emb_knn_free(ix);
	emb_knn_free(NULL);
}

static void test_empty_table(void **state)
{
	struct emb_knn *ix;
	struct emb_err err = EMB_ERR_INIT;
	float q[DIM] = { 1 };
	struct emb_knn_hit h[3];
	size_t nh = 99;
	struct emb_knn_batch b = { .q = q, .nq = 1, .method = EMB_KNN_COSINE, .npos = 1, .k = 3 };
	(void)state;

	assert_int_equal(emb_knn_new(&ix, table, 0, DIM, 2, &err), 0);
	assert_int_equal(emb_knn_search(ix, &b, h, &nh, &err), 0);
	assert_int_equal(nh, 0);
	emb_knn_free(ix);
}

/* B - A + C, unit length, for 3CosAdd; B, C, A as they are for 3CosMul. */
static void test_analogy_query(void **state)
{
	const float u[6] = { 1, 0, 0, 1, 0.6f, 0.8f }; /* A, B, C in 2 dimensions */
	float v[6];
	(void)state;

	assert_int_equal(emb_knn_analogy(v, u, 2, EMB_KNN_COSINE), 1);
	/* (-1 + 0.6, 1 + 0.8) = (-0.4, 1.8) / |.| */
	assert_float_equal(v[0], -0.4 / sqrt(0.16 + 3.24), 1e-6);
	assert_float_equal(v[1], 1.8 / sqrt(0.16 + 3.24), 1e-6);
	assert_int_equal(emb_knn_analogy(v, u, 2, EMB_KNN_COSMUL), 3);
	assert_memory_equal(v, u + 2, 4 * sizeof *v);
	assert_memory_equal(v + 4, u, 2 * sizeof *v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_query_scan),
		cmocka_unit_test(test_batch_gemm),
		cmocka_unit_test(test_restrict_and_large_k),
		cmocka_unit_test(test_threads_identical),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_zero_rows),
		cmocka_unit_test(test_cosmul),
		cmocka_unit_test(test_bad_batch),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_analogy_query),
	};
	return cmocka_run_group_tests_name("knn", tests, setup, teardown);
}
