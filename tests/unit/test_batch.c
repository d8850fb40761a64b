/* Unit tests of emb_batch: one batch against a naive reference, the batcher's cutting rules, id parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "emb_batch.h"

#define MAXSEQ 80
#define MAXLEN 12

/* pack_padded_sequence by its definition: stable longest-first order, then step by step. */
static void check_against_reference(const struct emb_batch *b, int32_t seq[][MAXLEN],
				    const size_t *len, size_t n, int32_t pad)
{
	size_t order[MAXSEQ], T = 0, k = 0;

	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		T = len[i] > T ? len[i] : T;
	}
	for (size_t i = 1; i < n; i++) /* insertion sort: stable */
		for (size_t j = i; j > 0 && len[order[j]] > len[order[j - 1]]; j--) {
			size_t x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	assert_int_equal(b->n, n);
	assert_int_equal(b->maxlen, T);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(b->lengths[i], len[i]);
		assert_int_equal(b->sorted[i], order[i]);
		assert_int_equal(b->unsorted[order[i]], i);
		for (size_t t = 0; t < T; t++) {
			int32_t want = t < len[i] ? seq[i][t] : pad;
			int32_t got = b->batch_first ? b->padded[i * T + t] : b->padded[t * n + i];
			assert_int_equal(got, want);
		}
	}
	for (size_t t = 0; t < T; t++) {
		size_t bs = 0;
		for (size_t j = 0; j < n; j++)
			if (len[order[j]] > t) {
				assert_int_equal(b->data[k], seq[order[j]][t]);
				k++;
				bs++;
			}
		assert_int_equal(b->batch_sizes[t], bs);
	}
	assert_int_equal(b->tokens, k);
}

static void test_fill_random(void **state)
{
	static int32_t seq[MAXSEQ][MAXLEN];
	const int32_t *ptr[MAXSEQ];
	size_t len[MAXSEQ];
	int64_t pos[MAXSEQ];
	struct emb_batch b = EMB_BATCH_INIT;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	srand(42);
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + (size_t)rand() % MAXSEQ, maxl = 1 + (size_t)rand() % MAXLEN;
		int32_t pad = rand() % 3 - 1;
		bool bf = rand() & 1;
		for (size_t i = 0; i < n; i++) {
			len[i] = 1 + (size_t)rand() % maxl;
			pos[i] = (int64_t)i * 3;
			ptr[i] = seq[i];
			for (size_t t = 0; t < len[i]; t++)
				seq[i][t] = rand() % 1000;
		}
		assert_int_equal(emb_batch_fill(&b, ptr, len, pos, n, bf, false, pad, "x", &err), 0);
		assert_int_equal(b.index[n - 1], pos[n - 1]);
		check_against_reference(&b, seq, len, n, pad);
	}
	emb_batch_release(&b);
}

static void test_fill_enforce_sorted(void **state)
{
	static const int32_t a[] = { 1, 2, 3 }, c[] = { 4 }, d[] = { 5, 6 };
	const int32_t *seq[] = { a, c, d };
	size_t len[] = { 3, 1, 2 };
	int64_t pos[] = { 10, 11, 12 };
	struct emb_batch b = EMB_BATCH_INIT;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(emb_batch_fill(&b, seq, len, pos, 3, false, true, 0, "in.txt", &err),
			 EMB_EFORMAT);
	assert_string_equal(err.msg, "in.txt:13: sequence of length 2 follows one of length 1: "
			    "not sorted longest first (enforce_sorted)");
	assert_int_equal(emb_batch_fill(&b, seq, len, pos, 2, false, true, 0, "in.txt", &err), 0);
	assert_int_equal(b.sorted[0], 0);
	assert_int_equal(b.sorted[1], 1);
	emb_batch_release(&b);
}

struct collect {
	size_t batches, seqs, sizes[256], first[256], cells_max;
	int64_t seen[1024];
	size_t nseen;
};

