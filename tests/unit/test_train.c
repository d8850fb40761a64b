/* Unit tests of emb_train: planted-class recovery for sg/cbow x ns/hs (and --batch),
 * determinism, checkpoint + resume == uninterrupted, the id cache, pruning, bad options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embkit.h"
#include "emb_train.h"

/* A grammar "DET ADJ NOUN VERB DET NOUN": words of a class are interchangeable. */
enum { NDET = 8, NADJ = 12, NNOUN = 20, NVERB = 12, NWORDS = NDET + NADJ + NNOUN + NVERB };
static const int class_first[4] = { 0, NDET, NDET + NADJ, NDET + NADJ + NNOUN };
static const int class_size[4] = { NDET, NADJ, NNOUN, NVERB };

static int class_of(int w)
{
	for (int c = 3; c >= 0; c--)
		if (w >= class_first[c])
			return c;
	return 0;
}

static uint32_t *grammar(size_t sentences, size_t *n, uint64_t *counts)
{
	static const int pattern[6] = { 0, 1, 2, 3, 0, 2 };
	uint32_t *ids = malloc(sentences * 7 * sizeof *ids);
	uint64_t s = 12345;
	size_t k = 0;

	assert_non_null(ids);
	memset(counts, 0, NWORDS * sizeof *counts);
	for (size_t i = 0; i < sentences; i++) {
		for (int j = 0; j < 6; j++) {
			int c = pattern[j];
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			uint32_t w = (uint32_t)(class_first[c] + (int)((s >> 33) % (uint64_t)class_size[c]));
			ids[k++] = w;
			counts[w]++;
		}
		ids[k++] = EMB_TRAIN_EOS;
	}
	*n = k;
	return ids;
}

/* Fraction of (word, neighbour) pairs among each word's 5 nearest (cosine) in the same class. */
static double knn_purity(const float *m, size_t rows, size_t dim)
{
	size_t good = 0, total = 0;

	for (size_t i = 0; i < rows; i++) {
		double best[5] = { -2, -2, -2, -2, -2 };
		int who[5] = { -1, -1, -1, -1, -1 };
		for (size_t j = 0; j < rows; j++) {
			double dot = 0, ni = 0, nj = 0, cs;
			if (j == i)
				continue;
			for (size_t d = 0; d < dim; d++) {
				dot += (double)m[i * dim + d] * m[j * dim + d];
				ni += (double)m[i * dim + d] * m[i * dim + d];
				nj += (double)m[j * dim + d] * m[j * dim + d];
			}
			cs = dot / (sqrt(ni * nj) + 1e-12);
			for (int k = 0; k < 5; k++)
				if (cs > best[k]) {
					for (int l = 4; l > k; l--) {
						best[l] = best[l - 1];
						who[l] = who[l - 1];
					}
					best[k] = cs;
					who[k] = (int)j;
					break;
				}
		}
		for (int k = 0; k < 5; k++) {
			good += class_of(who[k]) == class_of((int)i);
			total++;
		}
	}
	return (double)good / (double)total;
}

static struct emb_trainer *train(struct emb_train_opts *o, size_t sentences, int want_rc)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_corpus *c;
	struct emb_trainer *t;
	uint64_t counts[NWORDS];
	size_t n;
	uint32_t *ids = grammar(sentences, &n, counts);

	assert_int_equal(emb_train_corpus_from_ids(&c, ids, n, &err), 0);
	assert_int_equal(emb_trainer_new(&t, counts, NWORDS, o, -1, &err), 0);
	assert_int_equal(emb_trainer_run(t, c, &err), want_rc);
	emb_train_corpus_free(c);
	free(ids);
	return t;
}

static void check_quality(int model, unsigned negative, bool hs, unsigned batch)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_trainer *t;
	double p;

	o.dim = 24;
	o.model = model;
	o.negative = negative;
	o.hs = hs;
	o.batch = batch;
	o.window = 3;
	o.epochs = 5;
	o.sample = 0;
	o.seed = 7;
	t = train(&o, 4000, 0);
	p = knn_purity(emb_trainer_input(t), NWORDS, o.dim);
	print_message("# model %d neg %u hs %d batch %u: purity %.3f\n", model, negative, hs, batch, p);
	assert_true(p >= 0.90);
	emb_trainer_free(t);
}

