/*
 * emb_batch: batching, bucketing, padding and packing.  See emb_batch.h for the contract.
 *
 * One batch (emb_batch_fill) is built in linear time: a counting sort of the lengths, longest
 * first and stable, gives sorted_indices; its counts are also batch_sizes (the number of
 * sequences longer than t is the start, in that order, of the sequences of length t); data is
 * then gathered step by step as pack_padded_sequence lays it out.
 *
 * The batcher keeps a window of sequences in one arena of ids.  With W = 0 and no shuffle a
 * batch is emitted as soon as it is full; otherwise, when W sequences are in, the window is
 * sorted (bucketing), cut greedily into batches, the batches are emitted (shuffled with a
 * seeded splitmix64 when asked), and the last, still open batch carries over into the next
 * window so only the final batch of the input can be short.
 */
#include "emb_batch.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "emb_rng.h"
#include "internal.h"

static int grow(void *pp, size_t *cap, size_t need, size_t elsize, struct emb_err *err)
{
	void **p = pp;
	size_t ncap = *cap ? *cap : 16, bytes;
	void *q;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (!emb_mul_ok(ncap, elsize, &bytes))
		return emb_err_set(err, EMB_ELIMIT, "batch of %zu elements is too large", need);
	if (!(q = realloc(*p, bytes)))
		return emb_err_nomem(err, "building a batch");
	*p = q;
	*cap = ncap;
	return 0;
}

/* Grow the four per-sequence arrays together (they share cap_n). */
static int grow_n(struct emb_batch *b, size_t n, struct emb_err *err)
{
	size_t c;
	int rc;

	if (n <= b->cap_n)
		return 0;
	c = b->cap_n;
	if ((rc = grow(&b->index, &c, n, sizeof *b->index, err)) < 0)
		return rc;
	c = b->cap_n;
	if ((rc = grow(&b->lengths, &c, n, sizeof *b->lengths, err)) < 0)
		return rc;
	c = b->cap_n;
	if ((rc = grow(&b->sorted, &c, n, sizeof *b->sorted, err)) < 0)
		return rc;
	c = b->cap_n;
	if ((rc = grow(&b->unsorted, &c, n, sizeof *b->unsorted, err)) < 0)
		return rc;
	b->cap_n = c;
	return 0;
}

static int grow_t(struct emb_batch *b, size_t t, struct emb_err *err)
{
	size_t c = b->cap_t;
	int rc;

	if (t + 1 <= b->cap_t)
		return 0;
	if ((rc = grow(&b->batch_sizes, &c, t + 1, sizeof *b->batch_sizes, err)) < 0)
		return rc;
	c = b->cap_t;
	if ((rc = grow(&b->scratch, &c, t + 1, sizeof *b->scratch, err)) < 0)
		return rc;
	b->cap_t = c;
	return 0;
}

