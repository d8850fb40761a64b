/*
 * emb_table: the in-memory embedding table.
 *
 * The matrix lives in an anonymous private mapping rather than on the malloc heap: it is page
 * (so 64-byte) aligned, zero-filled lazily by the kernel, and emb_table_resize() grows it with
 * mremap(), which moves page-table entries instead of copying, so a reader that does not trust
 * a header's row count can grow the table as rows arrive without ever holding two copies
 * (peak memory stays at the matrix plus one page).  A raw EMB file can instead hand over a
 * read-only file mapping (emb_table_adopt_mapping) and its stored vocabulary index
 * (emb_table_adopt_index), which emb_table_find/emb_table_token use without building a vocab.
 */
#define _GNU_SOURCE /* mremap */
#include "emb_table.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emb_subword.h"
#include "internal.h"

struct meta_entry {
	char *key, *value;
};

struct emb_table_priv {
	void *anon;           /* owned matrix mapping (t->data == anon), or NULL */
	size_t anon_len;      /* bytes mapped (page multiple) */
	void *map;            /* adopted file mapping */
	size_t map_len;
	struct emb_table_index ix;
	bool has_ix;
	struct meta_entry *meta;
	size_t nmeta, capmeta;
};

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	return (n + pg - 1) / pg * pg;
}

/* Make the owned matrix hold exactly BYTES (>0) bytes; new bytes read as zero. */
static int set_capacity(struct emb_table *t, size_t bytes, struct emb_err *err)
{
	struct emb_table_priv *p = t->priv;
	size_t len = page_round(bytes);
	void *m;

	if (len == p->anon_len)
		return 0;
	if (!p->anon)
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		m = mremap(p->anon, p->anon_len, len, MREMAP_MAYMOVE);
	if (m == MAP_FAILED)
		return emb_err_nomem(err, "allocating the embedding matrix");
	p->anon = m;
	p->anon_len = len;
	t->data = m;
	return 0;
}

int emb_table_new(struct emb_table **out, size_t rows, size_t dim, struct emb_err *err)
{
	struct emb_table *t;
	size_t n, bytes;
	int rc;

	*out = NULL;
	if (!emb_mul_ok(rows, dim, &n) || !emb_mul_ok(n, sizeof(float), &bytes) ||
	    bytes > SIZE_MAX / 2)
		return emb_err_set(err, EMB_ELIMIT, "a table of %zu x %zu values is too large", rows, dim);
	if (!(t = calloc(1, sizeof *t)) || !(t->priv = calloc(1, sizeof *t->priv))) {
		free(t);
		return emb_err_nomem(err, "creating a table");
	}
	t->rows = rows;
	t->dim = dim;
	t->padding_idx = -1;
	if ((rc = emb_vocab_new(&t->vocab, err)) < 0 ||
	    (bytes > 0 && (rc = set_capacity(t, bytes, err)) < 0)) {
		emb_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* Zero bytes [from, to) of the owned matrix (so a later regrow reads zeros) without touching
 * whole pages: those are handed back to the kernel, which refills them with zeros. */
static void zero_tail(struct emb_table_priv *p, size_t from, size_t to)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), head = page_round(from);

	if (head >= to) {
		memset((char *)p->anon + from, 0, to - from);
		return;
	}
	memset((char *)p->anon + from, 0, head - from);
	if (madvise((char *)p->anon + head, (to - head) / pg * pg, MADV_DONTNEED) < 0)
		memset((char *)p->anon + head, 0, (to - head) / pg * pg);
	memset((char *)p->anon + head + (to - head) / pg * pg, 0, (to - head) % pg);
}

int emb_table_resize(struct emb_table *t, size_t rows, struct emb_err *err)
{
	struct emb_table_priv *p = t->priv;
	size_t n, bytes, old;
	int rc;

	if (p->map)
		return emb_err_set(err, EMB_EINVAL, "cannot resize a mapped table");
	if (!emb_mul_ok(rows, t->dim, &n) || !emb_mul_ok(n, sizeof(float), &bytes) ||
	    bytes > SIZE_MAX / 2)
		return emb_err_set(err, EMB_ELIMIT, "a table of %zu x %zu values is too large",
				   rows, t->dim);
	old = t->rows * t->dim * sizeof(float);
	if (bytes == 0) {
		t->rows = rows;
		return 0;
	}
	if (bytes > p->anon_len || bytes < p->anon_len / 2) {
		/* grow geometrically so n appends cost O(n) page moves */
		size_t want = bytes;
		if (bytes > p->anon_len && p->anon_len && want < p->anon_len + p->anon_len / 2)
			want = p->anon_len + p->anon_len / 2;
		if ((rc = set_capacity(t, want, err)) < 0)
			return rc;
	}
	if (bytes < old)
		zero_tail(p, bytes, old < p->anon_len ? old : p->anon_len);
	t->rows = rows;
	return 0;
}