static void test_sg_ns(void **s) { (void)s; check_quality(EMB_TRAIN_SG, 5, false, 0); }
static void test_cbow_ns(void **s) { (void)s; check_quality(EMB_TRAIN_CBOW, 5, false, 0); }
static void test_sg_hs(void **s) { (void)s; check_quality(EMB_TRAIN_SG, 0, true, 0); }
static void test_cbow_hs(void **s) { (void)s; check_quality(EMB_TRAIN_CBOW, 0, true, 0); }
static void test_sg_batch(void **s) { (void)s; check_quality(EMB_TRAIN_SG, 5, false, 1); }
static void test_sg_batch4(void **s) { (void)s; check_quality(EMB_TRAIN_SG, 5, false, 4); }

/* An untrained (random) table does not pass the purity bar: the test can fail. */
static void test_untrained_fails(void **s)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_trainer *t;
	uint64_t counts[NWORDS];

	(void)s;
	for (int i = 0; i < NWORDS; i++)
		counts[i] = 10;
	o.dim = 24;
	assert_int_equal(emb_trainer_new(&t, counts, NWORDS, &o, -1, &err), 0);
	assert_true(knn_purity(emb_trainer_input(t), NWORDS, o.dim) < 0.6);
	emb_trainer_free(t);
}

static void test_deterministic(void **s)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_trainer *a, *b, *c;
	size_t bytes;

	(void)s;
	o.dim = 16;
	o.epochs = 2;
	o.sample = 1e-2;
	o.seed = 3;
	a = train(&o, 1500, 0);
	b = train(&o, 1500, 0);
	bytes = NWORDS * o.dim * sizeof(float);
	assert_memory_equal(emb_trainer_input(a), emb_trainer_input(b), bytes);
	assert_memory_equal(emb_trainer_output(a), emb_trainer_output(b), bytes);
	o.seed = 4;
	c = train(&o, 1500, 0);
	assert_memory_not_equal(emb_trainer_input(a), emb_trainer_input(c), bytes);
	emb_trainer_free(a);
	emb_trainer_free(b);
	emb_trainer_free(c);
}

/* Stop mid-run with a checkpoint, resume: the same bits as a run never stopped. */
static void test_checkpoint_resume(void **s)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT, o2;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_corpus *c;
	struct emb_trainer *whole, *part, *resumed;
	struct emb_vocab *v, *v2;
	uint64_t counts[NWORDS];
	char path[] = "/tmp/test_train_ckpt_XXXXXX";
	size_t n;
	uint32_t *ids = grammar(1500, &n, counts);
	int fd = mkstemp(path);

	(void)s;
	assert_true(fd >= 0);
	close(fd);
	o.dim = 16;
	o.epochs = 3;
	o.seed = 11;
	o.hs = true;
	whole = train(&o, 1500, 0);

	assert_int_equal(emb_vocab_new(&v, &err), 0);
	for (int i = 0; i < NWORDS; i++) {
		char tok[8];
		snprintf(tok, sizeof tok, "w%d", i);
		assert_int_equal(emb_vocab_add(v, tok, strlen(tok), counts[i], NULL, &err), 0);
	}
	assert_int_equal(emb_train_corpus_from_ids(&c, ids, n, &err), 0);
	o.checkpoint = path;
	o.stop_after_words = 7000;
	assert_int_equal(emb_trainer_new(&part, counts, NWORDS, &o, -1, &err), 0);
	emb_trainer_set_vocab(part, v);
	assert_int_equal(emb_trainer_run(part, c, &err), EMB_EINTR);
	assert_true(emb_trainer_words(part) >= 7000 && emb_trainer_words(part) < 7000 + 1000);

	o2 = (struct emb_train_opts)EMB_TRAIN_OPTS_INIT;
	o2.epochs = 1;          /* training options come from the checkpoint, not from here */
	assert_int_equal(emb_trainer_resume(&resumed, &v2, path, &o2, &err), 0);
	assert_int_equal(emb_trainer_opts(resumed)->epochs, 3);
	assert_int_equal(emb_trainer_opts(resumed)->dim, 16);
	assert_true(emb_trainer_opts(resumed)->hs);
	assert_int_equal(emb_trainer_padding(resumed), -1);
	assert_int_equal(emb_vocab_size(v2), NWORDS);
	assert_int_equal(emb_trainer_run(resumed, c, &err), 0);
	assert_memory_equal(emb_trainer_input(whole), emb_trainer_input(resumed),
			    NWORDS * o.dim * sizeof(float));

	/* a checkpoint does not resume over another corpus */
	emb_train_corpus_free(c);
	ids[0] = ids[0] == 0 ? 1 : 0;
	assert_int_equal(emb_train_corpus_from_ids(&c, ids, n, &err), 0);
	emb_trainer_free(resumed);
	emb_vocab_free(v2);
	assert_int_equal(emb_trainer_resume(&resumed, &v2, path, &o2, &err), 0);
	assert_int_equal(emb_trainer_run(resumed, c, &err), EMB_EFORMAT);
	assert_non_null(strstr(err.msg, "not the one"));

	unlink(path);
	emb_train_corpus_free(c);
	emb_trainer_free(whole);
	emb_trainer_free(part);
	emb_trainer_free(resumed);
	emb_vocab_free(v);
	emb_vocab_free(v2);
	free(ids);
}

