/* Unit tests of lib/glove: exact 1/d counts (symmetric and left-only, line ends), spill and a
 * merge in several passes = counting in memory, record for record and in shuffled order, the
 * store's checks of its input, and the trainer's cost falling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emb_glove.h"
#include "emb_rng.h"

struct recs {
	struct emb_cooc_rec *r;
	size_t n, cap;
	uint64_t max;
};

static int rec_begin(void *ctx, uint64_t max, struct emb_err *err)
{
	(void)err;
	((struct recs *)ctx)->max = max;
	return 0;
}

static int rec_put(void *ctx, const struct emb_cooc_rec *r, struct emb_err *err)
{
	struct recs *s = ctx;

	(void)err;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->r = realloc(s->r, s->cap * sizeof *s->r);
		assert_non_null(s->r);
	}
	s->r[s->n++] = *r;
	return 0;
}

static struct emb_cooc *count(const uint32_t *ids, size_t n, size_t rows,
			      const struct emb_glove_opts *o, struct recs *out)
{
	struct emb_train_corpus *c = NULL;
	struct emb_cooc *cooc = NULL;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_cooc_sink sink = { rec_begin, rec_put, out };

	assert_int_equal(emb_train_corpus_from_ids(&c, ids, n, &err), 0);
	assert_int_equal(emb_cooc_count(&cooc, c, rows, o, &sink, &err), 0);
	emb_train_corpus_free(c);
	return cooc;
}

static void expect(const struct recs *s, size_t k, uint32_t i, uint32_t j, float x)
{
	assert_true(k < s->n);
	assert_int_equal(s->r[k].i, i);
	assert_int_equal(s->r[k].j, j);
	assert_float_equal(s->r[k].x, x, 1e-6);
}

static void test_counts_exact(void **state)
{
	/* "0 1 2" and "1 0": distance weights 1 and 1/2, no pair across the line end */
	static const uint32_t ids[] = { 0, 1, 2, EMB_TRAIN_EOS, 1, 0, EMB_TRAIN_EOS };
	struct emb_glove_opts o = EMB_GLOVE_OPTS_INIT;
	struct recs s = { 0 };
	struct emb_cooc *c;

	(void)state;
	o.window = 2;
	c = count(ids, 7, 3, &o, &s);
	assert_int_equal(s.n, 6);
	expect(&s, 0, 0, 1, 2);
	expect(&s, 1, 0, 2, 0.5f);
	expect(&s, 2, 1, 0, 2);
	expect(&s, 3, 1, 2, 1);
	expect(&s, 4, 2, 0, 0.5f);
	expect(&s, 5, 2, 1, 1);
	assert_int_equal(emb_cooc_records(c), 6);
	assert_int_equal(emb_cooc_runs(c), 0);
	emb_cooc_free(c);
	/* left context only: (left word, word) */
	s.n = 0;
	o.symmetric = false;
	c = count(ids, 7, 3, &o, &s);
	assert_int_equal(s.n, 4);
	expect(&s, 0, 0, 1, 1);
	expect(&s, 1, 0, 2, 0.5f);
	expect(&s, 2, 1, 0, 1);
	expect(&s, 3, 1, 2, 1);
	emb_cooc_free(c);
	free(s.r);
}

/* A skewed random corpus of N ids below ROWS in lines of 12. */
static uint32_t *corpus(size_t n, size_t rows)
{
	uint32_t *ids = malloc(n * sizeof *ids);
	uint64_t s = 99;

	assert_non_null(ids);
	for (size_t k = 0; k < n; k++) {
		double u = emb_rng_unit(emb_rng_splitmix64(&s), 0);
		ids[k] = k % 13 == 12 ? EMB_TRAIN_EOS : (uint32_t)(u * u * (double)rows);
	}
	return ids;
}

/* The shuffled records, group after group. */
static struct emb_cooc_rec *shuffled(struct emb_cooc *c)
{
	struct emb_cooc_rec *all = malloc(emb_cooc_records(c) * sizeof *all);
	struct emb_err err = EMB_ERR_INIT;
	size_t at = 0;

