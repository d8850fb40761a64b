/* Unit tests of the subword trainer: skip-gram against a direct transcription of fastText's
 * update (the mean recomputed and every row updated for each context word), the n-gram lists,
 * the gradient reaching every n-gram row, determinism, and the options it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emb_rng.h"
#include "emb_subword.h"
#include "emb_train_impl.h"

static const char *const words[] = { "cat", "cats", "dog", "dogs", "catdog", "tree", "trees" };
#define NW (sizeof words / sizeof words[0])

static struct emb_vocab *vocab(void)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_vocab *v;

	assert_int_equal(emb_vocab_new(&v, &err), 0);
	for (size_t i = 0; i < NW; i++)
		assert_int_equal(emb_vocab_add(v, words[i], strlen(words[i]), 10 + i, NULL, &err), 0);
	return v;
}

static struct emb_trainer *trainer(struct emb_train_opts *o, struct emb_vocab *v)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_trainer *t;
	uint64_t counts[NW];

	for (size_t i = 0; i < NW; i++)
		counts[i] = emb_vocab_count(v, i);
	assert_int_equal(emb_trainer_new(&t, counts, NW, o, -1, &err), 0);
	assert_int_equal(emb_trainer_subwords(t, v, &err), 0);
	return t;
}

/* fastText's skip-gram with hierarchical softmax, written out as fastText does it. */
static void reference_sg(struct emb_trainer *t, const uint32_t *sen, size_t n, float alpha,
			 uint64_t *rng)
{
	size_t d = t->dim;
	float *h = calloc(d, sizeof *h), *g = calloc(d, sizeof *g);

	for (size_t i = 0; i < n; i++) {
		uint32_t w = sen[i];
		size_t span = t->o.window - (size_t)(emb_rng_xorshift64s(rng) % t->o.window);
		size_t lo = i >= span ? i - span : 0, hi = i + span < n ? i + span : n - 1;
		size_t nrows = 1 + (size_t)(t->sub_off[w + 1] - t->sub_off[w]);
		for (size_t c = lo; c <= hi; c++) {
			uint32_t target = sen[c];
			if (c == i)
				continue;
			/* the hidden vector, from the rows as they are now */
			memcpy(h, t->syn0 + (size_t)w * d, d * sizeof *h);
			for (uint64_t k = t->sub_off[w]; k < t->sub_off[w + 1]; k++)
				for (size_t j = 0; j < d; j++)
					h[j] += t->syn0[(size_t)t->sub_ids[k] * d + j];
			for (size_t j = 0; j < d; j++)
				h[j] /= (float)nrows;
			memset(g, 0, d * sizeof *g);
			for (unsigned p = 0; p < t->code_len[target]; p++) {
				float *l2 = t->syn1 + (size_t)t->point[t->code_off[target] + p] * d, f = 0;
				for (size_t j = 0; j < d; j++)
					f += h[j] * l2[j];
				if (!(f > -MAX_EXP && f < MAX_EXP))
					continue;
				f = t->sig[(int)((f + MAX_EXP) * ((float)SIG_N / (2 * MAX_EXP)))];
				f = (1 - t->code[t->code_off[target] + p] - f) * alpha;
				for (size_t j = 0; j < d; j++)
					g[j] += f * l2[j];
				for (size_t j = 0; j < d; j++)
					l2[j] += f * h[j];
			}
			/* the gradient to every row, at once */
			for (size_t j = 0; j < d; j++)
				t->syn0[(size_t)w * d + j] += g[j];
			for (uint64_t k = t->sub_off[w]; k < t->sub_off[w + 1]; k++)
				for (size_t j = 0; j < d; j++)
					t->syn0[(size_t)t->sub_ids[k] * d + j] += g[j];
		}
	}
	free(h);
	free(g);
}