static void test_bad_options(void **s)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_trainer *t;
	uint64_t counts[3] = { 5, 3, 1 }, zero[3] = { 0, 0, 0 };
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;

	(void)s;
	o.dim = 0;
	assert_int_equal(emb_trainer_new(&t, counts, 3, &o, -1, &err), EMB_EINVAL);
	assert_string_equal(err.msg, "dimension must be 1 to 100000"); /* a parameter, not a flag */
	o = (struct emb_train_opts)EMB_TRAIN_OPTS_INIT;
	o.window = 0;
	assert_int_equal(emb_trainer_new(&t, counts, 3, &o, -1, &err), EMB_EINVAL);
	o = (struct emb_train_opts)EMB_TRAIN_OPTS_INIT;
	o.negative = 0;
	assert_int_equal(emb_trainer_new(&t, counts, 3, &o, -1, &err), EMB_EINVAL);
	assert_string_equal(err.msg, "without negative samples, hierarchical softmax is needed");
	o = (struct emb_train_opts)EMB_TRAIN_OPTS_INIT;
	assert_int_equal(emb_trainer_new(&t, zero, 3, &o, -1, &err), EMB_EFORMAT);
}

/* Padding and count-0 rows: zero / untouched, never drawn, never trained. */
static void test_padding_untouched(void **s)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_corpus *c;
	struct emb_trainer *t;
	uint64_t counts[NWORDS + 2];
	size_t n;
	uint32_t *ids = grammar(500, &n, counts);
	float before[16];

	(void)s;
	/* rows NWORDS (padding) and NWORDS+1 (a count-0 special) are extra */
	counts[NWORDS] = 0;
	counts[NWORDS + 1] = 0;
	o.dim = 16;
	o.epochs = 1;
	assert_int_equal(emb_train_corpus_from_ids(&c, ids, n, &err), 0);
	assert_int_equal(emb_trainer_new(&t, counts, NWORDS + 2, &o, NWORDS, &err), 0);
	memcpy(before, emb_trainer_input(t) + (NWORDS + 1) * 16, sizeof before);
	emb_trainer_freeze(t, 0);
	{
		float w0[16];
		memcpy(w0, emb_trainer_input(t), sizeof w0);
		assert_int_equal(emb_trainer_run(t, c, &err), 0);
		assert_memory_equal(w0, emb_trainer_input(t), sizeof w0);
	}
	for (int d = 0; d < 16; d++)
		assert_true(emb_trainer_input(t)[NWORDS * 16 + d] == 0);
	assert_memory_equal(before, emb_trainer_input(t) + (NWORDS + 1) * 16, sizeof before);
	for (int d = 0; d < 16; d++)
		assert_true(emb_trainer_output(t)[(NWORDS + 1) * 16 + d] == 0);
	emb_train_corpus_free(c);
	emb_trainer_free(t);
	free(ids);
}