	assert_non_null(all);
	for (size_t g = 0; g < emb_cooc_groups(c); g++) {
		const struct emb_cooc_rec *r;
		size_t n;
		assert_int_equal(emb_cooc_load(c, g, &r, &n, &err), 0);
		assert_true(at + n <= emb_cooc_records(c));
		memcpy(all + at, r, n * sizeof *r);
		at += n;
	}
	assert_int_equal(at, emb_cooc_records(c));
	return all;
}

static void test_spill_same(void **state)
{
	const size_t n = 400000, rows = 4000;
	uint32_t *ids = corpus(n, rows);
	struct emb_glove_opts o = EMB_GLOVE_OPTS_INIT;
	struct recs a = { 0 }, b = { 0 };
	struct emb_cooc *ca, *cb;
	struct emb_cooc_rec *sa, *sb;

	(void)state;
	o.window = 5;
	o.seed = 17;
	ca = count(ids, n, rows, &o, &a);
	o.memory = 256 << 10; /* runs of a few thousand records: more than the fan-in */
	cb = count(ids, n, rows, &o, &b);
	assert_int_equal(emb_cooc_runs(ca), 0);
	assert_false(emb_cooc_spilled(ca));
	assert_true(emb_cooc_runs(cb) > EMB_COOC_FANIN);
	assert_true(emb_cooc_spilled(cb));
	assert_true(emb_cooc_groups(cb) > 1);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.r, b.r, a.n * sizeof *a.r);
	assert_true(a.n <= a.max && b.n <= b.max);
	for (size_t k = 1; k < a.n; k++)
		assert_true(a.r[k - 1].i < a.r[k].i || (a.r[k - 1].i == a.r[k].i && a.r[k - 1].j < a.r[k].j));
	/* the same training order, in memory or on disk */
	sa = shuffled(ca);
	sb = shuffled(cb);
	assert_memory_equal(sa, sb, a.n * sizeof *sa);
	/* and it is a shuffle: not the sorted order */
	assert_true(memcmp(sa, a.r, a.n * sizeof *sa) != 0);
	free(sa);
	free(sb);
	emb_cooc_free(ca);
	emb_cooc_free(cb);
	free(a.r);
	free(b.r);
	free(ids);
}

static void test_store_checks(void **state)
{
	struct emb_glove_opts o = EMB_GLOVE_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_cooc *c = NULL;
	struct emb_cooc_rec r1 = { 1, 2, 1 }, r0 = { 1, 1, 1 }, big = { 5, 0, 1 }, neg = { 2, 0, -1 };

	(void)state;
	assert_int_equal(emb_cooc_new(&c, 4, 2, &o, &err), 0);
	assert_int_equal(emb_cooc_add(c, &r1, &err), 0);
	assert_int_equal(emb_cooc_add(c, &r0, &err), EMB_EFORMAT);
	assert_non_null(strstr(err.msg, "out of order"));
	assert_int_equal(emb_cooc_add(c, &big, &err), EMB_EFORMAT);
	assert_int_equal(emb_cooc_add(c, &neg, &err), EMB_EFORMAT);
	emb_cooc_free(c);
}

static void test_cost_falls(void **state)
{
	const size_t n = 60000, rows = 300;
	uint32_t *ids = corpus(n, rows);
	struct emb_glove_opts o = EMB_GLOVE_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct recs s = { 0 };
	struct emb_glove *g = NULL;
	struct emb_cooc *c;
	double first;

	(void)state;
	o.dim = 16;
	o.epochs = 1;
	c = count(ids, n, rows, &o, &s);
	assert_int_equal(emb_glove_new(&g, rows, &o, &err), 0);
	assert_int_equal(emb_glove_run(g, c, &err), 0);
	first = emb_glove_cost(g);
	emb_glove_free(g);
	g = NULL;
	o.epochs = 10;
	assert_int_equal(emb_glove_new(&g, rows, &o, &err), 0);
	assert_int_equal(emb_glove_run(g, c, &err), 0);
	assert_int_equal(emb_glove_epochs_done(g), 10);
	assert_true(emb_glove_cost(g) < first * 0.95);
	assert_true(isfinite(emb_glove_cost(g)));
	emb_glove_free(g);
	emb_cooc_free(c);
	free(s.r);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_exact),
		cmocka_unit_test(test_spill_same),
		cmocka_unit_test(test_store_checks),
		cmocka_unit_test(test_cost_falls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