static int on_batch(void *ctx, struct emb_batch *b, struct emb_err *err)
{
	struct collect *c = ctx;
	(void)err;

	assert_int_equal(b->number, c->batches);
	c->sizes[c->batches] = b->n;
	c->first[c->batches] = (size_t)b->index[0];
	c->batches++;
	c->seqs += b->n;
	if (emb_batch_cells(b) > c->cells_max)
		c->cells_max = emb_batch_cells(b);
	for (size_t i = 0; i < b->n; i++)
		c->seen[c->nseen++] = b->index[i];
	return 0;
}

/* Push N sequences, sequence i of length lenfn(i), through a batcher with O. */
static void run_batcher(const struct emb_batch_opts *o, size_t n, size_t (*lenfn)(size_t),
			struct collect *c)
{
	struct emb_batcher *bt;
	struct emb_err err = EMB_ERR_INIT;
	int32_t ids[64];

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < 64; i++)
		ids[i] = (int32_t)i;
	assert_int_equal(emb_batcher_new(&bt, o, on_batch, c, &err), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(emb_batcher_push(bt, ids, lenfn(i), (int64_t)i, &err), 0);
	assert_int_equal(emb_batcher_finish(bt, &err), 0);
	emb_batcher_free(bt);
}

static size_t len_mod7(size_t i) { return 1 + (i * 5) % 7; }

static void test_batcher_streaming(void **state)
{
	struct emb_batch_opts o = EMB_BATCH_OPTS_INIT;
	struct collect c;
	(void)state;

	o.batch_size = 3;
	run_batcher(&o, 10, len_mod7, &c);
	assert_int_equal(c.batches, 4);
	assert_int_equal(c.sizes[3], 1);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(c.seen[i], i);     /* no bucket: input order */
	o.drop_last = true;
	run_batcher(&o, 10, len_mod7, &c);
	assert_int_equal(c.batches, 3);
	assert_int_equal(c.seqs, 9);
}

static void test_batcher_bucket_carries_over(void **state)
{
	struct emb_batch_opts o = EMB_BATCH_OPTS_INIT;
	struct collect c;
	size_t seen[64] = { 0 };
	(void)state;

	o.batch_size = 4;
	o.bucket = 10;
	run_batcher(&o, 37, len_mod7, &c);
	/* only the very last batch may be short, and every sequence appears once */
	assert_int_equal(c.seqs, 37);
	for (size_t b = 0; b + 1 < c.batches; b++)
		assert_int_equal(c.sizes[b], 4);
	for (size_t i = 0; i < c.nseen; i++)
		seen[c.seen[i]]++;
	for (size_t i = 0; i < 37; i++)
		assert_int_equal(seen[i], 1);
	/* within a window, batches go longest first */
	assert_true(len_mod7(c.first[0]) >= len_mod7(c.first[1]));
}

/* A window's batches follow the stable longest-first order, also across carried-over batches. */
static void test_batcher_bucket_order(void **state)
{
	struct emb_batch_opts o = EMB_BATCH_OPTS_INIT;
	struct collect c;
	(void)state;

	o.batch_size = 5;
	o.bucket = 23;
	run_batcher(&o, 23, len_mod7, &c);
	for (size_t i = 1; i < c.nseen; i++) {
		size_t a = len_mod7((size_t)c.seen[i - 1]), b = len_mod7((size_t)c.seen[i]);
		assert_true(a > b || (a == b && c.seen[i - 1] < c.seen[i]));
	}
	o.bucket = 7;           /* windows of 7: batches of 5 leave 2 to carry each time */
	run_batcher(&o, 40, len_mod7, &c);
	assert_int_equal(c.seqs, 40);
	for (size_t b = 0; b < c.batches; b++)
		for (size_t i = 5 * b + 1; i < 5 * b + c.sizes[b]; i++) {
			size_t x = len_mod7((size_t)c.seen[i - 1]), y = len_mod7((size_t)c.seen[i]);
			assert_true(x > y || (x == y && c.seen[i - 1] < c.seen[i]));
		}
}