static void fill_i32(int32_t *p, size_t n, int32_t v)
{
	if (v == 0) {
		memset(p, 0, n * sizeof *p);
		return;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = v;
}

int emb_batch_fill(struct emb_batch *b, const int32_t *const *seq, const size_t *len,
		   const int64_t *pos, size_t n, bool batch_first, bool enforce_sorted,
		   int32_t padding_idx, const char *name, struct emb_err *err)
{
	size_t T = 0, N = 0, cells;
	uint32_t *cnt;
	int rc;

	assert(n > 0);
	for (size_t i = 0; i < n; i++) {
		assert(len[i] > 0);
		if (len[i] > T)
			T = len[i];
		N += len[i];
		if (enforce_sorted && i > 0 && len[i] > len[i - 1])
			return emb_err_set_at(err, EMB_EFORMAT, name, (unsigned long long)pos[i] + 1,
					      "sequence of length %zu follows one of length %zu: "
					      "not sorted longest first (enforce_sorted)",
					      len[i], len[i - 1]);
	}
	if (T > INT32_MAX || n > INT32_MAX || !emb_mul_ok(n, T, &cells))
		return emb_err_set(err, EMB_ELIMIT, "batch of %zu sequences of up to %zu ids is too large",
				   n, T);
	if ((rc = grow_n(b, n, err)) < 0 || (rc = grow_t(b, T, err)) < 0 ||
	    (rc = grow(&b->padded, &b->cap_pad, cells, sizeof *b->padded, err)) < 0 ||
	    (rc = grow(&b->data, &b->cap_tok, N, sizeof *b->data, err)) < 0)
		return rc;
	b->n = n;
	b->maxlen = T;
	b->tokens = N;
	b->dim = 0;
	b->batch_first = batch_first;

	/* cnt[l] = sequences of length l; batch_sizes[t] = sequences longer than t */
	cnt = b->scratch;
	memset(cnt, 0, (T + 1) * sizeof *cnt);
	for (size_t i = 0; i < n; i++) {
		b->index[i] = pos[i];
		b->lengths[i] = (int32_t)len[i];
		cnt[len[i]]++;
	}
	b->batch_sizes[T - 1] = (int32_t)cnt[T];
	for (size_t t = T - 1; t-- > 0;)
		b->batch_sizes[t] = b->batch_sizes[t + 1] + (int32_t)cnt[t + 1];

	if (enforce_sorted) {
		for (size_t i = 0; i < n; i++)
			b->sorted[i] = b->unsorted[i] = (int32_t)i;
	} else {
		/* the first slot of length l in longest-first order is the count of longer ones */
		for (size_t l = 1; l <= T; l++)
			cnt[l] = l < T ? (uint32_t)b->batch_sizes[l] : 0;
		for (size_t i = 0; i < n; i++) {
			uint32_t j = cnt[len[i]]++;
			b->sorted[j] = (int32_t)i;
			b->unsorted[i] = (int32_t)j;
		}
	}

	fill_i32(b->padded, cells, padding_idx);
	if (batch_first) {
		for (size_t i = 0; i < n; i++)
			memcpy(b->padded + i * T, seq[i], len[i] * sizeof **seq);
	} else {
		for (size_t i = 0; i < n; i++)
			for (size_t t = 0; t < len[i]; t++)
				b->padded[t * n + i] = seq[i][t];
	}

	{
		size_t k = 0;
		for (size_t t = 0; t < T; t++) {
			size_t bs = (size_t)b->batch_sizes[t];
			for (size_t j = 0; j < bs; j++)
				b->data[k++] = seq[b->sorted[j]][t];
		}
		assert(k == N);
	}
	return 0;
}

int emb_batch_embed(struct emb_batch *b, const struct emb_table *t, double max_norm,
		    double norm_type, long pad_row, struct emb_err *err)
{
	size_t dim = t->dim, cells;
	int rc;

	if (!emb_mul_ok(b->tokens, dim, &cells))
		return emb_err_set(err, EMB_ELIMIT, "batch of %zu vectors is too large", b->tokens);
	if ((rc = grow(&b->vectors, &b->cap_vec, cells ? cells : 1, sizeof *b->vectors, err)) < 0)
		return rc;
	b->dim = dim;
	for (size_t k = 0; k < b->tokens; k++) {
		float *v = b->vectors + k * dim;
		int32_t id = b->data[k];
		assert(id >= 0 && (size_t)id < t->rows);
		if (id == pad_row) {
			memset(v, 0, dim * sizeof *v);
			continue;
		}
		memcpy(v, emb_table_row(t, (size_t)id), dim * sizeof *v);
		if (max_norm > 0)
			emb_renorm_row(v, dim, max_norm, norm_type);
	}
	return 0;
}

void emb_batch_release(struct emb_batch *b)
{
	if (!b)
		return;
	free(b->index);
	free(b->lengths);
	free(b->sorted);
	free(b->unsorted);
	free(b->batch_sizes);
	free(b->padded);
	free(b->data);
	free(b->vectors);
	free(b->scratch);
	memset(b, 0, sizeof *b);
}

/* ---- the batcher ---- */

struct seqref {
	size_t off, len;
	int64_t pos;
};

struct group {
	size_t start, count;
};

struct emb_batcher {
	struct emb_batch_opts o;
	emb_batch_fn fn;
	void *ctx;
	size_t window;            /* sequences per window; 0 = emit as soon as a batch is full */
	int32_t *arena, *arena2;  /* ids of the window; arena2 receives the carry-over */
	size_t arena_len, arena_cap, arena2_cap;
	struct seqref *seq;
	size_t nseq, cap_seq;
	size_t cur_max;           /* streaming: the longest sequence of the open batch */
	struct seqref *tmp;       /* counting sort output */
	size_t cap_tmp, *count, cap_count;
	struct group *grp;
	size_t cap_grp;
	const int32_t **bseq;     /* the batch being emitted */
	size_t *blen;
	int64_t *bpos;
	size_t cap_b, cap_b2, cap_b3;
	struct emb_batch batch;
	uint64_t number;
	uint64_t rng;
};

int emb_batcher_new(struct emb_batcher **out, const struct emb_batch_opts *o, emb_batch_fn fn,
		    void *ctx, struct emb_err *err)
{
	struct emb_batcher *bt;

	*out = NULL;
	if (o->batch_size == 0 && o->max_tokens == 0)
		return emb_err_set(err, EMB_EINVAL, "a batch size or a token budget is needed");
	if (!(bt = calloc(1, sizeof *bt)))
		return emb_err_nomem(err, "creating a batcher");
	bt->o = *o;
	bt->fn = fn;
	bt->ctx = ctx;
	bt->rng = o->seed;
	if (o->bucket > 0)
		bt->window = o->bucket;
	else if (o->shuffle)
		bt->window = o->batch_size ? (o->batch_size > SIZE_MAX / EMB_BATCH_SHUFFLE_BATCHES ?
					      SIZE_MAX : o->batch_size * EMB_BATCH_SHUFFLE_BATCHES)
					   : EMB_BATCH_SHUFFLE_SEQS;
	*out = bt;
	return 0;
}

void emb_batcher_free(struct emb_batcher *bt)
{
	if (!bt)
		return;
	free(bt->arena);
	free(bt->arena2);
	free(bt->seq);
	free(bt->tmp);
	free(bt->count);
	free(bt->grp);
	free(bt->bseq);
	free(bt->blen);
	free(bt->bpos);
	emb_batch_release(&bt->batch);
	free(bt);
}

/* Would a batch of COUNT sequences up to MAXLEN long take one more of LEN? */
static bool fits(const struct emb_batch_opts *o, size_t count, size_t maxlen, size_t len)
{
	size_t m = len > maxlen ? len : maxlen, cells;

	if (count == 0)
		return true;
	if (o->batch_size && count >= o->batch_size)
		return false;
	return !o->max_tokens || (emb_mul_ok(count + 1, m, &cells) && cells <= o->max_tokens);
}

static bool is_full(const struct emb_batch_opts *o, size_t count)
{
	return o->batch_size && count >= o->batch_size;
}

static int emit(struct emb_batcher *bt, const struct seqref *s, size_t count, struct emb_err *err)
{
	size_t c;
	int rc;

	c = bt->cap_b;
	if ((rc = grow(&bt->bseq, &c, count, sizeof *bt->bseq, err)) < 0)
		return rc;
	bt->cap_b = c;
	if ((rc = grow(&bt->blen, &bt->cap_b2, count, sizeof *bt->blen, err)) < 0 ||
	    (rc = grow(&bt->bpos, &bt->cap_b3, count, sizeof *bt->bpos, err)) < 0)
		return rc;
	for (size_t i = 0; i < count; i++) {
		bt->bseq[i] = bt->arena + s[i].off;
		bt->blen[i] = s[i].len;
		bt->bpos[i] = s[i].pos;
	}
	if ((rc = emb_batch_fill(&bt->batch, bt->bseq, bt->blen, bt->bpos, count, bt->o.batch_first,
				 bt->o.enforce_sorted, bt->o.padding_idx, bt->o.name, err)) < 0)
		return rc;
	bt->batch.number = bt->number++;
	return bt->fn(bt->ctx, &bt->batch, err);
}

static int by_length_desc(const void *a, const void *b)
{
	const struct seqref *x = a, *y = b;

	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Sort the window longest first, ties by input position.  The window is already in position
 * order within each length (the carried-over batch came sorted and precedes the new lines),
 * so a stable counting sort by length gives that order in linear time; qsort with the full
 * comparison serves windows whose longest sequence dwarfs their count.
 */
static int sort_window(struct emb_batcher *bt, struct emb_err *err)
{
	size_t n = bt->nseq, maxl = 0, acc = 0;
	struct seqref *t;
	size_t c;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (bt->seq[i].len > maxl)
			maxl = bt->seq[i].len;
	if (maxl > 4 * n + 4096) {
		qsort(bt->seq, n, sizeof *bt->seq, by_length_desc);
		return 0;
	}
	c = bt->cap_tmp;
	if ((rc = grow(&bt->tmp, &c, bt->cap_seq, sizeof *bt->tmp, err)) < 0 ||
	    (rc = grow(&bt->count, &bt->cap_count, maxl + 1, sizeof *bt->count, err)) < 0)
		return rc;
	bt->cap_tmp = c;
	memset(bt->count, 0, (maxl + 1) * sizeof *bt->count);
	for (size_t i = 0; i < n; i++)
		bt->count[bt->seq[i].len]++;
	for (size_t l = maxl; l >= 1; l--) {
		size_t k = bt->count[l];
		bt->count[l] = acc;
		acc += k;
	}
	for (size_t i = 0; i < n; i++)
		bt->tmp[bt->count[bt->seq[i].len]++] = bt->seq[i];
	t = bt->seq;
	bt->seq = bt->tmp;
	bt->tmp = t;
	c = bt->cap_seq;
	bt->cap_seq = bt->cap_tmp;
	bt->cap_tmp = c;
	return 0;
}

/* Cut the window into batches and emit them; unless FINAL, keep the open last batch. */
static int flush_window(struct emb_batcher *bt, bool final, struct emb_err *err)
{
	size_t ngrp = 0, start = 0, count = 0, maxlen = 0, keep_from, keep_ids = 0;
	int rc;

	if (bt->nseq == 0)
		return 0;
	if (bt->o.bucket > 0 && (rc = sort_window(bt, err)) < 0)
		return rc;
	for (size_t i = 0; i <= bt->nseq; i++) {
		if (i < bt->nseq && fits(&bt->o, count, maxlen, bt->seq[i].len)) {
			count++;
			if (bt->seq[i].len > maxlen)
				maxlen = bt->seq[i].len;
			continue;
		}
		if ((rc = grow(&bt->grp, &bt->cap_grp, ngrp + 1, sizeof *bt->grp, err)) < 0)
			return rc;
		bt->grp[ngrp++] = (struct group){ start, count };
		start = i;
		count = 1;
		maxlen = i < bt->nseq ? bt->seq[i].len : 0;
	}
	/* the last group is open: carry it over, or at the end drop it if asked */
	keep_from = bt->nseq;
	if (ngrp > 0 && !is_full(&bt->o, bt->grp[ngrp - 1].count)) {
		if (!final)
			keep_from = bt->grp[--ngrp].start;
		else if (bt->o.drop_last)
			ngrp--;
	}
	if (bt->o.shuffle)
		for (size_t i = ngrp; i > 1; i--) {
			size_t j = (size_t)(((unsigned __int128)emb_rng_splitmix64(&bt->rng) * i) >> 64);
			struct group g = bt->grp[i - 1];
			bt->grp[i - 1] = bt->grp[j];
			bt->grp[j] = g;
		}
	for (size_t g = 0; g < ngrp; g++)
		if ((rc = emit(bt, bt->seq + bt->grp[g].start, bt->grp[g].count, err)) < 0)
			return rc;

	for (size_t i = keep_from; i < bt->nseq; i++)
		keep_ids += bt->seq[i].len;
	if ((rc = grow(&bt->arena2, &bt->arena2_cap, keep_ids ? keep_ids : 1, sizeof *bt->arena2,
		       err)) < 0)
		return rc;
	keep_ids = 0;
	for (size_t i = keep_from; i < bt->nseq; i++) {
		struct seqref *s = &bt->seq[i];
		memcpy(bt->arena2 + keep_ids, bt->arena + s->off, s->len * sizeof *bt->arena);
		s->off = keep_ids;
		keep_ids += s->len;
		bt->seq[i - keep_from] = *s;
	}
	{
		int32_t *a = bt->arena;
		size_t c = bt->arena_cap;
		bt->arena = bt->arena2;
		bt->arena_cap = bt->arena2_cap;
		bt->arena2 = a;
		bt->arena2_cap = c;
	}
	bt->arena_len = keep_ids;
	bt->nseq -= keep_from;
	return 0;
}

int emb_batcher_push(struct emb_batcher *bt, const int32_t *ids, size_t n, int64_t pos,
		     struct emb_err *err)
{
	size_t need;
	int rc;

	assert(n > 0);
	/* streaming: the open batch goes out when this sequence would not fit in it */
	if (bt->window == 0 && bt->nseq > 0 && !fits(&bt->o, bt->nseq, bt->cur_max, n)) {
		if ((rc = emit(bt, bt->seq, bt->nseq, err)) < 0)
			return rc;
		bt->nseq = 0;
		bt->arena_len = 0;
		bt->cur_max = 0;
	}
	if (!emb_add_ok(bt->arena_len, n, &need))
		return emb_err_set(err, EMB_ELIMIT, "window too large");
	if ((rc = grow(&bt->arena, &bt->arena_cap, need, sizeof *bt->arena, err)) < 0 ||
	    (rc = grow(&bt->seq, &bt->cap_seq, bt->nseq + 1, sizeof *bt->seq, err)) < 0)
		return rc;
	memcpy(bt->arena + bt->arena_len, ids, n * sizeof *ids);
	bt->seq[bt->nseq++] = (struct seqref){ bt->arena_len, n, pos };
	bt->arena_len = need;
	if (n > bt->cur_max)
		bt->cur_max = n;
	if (bt->window == 0 && is_full(&bt->o, bt->nseq)) {
		rc = emit(bt, bt->seq, bt->nseq, err);
		bt->nseq = 0;
		bt->arena_len = 0;
		bt->cur_max = 0;
		return rc;
	}
	if (bt->window > 0 && bt->nseq >= bt->window)
		return flush_window(bt, false, err);
	return 0;
}

int emb_batcher_finish(struct emb_batcher *bt, struct emb_err *err)
{
	int rc = 0;

	if (bt->window > 0)
		return flush_window(bt, true, err);
	if (bt->nseq > 0 && !(bt->o.drop_last && !is_full(&bt->o, bt->nseq)))
		rc = emit(bt, bt->seq, bt->nseq, err);
	bt->nseq = 0;
	bt->arena_len = 0;
	return rc;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int emb_batch_parse_ids(const char *line, size_t len, int32_t **ids, size_t *cap, size_t max_len,
			uint64_t limit, size_t *n, size_t *total, const char *name,
			unsigned long long lineno, struct emb_err *err)
{
	const char *p = line, *end = line + len;
	size_t kept = 0, seen = 0;
	uint64_t lim = limit ? limit : (uint64_t)INT32_MAX + 1;
	char tok[80];
	int rc;

	while (p < end) {
		const char *s;
		uint64_t v = 0;
		bool big = false;

		if (is_space(*p)) {
			p++;
			continue;
		}
		s = p;
		while (p < end && *p >= '0' && *p <= '9') {
			if (v > lim)
				big = true;
			else
				v = v * 10 + (uint64_t)(*p - '0');
			p++;
		}
		if (p < end && !is_space(*p)) {
			while (p < end && !is_space(*p))
				p++;
			emb_err_token(tok, sizeof tok, s, (size_t)(p - s));
			return emb_err_set_at(err, EMB_EFORMAT, name, lineno, "%s id '%s'",
					      *s == '-' && p - s > 1 && s[1] >= '0' && s[1] <= '9' ? "negative" :
					      "invalid", tok);
		}
		if (big || v >= lim) {
			emb_err_token(tok, sizeof tok, s, (size_t)(p - s));
			if (limit)
				return emb_err_set_at(err, EMB_EFORMAT, name, lineno,
						      "id '%s' out of range (must be below %llu)", tok,
						      (unsigned long long)limit);
			return emb_err_set_at(err, EMB_EFORMAT, name, lineno, "id '%s' out of range",
					      tok);
		}
		seen++;
		if (max_len && kept >= max_len)
			continue;
		if (kept >= *cap && (rc = grow(ids, cap, kept + 1, sizeof **ids, err)) < 0)
			return rc;
		(*ids)[kept++] = (int32_t)v;
	}
	*n = kept;
	*total = seen;
	return 0;
}