int emb_table_truncate(struct emb_table *t, size_t rows, struct emb_err *err)
{
	struct emb_vocab *v = NULL;
	size_t i;
	int rc;

	if (rows >= t->rows)
		return 0;
	if (!t->priv->map && (rc = emb_table_resize(t, rows, err)) < 0)
		return rc;
	t->rows = rows;
	if (t->padding_idx >= (long)rows)
		t->padding_idx = -1;
	if (!t->vocab)
		return 0;
	if ((rc = emb_vocab_new(&v, err)) < 0)
		return rc;
	for (i = 0; i < rows && rc == 0; i++) {
		size_t n;
		const char *tok = emb_vocab_token(t->vocab, i, &n);
		rc = emb_vocab_add(v, tok, n, emb_vocab_count(t->vocab, i), NULL, err);
	}
	if (rc < 0) {
		emb_vocab_free(v);
		return rc;
	}
	emb_vocab_free(t->vocab);
	t->vocab = v;
	return 0;
}

static void table_release_meta(struct emb_table_priv *p)
{
	size_t i;

	for (i = 0; i < p->nmeta; i++) {
		free(p->meta[i].key);
		free(p->meta[i].value);
	}
	free(p->meta);
}

void emb_table_free(struct emb_table *t)
{
	if (!t)
		return;
	/* before the mapping its rows may point into */
	emb_subword_free(t->subword);
	if (t->priv) {
		if (t->priv->anon)
			munmap(t->priv->anon, t->priv->anon_len);
		if (t->priv->map)
			munmap(t->priv->map, t->priv->map_len);
		table_release_meta(t->priv);
		free(t->priv);
	}
	emb_vocab_free(t->vocab);
	free(t);
}

int emb_table_meta_set(struct emb_table *t, const char *key, const char *value, struct emb_err *err)
{
	struct emb_table_priv *p = t->priv;
	char *v = strdup(value), *k = NULL;
	size_t i;

	if (!v)
		return emb_err_nomem(err, "setting metadata");
	for (i = 0; i < p->nmeta; i++)
		if (strcmp(p->meta[i].key, key) == 0) {
			free(p->meta[i].value);
			p->meta[i].value = v;
			return 0;
		}
	if (p->nmeta == p->capmeta) {
		size_t ncap = p->capmeta ? p->capmeta * 2 : 8;
		struct meta_entry *m = realloc(p->meta, ncap * sizeof *m);
		if (!m) {
			free(v);
			return emb_err_nomem(err, "setting metadata");
		}
		p->meta = m;
		p->capmeta = ncap;
	}
	if (!(k = strdup(key))) {
		free(v);
		return emb_err_nomem(err, "setting metadata");
	}
	p->meta[p->nmeta].key = k;
	p->meta[p->nmeta].value = v;
	p->nmeta++;
	return 0;
}

const char *emb_table_meta_get(const struct emb_table *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->priv->nmeta; i++)
		if (strcmp(t->priv->meta[i].key, key) == 0)
			return t->priv->meta[i].value;
	return NULL;
}

size_t emb_table_meta_count(const struct emb_table *t)
{
	return t->priv->nmeta;
}

void emb_table_meta_at(const struct emb_table *t, size_t i, const char **key, const char **value)
{
	assert(i < t->priv->nmeta);
	*key = t->priv->meta[i].key;
	*value = t->priv->meta[i].value;
}

bool emb_table_is_mapped(const struct emb_table *t)
{
	return t->priv->map != NULL;
}

void emb_table_adopt_mapping(struct emb_table *t, void *base, size_t len)
{
	struct emb_table_priv *p = t->priv;

	if (p->anon)
		munmap(p->anon, p->anon_len);
	p->anon = NULL;
	p->anon_len = 0;
	if (p->map)
		munmap(p->map, p->map_len);
	p->map = base;
	p->map_len = len;
}