static void test_batcher_max_tokens(void **state)
{
	struct emb_batch_opts o = EMB_BATCH_OPTS_INIT;
	struct collect c;
	(void)state;

	o.max_tokens = 20;
	run_batcher(&o, 50, len_mod7, &c);
	assert_int_equal(c.seqs, 50);
	assert_true(c.cells_max <= 20);
	o.bucket = 16;
	run_batcher(&o, 50, len_mod7, &c);
	assert_int_equal(c.seqs, 50);
	assert_true(c.cells_max <= 20);
}

static void test_batcher_shuffle(void **state)
{
	struct emb_batch_opts o = EMB_BATCH_OPTS_INIT;
	struct collect a, b, s;
	(void)state;

	o.batch_size = 2;
	o.bucket = 20;
	run_batcher(&o, 60, len_mod7, &s);
	o.shuffle = true;
	o.seed = 9;
	run_batcher(&o, 60, len_mod7, &a);
	run_batcher(&o, 60, len_mod7, &b);
	assert_int_equal(a.batches, s.batches);
	assert_memory_equal(a.first, b.first, sizeof a.first);
	assert_memory_not_equal(a.first, s.first, a.batches * sizeof a.first[0]);
}

static void test_batcher_needs_a_size(void **state)
{
	struct emb_batch_opts o = EMB_BATCH_OPTS_INIT;
	struct emb_batcher *bt;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(emb_batcher_new(&bt, &o, on_batch, NULL, &err), EMB_EINVAL);
	assert_null(bt);
}

static void test_parse_ids(void **state)
{
	int32_t *ids = NULL;
	size_t cap = 0, n, total;
	struct emb_err err = EMB_ERR_INIT;
	const char *l = " 12\t7 0  2147483647 \r";
	(void)state;

	assert_int_equal(emb_batch_parse_ids(l, strlen(l), &ids, &cap, 0, 0, &n, &total, "f", 1, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ids[0], 12);
	assert_int_equal(ids[3], 2147483647);
	assert_int_equal(emb_batch_parse_ids(l, strlen(l), &ids, &cap, 2, 0, &n, &total, "f", 1, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(total, 4);
	assert_int_equal(emb_batch_parse_ids("1 2x", 4, &ids, &cap, 0, 0, &n, &total, "f", 3, &err),
			 EMB_EFORMAT);
	assert_string_equal(err.msg, "f:3: invalid id '2x'");
	assert_int_equal(emb_batch_parse_ids("-5", 2, &ids, &cap, 0, 0, &n, &total, "f", 4, &err),
			 EMB_EFORMAT);
	assert_string_equal(err.msg, "f:4: negative id '-5'");
	assert_int_equal(emb_batch_parse_ids("1 10", 4, &ids, &cap, 0, 10, &n, &total, "f", 5, &err),
			 EMB_EFORMAT);
	assert_string_equal(err.msg, "f:5: id '10' out of range (must be below 10)");
	assert_int_equal(emb_batch_parse_ids("2147483648", 10, &ids, &cap, 0, 0, &n, &total, "f", 6,
					     &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "f:6: id '2147483648' out of range");
	assert_int_equal(emb_batch_parse_ids("99999999999999999999999", 23, &ids, &cap, 0, 0, &n,
					     &total, "f", 7, &err), EMB_EFORMAT);
	assert_int_equal(emb_batch_parse_ids("  ", 2, &ids, &cap, 0, 0, &n, &total, "f", 8, &err), 0);
	assert_int_equal(total, 0);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_random),
		cmocka_unit_test(test_fill_enforce_sorted),
		cmocka_unit_test(test_batcher_streaming),
		cmocka_unit_test(test_batcher_bucket_carries_over),
		cmocka_unit_test(test_batcher_bucket_order),
		cmocka_unit_test(test_batcher_max_tokens),
		cmocka_unit_test(test_batcher_shuffle),
		cmocka_unit_test(test_batcher_needs_a_size),
		cmocka_unit_test(test_parse_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