/* scan + prune + filter over a text file: ids, statistics, min-count, order by count. */
static void test_scan_prune_filter(void **s)
{
	static const char text[] = "b a b c\n\nc b d d d\nb\n";
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_corpus *c;
	struct emb_vocab *v = NULL;
	struct emb_tok_opts tok = EMB_TOK_OPTS_INIT;
	char path[] = "/tmp/test_train_scan_XXXXXX";
	char *paths[1] = { path };
	uint32_t ids[16];
	size_t got;
	int fd = mkstemp(path);

	(void)s;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	assert_int_equal(emb_train_corpus_scan(&c, &v, paths, 1, &tok, &err), 0);
	assert_int_equal(emb_train_corpus_stats(c)->tokens, 10);
	assert_int_equal(emb_train_corpus_stats(c)->lines, 4);
	assert_int_equal(emb_vocab_size(v), 4);
	assert_int_equal(emb_train_vocab_prune(&v, c, 2, 0, false, true, &err), 0);
	/* b:4 d:3 c:2 (a:1 dropped) */
	assert_int_equal(emb_vocab_size(v), 3);
	assert_string_equal(emb_vocab_token(v, 0, NULL), "b");
	assert_string_equal(emb_vocab_token(v, 1, NULL), "d");
	assert_string_equal(emb_vocab_token(v, 2, NULL), "c");
	assert_int_equal(emb_train_corpus_filter(c, v, 1, &err), 0); /* padding = d */
	assert_int_equal(emb_train_corpus_stats(c)->kept, 6);
	assert_int_equal(emb_train_corpus_read(c, 0, ids, 16, &got, &err), 0);
	{
		static const uint32_t want[] = { 0, 0, 2, EMB_TRAIN_EOS, 2, 0, EMB_TRAIN_EOS, 0, EMB_TRAIN_EOS };
		assert_int_equal(got, sizeof want / sizeof want[0]);
		assert_memory_equal(ids, want, sizeof want);
	}
	unlink(path);
	emb_train_corpus_free(c);
	emb_vocab_free(v);
}

/* max-size keeps the most frequent, zero-count specials stay, a given order stays. */
static void test_prune_given(void **s)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_vocab *v;
	static const char *tok[] = { "<pad>", "x", "y", "z", "w" };
	static const uint64_t cnt[] = { 0, 3, 9, 1, 5 };

	(void)s;
	assert_int_equal(emb_vocab_new(&v, &err), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(emb_vocab_add(v, tok[i], strlen(tok[i]), cnt[i], NULL, &err), 0);
	assert_int_equal(emb_train_vocab_prune(&v, NULL, 1, 2, true, false, &err), 0);
	assert_int_equal(emb_vocab_size(v), 3);
	assert_string_equal(emb_vocab_token(v, 0, NULL), "<pad>");
	assert_string_equal(emb_vocab_token(v, 1, NULL), "y");
	assert_string_equal(emb_vocab_token(v, 2, NULL), "w");
	emb_vocab_free(v);
}

/* A fake data-parallel sync: records the calls, claims RANKS-1 other processes as fast as this
 * one, and checks that the learning rate follows the progress it supplied. */
struct fake_sync {
	unsigned calls, periodic, epochs, done, fail_at, ranks;
	uint64_t words[64], prev_global, prev_words, total;
	double alpha0, alpha_min;
	bool alpha_ok, matrices_ok;
};

static int fake_sync(void *ctx, struct emb_train_sync *s, struct emb_err *err)
{
	struct fake_sync *f = ctx;

	if (f->calls < 64)
		f->words[f->calls] = s->words;
	f->calls++;
	f->done += s->done;
	f->epochs += s->epoch_end;
	f->periodic += !s->done && !s->epoch_end;
	f->matrices_ok &= s->matrix[0] && s->matrix[1] && !s->matrix[2] && s->rows == NWORDS;
	if (f->calls > 1) {
		/* the schedule of emb_trainer: linear over corpus_words * epochs from the progress
		 * the last call supplied plus this process's words since */
		double g = (double)(f->prev_global + (s->words - f->prev_words));
		double a = f->alpha0 - (f->alpha0 - f->alpha_min) * (g / ((double)f->total + 1));
		f->alpha_ok &= s->alpha == (float)(a < f->alpha_min ? f->alpha_min : a);
	}
	assert_int_equal(s->global_words, s->words);
	s->global_words = s->words * f->ranks;
	f->prev_global = s->global_words;
	f->prev_words = s->words;
	if (f->calls == f->fail_at)
		return emb_err_set(err, EMB_EIO, "rank 2 is gone");
	return 0;
}

static void sync_opts(struct emb_train_opts *o, struct fake_sync *f, unsigned ranks)
{
	*o = (struct emb_train_opts)EMB_TRAIN_OPTS_INIT;
	o->dim = 16;
	o->epochs = 2;
	o->seed = 5;
	o->alpha = 0.025;
	o->min_alpha = 0.0001;
	memset(f, 0, sizeof *f);
	f->ranks = ranks;
	f->alpha0 = o->alpha;
	f->alpha_min = o->min_alpha;
	f->alpha_ok = f->matrices_ok = true;
	o->sync = fake_sync;
	o->sync_ctx = f;
	o->sync_words = 1000;
	o->corpus_words = 9000 * ranks;       /* 1500 sentences of 6 words, on every rank */
	f->total = o->corpus_words * o->epochs;
}