void emb_table_adopt_index(struct emb_table *t, const struct emb_table_index *ix)
{
	t->priv->ix = *ix;
	t->priv->has_ix = true;
}

uint64_t emb_table_hash(const void *tok, size_t len)
{
	const unsigned char *s = tok;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Token i of the stored index, or NULL when its offsets are out of bounds (corrupt file). */
static const char *ix_token(const struct emb_table_index *ix, size_t rows, size_t i, size_t *len)
{
	uint64_t a, b;

	if (i >= rows)
		return NULL;
	a = emb_le64(ix->offs + 8 * i);
	b = emb_le64(ix->offs + 8 * (i + 1));
	if (a >= b || b > ix->toks_len || ix->toks[b - 1] != 0)
		return NULL;
	*len = (size_t)(b - a - 1);
	return ix->toks + a;
}

long emb_table_find(const struct emb_table *t, const char *tok, size_t len)
{
	const struct emb_table_index *ix = &t->priv->ix;
	uint64_t mask, h, probe;

	if (t->vocab || !t->priv->has_ix)
		return t->vocab ? emb_vocab_find(t->vocab, tok, len) : -1;
	if (ix->nslots == 0) {
		size_t i;
		for (i = 0; i < t->rows; i++) {
			size_t n;
			const char *s = ix_token(ix, t->rows, i, &n);
			if (s && n == len && memcmp(s, tok, len) == 0)
				return (long)i;
		}
		return -1;
	}
	mask = ix->nslots - 1;
	h = emb_table_hash(tok, len);
	for (probe = 0; probe < ix->nslots; probe++) {
		uint32_t slot = emb_le32(ix->slots + 4 * ((h + probe) & mask));
		size_t n;
		const char *s;

		if (slot == 0)
			return -1;
		s = ix_token(ix, t->rows, slot - 1, &n);
		if (s && n == len && memcmp(s, tok, len) == 0)
			return (long)(slot - 1);
	}
	return -1;
}

const float *emb_table_word_vector(const struct emb_table *t, const char *w, size_t len,
				   float *buf, long *row)
{
	*row = emb_table_find(t, w, len);
	if (*row >= 0)
		return emb_table_row(t, (size_t)*row);
	if (!t->subword || !buf)
		return NULL;
	emb_subword_vector(t->subword, w, len, NULL, buf);
	return buf;
}

const char *emb_table_token(const struct emb_table *t, size_t i, size_t *len)
{
	const char *s;
	size_t n = 0;

	if (t->vocab)
		return emb_vocab_token(t->vocab, i, len);
	s = t->priv->has_ix ? ix_token(&t->priv->ix, t->rows, i, &n) : NULL;
	if (len)
		*len = s ? n : 0;
	return s ? s : "";
}

uint64_t emb_table_count(const struct emb_table *t, size_t i)
{
	if (t->vocab)
		return i < emb_vocab_size(t->vocab) ? emb_vocab_count(t->vocab, i) : 0;
	if (t->priv->has_ix && t->priv->ix.counts && i < t->rows)
		return emb_le64(t->priv->ix.counts + 8 * i);
	return 0;
}

double emb_row_norm(const float *v, size_t dim, double norm_type)
{
	double s = 0;
	size_t i;

	if (isinf(norm_type)) {
		for (i = 0; i < dim; i++)
			if (fabs((double)v[i]) > s)
				s = fabs((double)v[i]);
		return s;
	}
	if (norm_type == 2) {
		for (i = 0; i < dim; i++)
			s += (double)v[i] * v[i];
		return sqrt(s);
	}
	if (norm_type == 1) {
		for (i = 0; i < dim; i++)
			s += fabs((double)v[i]);
		return s;
	}
	for (i = 0; i < dim; i++)
		s += pow(fabs((double)v[i]), norm_type);
	return pow(s, 1 / norm_type);
}

void emb_renorm_row(float *v, size_t dim, double max_norm, double norm_type)
{
	/* torch computes the norm of a float row as a float, then the scale in double */
	double norm = (float)emb_row_norm(v, dim, norm_type);
	size_t i;

	if (norm > max_norm) {
		/* torch multiplies the float row by the scale rounded to float */
		float scale = (float)(max_norm / (norm + 1e-7));
		for (i = 0; i < dim; i++)
			v[i] *= scale;
	}
}