static void test_sg_matches_fasttext_update(void **state)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_vocab *v = vocab();
	struct emb_trainer *a, *b;
	static const uint32_t sen[] = { 0, 1, 4, 2, 3, 5, 6, 0, 2, 4, 6, 1, 3, 5 };
	size_t n = sizeof sen / sizeof sen[0], cells;
	float *work = emb_train_alloc_matrix(BMAX_IN + 2, 16, true);
	struct negpipe np;
	struct scratch sc = { work, &np };
	uint64_t r1 = 99, r2 = 99;
	double maxdiff = 0, moved = 0;
	bool ngrams_moved = false;
	(void)state;

	o.dim = 16;
	o.negative = 0;
	o.hs = true;
	o.window = 3;
	o.subwords = true;
	o.minn = 2;
	o.maxn = 4;
	o.bucket = 37;
	o.init = EMB_TRAIN_INIT_UNIFORM;
	a = trainer(&o, v);
	b = trainer(&o, v);
	cells = (NW + 37) * 16;
	assert_memory_equal(a->syn0, b->syn0, cells * sizeof(float));
	for (int rep = 0; rep < 3; rep++) {
		emb_train_sg_sub(a, sen, n, 0.05f, &r1, &sc);
		reference_sg(b, sen, n, 0.05f, &r2);
	}
	assert_true(r1 == r2); /* the same windows were drawn */
	for (size_t i = 0; i < cells; i++) {
		double dd = fabs((double)a->syn0[i] - b->syn0[i]);
		maxdiff = dd > maxdiff ? dd : maxdiff;
	}
	for (size_t i = 0; i < NW * 16; i++) {
		double dd = fabs((double)a->syn1[i] - b->syn1[i]);
		maxdiff = dd > maxdiff ? dd : maxdiff;
	}
	/* training moved the rows (n-gram rows included) far more than the two differ: they
	 * differ by float rounding, and by the sigmoid table entry a rounded dot product picks */
	struct emb_trainer *c = trainer(&o, v);
	for (size_t i = 0; i < cells; i++) {
		double dd = fabs((double)a->syn0[i] - c->syn0[i]);
		moved = dd > moved ? dd : moved;
		ngrams_moved |= i >= NW * 16 && dd > 1e-4;
	}
	assert_true(ngrams_moved);
	if (maxdiff > 0.02 * moved)
		fail_msg("max difference %g from fastText's update (rows moved up to %g)", maxdiff,
			 moved);
	emb_trainer_free(a);
	emb_trainer_free(b);
	emb_trainer_free(c);
	emb_vocab_free(v);
	free(work);
}

static void test_ngram_lists(void **state)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_vocab *v = vocab();
	struct emb_trainer *t;
	uint32_t ids[64];
	(void)state;

	o.dim = 8;
	o.subwords = true;
	o.minn = 3;
	o.maxn = 5;
	o.bucket = 1000;
	t = trainer(&o, v);
	for (size_t i = 0; i < NW; i++) {
		size_t n = emb_subword_ids(3, 5, 1000, words[i], strlen(words[i]), ids, 64);
		assert_int_equal(t->sub_off[i + 1] - t->sub_off[i], n);
		for (size_t k = 0; k < n; k++)
			assert_int_equal(t->sub_ids[t->sub_off[i] + k], NW + ids[k]);
	}
	assert_non_null(emb_trainer_subword(t));
	assert_int_equal(emb_trainer_subword(t)->bucket, 1000);
	assert_ptr_equal(emb_trainer_subword(t)->rows, t->syn0 + NW * 8);
	emb_trainer_free(t);
	emb_vocab_free(v);
}