/* One thread: a call at the first sentence end at or after each 1000 words, one per epoch end,
 * one at the end; the learning rate follows the supplied global progress. */
static void test_sync_one_thread(void **s)
{
	struct emb_train_opts o;
	struct fake_sync f;
	struct emb_trainer *t;

	(void)s;
	sync_opts(&o, &f, 3);
	t = train(&o, 1500, 0);
	assert_int_equal(f.periodic, 18);     /* 2 epochs x 9000 words / 1000 */
	assert_int_equal(f.epochs, 2);
	assert_int_equal(f.done, 1);
	assert_int_equal(f.calls, 21);
	assert_int_equal(f.words[0], 1002);   /* sentences of 6 words: 167 * 6 */
	assert_int_equal(f.words[1], 2004);
	assert_int_equal(f.words[20], 18000);
	assert_true(f.alpha_ok);
	assert_true(f.matrices_ok);
	emb_trainer_free(t);
}

/* A sync that reports no other process changes nothing: the bytes of a run without one. */
static void test_sync_identity_same_bytes(void **s)
{
	struct emb_train_opts o;
	struct fake_sync f;
	struct emb_trainer *a, *b;
	size_t bytes = NWORDS * 16 * sizeof(float);

	(void)s;
	sync_opts(&o, &f, 1);
	a = train(&o, 1500, 0);
	o.sync = NULL;
	o.corpus_words = 0;
	b = train(&o, 1500, 0);
	assert_true(f.calls > 10);
	assert_memory_equal(emb_trainer_input(a), emb_trainer_input(b), bytes);
	assert_memory_equal(emb_trainer_output(a), emb_trainer_output(b), bytes);
	emb_trainer_free(a);
	emb_trainer_free(b);
}

/* Several threads meet at the barrier (no hang when slices end at different times); a failing
 * sync stops the run with its error. */
static void test_sync_threads_and_failure(void **s)
{
	struct emb_train_opts o;
	struct fake_sync f;
	struct emb_trainer *t;

	(void)s;
	sync_opts(&o, &f, 2);
	o.threads = 3;
	t = train(&o, 1500, 0);
	assert_true(f.periodic >= 6);
	assert_int_equal(f.done, 1);
	assert_true(f.matrices_ok);
	assert_true(f.words[f.calls - 1] == 18000);
	emb_trainer_free(t);

	sync_opts(&o, &f, 2);
	f.fail_at = 3;
	t = train(&o, 1500, EMB_EIO);
	assert_int_equal(f.calls, 3);
	emb_trainer_free(t);
}

/* Too large a learning rate: the run stops with "training diverged" (before: (int)NaN indexed
 * the sigmoid table and the process died), for every kernel. */
static void test_diverged(void **s)
{
	static const struct { int model; unsigned negative; bool hs; unsigned batch; } k[] = {
		{ EMB_TRAIN_SG, 20, false, 0 }, { EMB_TRAIN_CBOW, 20, false, 0 },
		{ EMB_TRAIN_SG, 20, false, 1 },
	};
	struct emb_train_opts o;
	struct emb_trainer *t;

	(void)s;
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		o = (struct emb_train_opts)EMB_TRAIN_OPTS_INIT;
		o.dim = 100;
		o.alpha = 1;
		o.model = k[i].model;
		o.negative = k[i].negative;
		o.hs = k[i].hs;
		o.batch = k[i].batch;
		t = train(&o, 1500, EMB_ELIMIT);
		emb_trainer_free(t);
	}
}

/* A NaN in a row (here planted) reaches every lookup of the sigmoid table, hierarchical
 * softmax's too; it is reported, never used as an index. */
