/*
 * emb_train_subword: fastText's subword model on top of the word2vec trainer.
 *
 * Each word's character n-grams (emb_subword_ids: fastText's n-grams and hash) are listed once
 * here, as absolute rows of the input matrix, which grows by `bucket` rows after the words'.
 * The per-sentence loops (emb_train_sg_sub, emb_train_cbow_sub in emb_train_kernels.c) then
 * take a word's input vector as the mean of its row and those rows, and add the gradient to
 * every one of them, as fastText does.  The n-gram rows are handed out as a struct
 * emb_subword whose rows live in the input matrix.
 */
#include "emb_train_impl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "emb_subword.h"
#include "internal.h"

#define SEED_NGRAMS 0x9e3779b97f4a7c15ULL /* the n-gram rows' own random stream */
#define HUGE_PAGE ((size_t)2 << 20)

static int refuse(struct emb_err *err, const char *what)
{
	return emb_err_set(err, EMB_EINVAL, "subwords do not work with %s yet", what);
}

/* Every word's n-gram rows into t->sub_off / t->sub_ids. */
static int list_ngrams(struct emb_trainer *t, const struct emb_vocab *v, struct emb_err *err)
{
	size_t cap = 0, total = 0, i;
	uint32_t *ids = NULL;
	int rc = 0;

	if (!(t->sub_off = malloc((t->rows + 1) * sizeof *t->sub_off)) ||
	    !(ids = malloc((cap = 4096) * sizeof *ids)))
		return emb_err_nomem(err, "listing n-grams");
	for (i = 0; i < t->rows; i++) {
		size_t len, n, room = cap - total;
		const char *w = emb_vocab_token(v, i, &len);
		t->sub_off[i] = total;
		n = emb_subword_ids(t->o.minn, t->o.maxn, t->o.bucket, w, len, ids + total, room);
		if (n > room) {
			size_t ncap = cap;
			uint32_t *ni;
			while (ncap - total < n)
				ncap *= 2;
			if (!(ni = realloc(ids, ncap * sizeof *ids))) {
				rc = emb_err_nomem(err, "listing n-grams");
				break;
			}
			ids = ni;
			cap = ncap;
			emb_subword_ids(t->o.minn, t->o.maxn, t->o.bucket, w, len, ids + total, n);
		}
		for (size_t k = 0; k < n; k++)
			ids[total + k] += (uint32_t)t->rows;
		total += n;
	}
	t->sub_off[t->rows] = total;
	t->sub_ids = ids;
	return rc;
}

int emb_trainer_subwords(struct emb_trainer *t, const struct emb_vocab *vocab, struct emb_err *err)
{
	const struct emb_train_opts *o = &t->o;
	size_t bytes;
	float *m;
	int rc;

	if (!o->subwords || t->sub_off)
		return 0;
	if (o->minn < 1 || o->maxn < o->minn || o->maxn > EMB_SUBWORD_MAX_N)
		return emb_err_set(err, EMB_EINVAL, "n-gram lengths must be 1 <= minn <= maxn <= %d",
				   EMB_SUBWORD_MAX_N);
	if (o->bucket == 0 || o->bucket > INT32_MAX || (uint64_t)t->rows + o->bucket >= EMB_TRAIN_EOS)
		return emb_err_set(err, EMB_EINVAL, "bucket must be 1 to %d (with the words, below 2^32 rows)",
				   INT32_MAX);
	if (o->checkpoint || o->sync)
		return refuse(err, o->checkpoint ? "checkpoints" : "data-parallel training");
	if (o->batch)
		return refuse(err, "batch mode");
	if (emb_vocab_size(vocab) != t->rows)
		return emb_err_set(err, EMB_EINVAL, "the vocabulary has %zu words, the trainer %zu rows",
				   emb_vocab_size(vocab), t->rows);
	t->syn0_rows = t->rows + o->bucket;
	/* every centre word reads and writes some 25 rows scattered over the whole matrix (a
	 * word's n-grams hash anywhere): on huge pages those cost cache misses, not TLB misses */
	if (!emb_mul_ok(t->syn0_rows, t->dim * sizeof *m, &bytes) ||
	    posix_memalign((void **)&m, HUGE_PAGE, (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE))
		return emb_err_nomem(err, "allocating the n-gram vectors");
	(void)madvise(m, (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE);
	memcpy(m, t->syn0, t->rows * t->dim * sizeof *m);
	emb_train_init_values(m + t->rows * t->dim, (size_t)o->bucket * t->dim, t->dim, o->init,
			      emb_train_init_width(o), o->seed ^ SEED_NGRAMS);
	free(t->syn0);
	t->syn0 = m;
	if ((rc = list_ngrams(t, vocab, err)) < 0 ||
	    (rc = emb_subword_borrow(&t->sw, o->minn, o->maxn, o->bucket, t->dim,
				     t->syn0 + t->rows * t->dim, err)) < 0)
		return rc;
	return 0;
}

/*
 * fastText's sub-sampling takes a word's frequency relative to every token it read: the words
 * under the minimum count and the line ends (its "</s>", one a line) count too, where the
 * word2vec trainer divides by the vocabulary's counts.  On a corpus of short lines that keeps
 * markedly more of the frequent words; measured, it was most of the analogy gap to fastText
 * (bench/results/fasttext.md).  The vocabulary's counts stand for the tokens it covers, so a
 * given vocabulary keeps its own counts.
 */
void emb_train_subword_sample(struct emb_trainer *t, const struct emb_train_stats *st)
{
	uint64_t total = st->tokens - st->kept + st->lines;

	for (size_t i = 0; i < t->rows; i++)
		total += t->counts[i];
	emb_train_keep(t, total);
}

const struct emb_subword *emb_trainer_subword(const struct emb_trainer *t)
{
	return t->sw;
}
