/*
 * emb_train_tables: what the trainer derives from the word counts, once per run (and again
 * after loading a checkpoint, so checkpoints hold counts, not tables).
 *  - sub-sampling: keep a word with probability (sqrt(c/(s*N)) + 1) * s*N/c, as a 32-bit
 *    threshold compared with a random draw;
 *  - the noise distribution count^ns_exponent as a Vose alias table (8 bytes a row);
 *  - the Huffman tree of hierarchical softmax, word2vec.c's two-queue build on sorted counts,
 *    ties broken by row so the tree is deterministic.
 */
#include <math.h>
#include <stdlib.h>

#include "emb_train_impl.h"

static int build_noise(struct emb_trainer *t, struct emb_err *err)
{
	size_t n = t->rows, ns = 0, nl = 0;
	double *p = malloc(n * sizeof *p), sum = 0;
	size_t *small = malloc(n * sizeof *small), *large = malloc(n * sizeof *large);
	int rc = 0;

	t->noise = malloc(n * sizeof *t->noise);
	if (!p || !small || !large || !t->noise) {
		rc = emb_err_nomem(err, "building the noise distribution");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		sum += p[i] = t->counts[i] ? pow((double)t->counts[i], t->o.ns_exponent) : 0;
	/* Vose's alias method: each bucket keeps its own row with probability thr, else `other` */
	for (size_t i = 0; i < n; i++) {
		p[i] = p[i] * (double)n / sum;
		if (p[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		size_t s = small[--ns], l = large[nl - 1];
		t->noise[s].thr = (uint32_t)(p[s] * 4294967296.0);
		t->noise[s].other = (uint32_t)l;
		p[l] -= 1 - p[s];
		if (p[l] < 1) {
			nl--;
			small[ns++] = l;
		}
	}
	while (nl) {
		size_t l = large[--nl];
		t->noise[l] = (struct alias){ UINT32_MAX, (uint32_t)l };
	}
	while (ns) {   /* rounding leftovers: keep only if the row can be drawn at all */
		size_t s = small[--ns];
		t->noise[s] = (struct alias){ t->counts[s] ? UINT32_MAX : 0, (uint32_t)s };
	}
done:
	free(p);
	free(small);
	free(large);
	return rc;
}

struct hkey {
	uint64_t count;
	size_t row;
};

static int hkey_cmp(const void *a, const void *b)
{
	const struct hkey *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Huffman tree over the rows with a count (word2vec.c's two-queue build on sorted counts). */
static int build_huffman(struct emb_trainer *t, struct emb_err *err)
{
	size_t n = 0, rows = t->rows;
	size_t *leaf = malloc(rows * sizeof *leaf);
	uint64_t *cnt = NULL;
	size_t *parent = NULL;
	uint8_t *bin = NULL;
	uint64_t total_len = 0;
	int rc = 0;

	t->code_off = calloc(rows, sizeof *t->code_off);
	t->code_len = calloc(rows, sizeof *t->code_len);
	if (!leaf || !t->code_off || !t->code_len)
		goto nomem;
	for (size_t i = 0; i < rows; i++)
		if (t->counts[i])
			leaf[n++] = i;
	/* ascending by count, ties by row: a total order so the tree is deterministic */
	{
		struct hkey *k = malloc((n ? n : 1) * sizeof *k);
		if (!k)
			goto nomem;
		for (size_t i = 0; i < n; i++)
			k[i] = (struct hkey){ t->counts[leaf[i]], leaf[i] };
		qsort(k, n, sizeof *k, hkey_cmp);
		for (size_t i = 0; i < n; i++)
			leaf[i] = k[i].row;
		free(k);
	}
	if (n < 2)
		goto assign; /* one word: no internal node, nothing to learn */
	cnt = malloc((2 * n) * sizeof *cnt);
	parent = malloc((2 * n) * sizeof *parent);
	bin = calloc(2 * n, 1);
	if (!cnt || !parent || !bin)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		cnt[i] = t->counts[leaf[i]];
	{
		size_t a = 0, b = n; /* next leaf, next internal node */
		for (size_t m = n; m < 2 * n - 1; m++) {
			size_t x, y;
			x = (a < n && (b >= m || cnt[a] <= cnt[b])) ? a++ : b++;
			y = (a < n && (b >= m || cnt[a] <= cnt[b])) ? a++ : b++;
			cnt[m] = cnt[x] + cnt[y];
			parent[x] = parent[y] = m;
			bin[y] = 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		unsigned len = 0;
		for (size_t x = i; x != 2 * n - 2; x = parent[x])
			len++;
		if (len > 255) {
			rc = emb_err_set(err, EMB_ELIMIT, "Huffman code longer than 255 bits");
			goto done;
		}
		t->code_len[leaf[i]] = (uint8_t)len;
		total_len += len;
	}
	t->code = malloc(total_len ? total_len : 1);
	t->point = malloc((total_len ? total_len : 1) * sizeof *t->point);
	if (!t->code || !t->point)
		goto nomem;
	total_len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t r = leaf[i], len = t->code_len[r], k = len;
		t->code_off[r] = total_len;
		/* walk up from the leaf, filling root-first order backwards */
		for (size_t x = i; x != 2 * n - 2; x = parent[x]) {
			k--;
			t->code[total_len + k] = bin[x];
			t->point[total_len + k] = (uint32_t)(parent[x] - n); /* internal node -> syn1 row */
		}
		total_len += len;
	}
assign:
	if (!t->code) {
		t->code = malloc(1);
		t->point = malloc(sizeof *t->point);
		if (!t->code || !t->point)
			goto nomem;
	}
	goto done;
nomem:
	rc = emb_err_nomem(err, "building the Huffman tree");
done:
	free(leaf);
	free(cnt);
	free(parent);
	free(bin);
	return rc;
}

void emb_train_keep(struct emb_trainer *t, uint64_t total)
{
	for (size_t i = 0; i < t->rows; i++) {
		double c = (double)t->counts[i], thr = t->o.sample * (double)total, k;
		k = t->o.sample > 0 && c > 0 ? (sqrt(c / thr) + 1) * thr / c : 1;
		t->keep[i] = k >= 1 ? UINT32_MAX : (uint32_t)(k * 4294967296.0);
	}
}

/* Tables derived from the counts (also after loading a checkpoint). */
int emb_train_derive(struct emb_trainer *t, struct emb_err *err)
{
	uint64_t total = 0;
	int rc;

	for (size_t i = 0; i < t->rows; i++)
		total += t->counts[i];
	if (total == 0)
		return emb_err_set(err, EMB_EFORMAT, "no word of the vocabulary has a count");
	emb_train_keep(t, total);
	if (t->syn1neg && (rc = build_noise(t, err)) < 0)
		return rc;
	if (t->syn1 && (rc = build_huffman(t, err)) < 0)
		return rc;
	return 0;
}