static void test_nan_row(void **s)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_corpus *c;
	struct emb_trainer *t;
	uint64_t counts[NWORDS];
	size_t n;
	uint32_t *ids = grammar(200, &n, counts);

	(void)s;
	for (int model = EMB_TRAIN_SG; model <= EMB_TRAIN_CBOW; model++) {
		struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
		o.dim = 16;
		o.model = model;
		o.negative = 0;
		o.hs = true;
		assert_int_equal(emb_train_corpus_from_ids(&c, ids, n, &err), 0);
		assert_int_equal(emb_trainer_new(&t, counts, NWORDS, &o, -1, &err), 0);
		emb_trainer_input(t)[5 * 16 + 3] = NAN;
		assert_int_equal(emb_trainer_run(t, c, &err), EMB_ELIMIT);
		assert_non_null(strstr(err.msg, "training diverged"));
		emb_train_corpus_free(c);
		emb_trainer_free(t);
	}
	free(ids);
}

/* A learning rate above EMB_TRAIN_MAX_ALPHA is refused by name. */
static void test_alpha_bound(void **s)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_trainer *t;
	uint64_t counts[3] = { 5, 3, 1 };

	(void)s;
	o.alpha = 1.5;
	assert_int_equal(emb_trainer_new(&t, counts, 3, &o, -1, &err), EMB_EINVAL);
	assert_string_equal(err.msg, "learning rate must be above 0 and at most 1");
	o.alpha = NAN;
	assert_int_equal(emb_trainer_new(&t, counts, 3, &o, -1, &err), EMB_EINVAL);
	o.alpha = EMB_TRAIN_MAX_ALPHA;
	assert_int_equal(emb_trainer_new(&t, counts, 3, &o, -1, &err), 0);
	emb_trainer_free(t);
}

static int nan_sync(void *ctx, struct emb_train_sync *s, struct emb_err *err)
{
	(void)ctx;
	(void)err;
	if (s->done)
		s->matrix[1][7] = INFINITY;
	return 0;
}

/* The end of training checks the whole model: a value spoilt after the last dot product (here
 * by a sync callback) is caught too. */
static void test_final_check(void **s)
{
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_trainer *t;

	(void)s;
	o.dim = 16;
	o.epochs = 1;
	o.sync = nan_sync;
	t = train(&o, 200, EMB_ELIMIT);
	emb_trainer_free(t);
}

/* Counting then pruning, and scanning with the pruned vocabulary (what a resumed run does),
 * give the same cache and the same digest, also when a line holds only pruned words. */
static void test_digest_after_prune(void **s)
{
	static const char text[] = "a b a\nrare\nb a x\n\nonly\na a b\n";
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_corpus *c1, *c2;
	struct emb_vocab *v = NULL, *given;
	struct emb_tok_opts tok = EMB_TOK_OPTS_INIT;
	char path[] = "/tmp/test_train_digest_XXXXXX";
	char *paths[1] = { path };
	int fd = mkstemp(path);

	(void)s;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	assert_int_equal(emb_train_corpus_scan(&c1, &v, paths, 1, &tok, &err), 0);
	assert_int_equal(emb_train_vocab_prune(&v, c1, 2, 0, false, true, &err), 0);
	assert_int_equal(emb_train_corpus_filter(c1, v, -1, &err), 0);
	given = v;
	assert_int_equal(emb_train_corpus_scan(&c2, &given, paths, 1, &tok, &err), 0);
	assert_int_equal(emb_train_corpus_filter(c2, given, -1, &err), 0);
	assert_int_equal(emb_train_corpus_size(c1), emb_train_corpus_size(c2));
	assert_int_equal(emb_train_corpus_size(c1), 11); /* a b a . b a . a a b . */
	assert_true(emb_train_corpus_digest(c1) == emb_train_corpus_digest(c2));
	unlink(path);
	emb_train_corpus_free(c1);
	emb_train_corpus_free(c2);
	emb_vocab_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sg_ns),
		cmocka_unit_test(test_cbow_ns),
		cmocka_unit_test(test_sg_hs),
		cmocka_unit_test(test_cbow_hs),
		cmocka_unit_test(test_sg_batch),
		cmocka_unit_test(test_sg_batch4),
		cmocka_unit_test(test_untrained_fails),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_checkpoint_resume),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_padding_untouched),
		cmocka_unit_test(test_scan_prune_filter),
		cmocka_unit_test(test_prune_given),
		cmocka_unit_test(test_sync_one_thread),
		cmocka_unit_test(test_sync_identity_same_bytes),
		cmocka_unit_test(test_sync_threads_and_failure),
		cmocka_unit_test(test_diverged),
		cmocka_unit_test(test_nan_row),
		cmocka_unit_test(test_alpha_bound),
		cmocka_unit_test(test_final_check),
		cmocka_unit_test(test_digest_after_prune),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