static void test_refused(void **state)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_vocab *v = vocab();
	struct emb_trainer *t;
	uint64_t counts[NW];
	static const struct { unsigned minn, maxn; uint32_t bucket; unsigned batch; const char *ckpt; }
		bad[] = { { 0, 6, 10, 0, NULL }, { 4, 3, 10, 0, NULL }, { 3, 65, 10, 0, NULL },
			  { 3, 6, 0, 0, NULL }, { 3, 6, 10, 2, NULL }, { 3, 6, 10, 0, "x.ckpt" } };
	(void)state;

	for (size_t i = 0; i < NW; i++)
		counts[i] = 5;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o = (struct emb_train_opts)EMB_TRAIN_OPTS_INIT;
		o.dim = 8;
		o.subwords = true;
		o.minn = bad[i].minn;
		o.maxn = bad[i].maxn;
		o.bucket = bad[i].bucket;
		o.batch = bad[i].batch;
		o.checkpoint = bad[i].ckpt;
		assert_int_equal(emb_trainer_new(&t, counts, NW, &o, -1, &err), 0);
		assert_int_equal(emb_trainer_subwords(t, v, &err), EMB_EINVAL);
		emb_trainer_free(t);
	}
	/* without the option nothing changes */
	o = (struct emb_train_opts)EMB_TRAIN_OPTS_INIT;
	o.dim = 8;
	assert_int_equal(emb_trainer_new(&t, counts, NW, &o, -1, &err), 0);
	assert_int_equal(emb_trainer_subwords(t, v, &err), 0);
	assert_null(emb_trainer_subword(t));
	emb_trainer_free(t);
	emb_vocab_free(v);
}

/* A whole run, one thread, twice: the same bytes; cbow too. */
static void test_run_deterministic(void **state)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_vocab *v = vocab();
	uint32_t ids[3000];
	(void)state;

	for (size_t i = 0; i < 3000; i++)
		ids[i] = i % 11 == 10 ? EMB_TRAIN_EOS : (uint32_t)((i * 7 + i / 13) % NW);
	for (int model = 0; model < 2; model++) {
		float *m[2];
		for (int run = 0; run < 2; run++) {
			struct emb_train_corpus *c;
			struct emb_trainer *t;
			o = (struct emb_train_opts)EMB_TRAIN_OPTS_INIT;
			o.dim = 8;
			o.model = model ? EMB_TRAIN_CBOW : EMB_TRAIN_SG;
			o.subwords = true;
			o.bucket = 50;
			o.epochs = 2;
			o.sample = 0;
			assert_int_equal(emb_train_corpus_from_ids(&c, ids, 3000, &err), 0);
			t = trainer(&o, v);
			assert_int_equal(emb_trainer_run(t, c, &err), 0);
			m[run] = malloc((NW + 50) * 8 * sizeof(float));
			memcpy(m[run], t->syn0, (NW + 50) * 8 * sizeof(float));
			emb_trainer_free(t);
			emb_train_corpus_free(c);
		}
		assert_memory_equal(m[0], m[1], (NW + 50) * 8 * sizeof(float));
		free(m[0]);
		free(m[1]);
	}
	emb_vocab_free(v);
}

/* fastText's sub-sampling: a word's frequency is its count over the vocabulary's counts plus
 * the line ends (fastText's "</s>" tokens), not over the counts alone as in word2vec mode. */
static void test_sample_counts_line_ends(void **state)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_vocab *v = vocab();
	struct emb_train_corpus *c;
	struct emb_trainer *t;
	uint32_t ids[600];
	uint64_t total = 0, lines = 0;
	(void)state;

	for (size_t i = 0; i < 600; i++) {
		ids[i] = i % 4 == 3 ? EMB_TRAIN_EOS : (uint32_t)(i % NW);
		lines += ids[i] == EMB_TRAIN_EOS;
	}
	for (size_t i = 0; i < NW; i++)
		total += emb_vocab_count(v, i);
	o.dim = 8;
	o.subwords = true;
	o.bucket = 50;
	o.epochs = 1;
	o.sample = 0.01;
	assert_int_equal(emb_train_corpus_from_ids(&c, ids, 600, &err), 0);
	t = trainer(&o, v);
	assert_int_equal(emb_trainer_run(t, c, &err), 0);
	for (size_t i = 0; i < NW; i++) {
		double cnt = (double)emb_vocab_count(v, i), thr = 0.01 * (double)(total + lines);
		double k = (sqrt(cnt / thr) + 1) * thr / cnt;
		assert_true(k < 1);
		assert_true(fabs((double)t->keep[i] - k * 4294967296.0) < 2);
	}
	emb_trainer_free(t);
	emb_train_corpus_free(c);
	emb_vocab_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sg_matches_fasttext_update),
		cmocka_unit_test(test_ngram_lists),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_run_deterministic),
		cmocka_unit_test(test_sample_counts_line_ends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
