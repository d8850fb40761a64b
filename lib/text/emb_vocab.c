/*
 * emb_vocab: tokens, counts and the token -> id index.  See emb_vocab.h.
 *
 * Tokens live back to back, each NUL-terminated, in one arena; per id we keep its offset,
 * length, count and 32 bits of its hash.  The index is an open-addressing table of id + 1
 * (0 = empty) with linear probing, at most half full; comparing the stored hash first means a
 * probe rarely touches the arena.  Growing the table rehashes from the stored hashes.
 *
 * Loading: the first line decides the layout.  With a tab (or, for EMB_VOCAB_CSV, a comma) or
 * a leading quote it is TSV/CSV read through emb_tsv; otherwise "token count" split at the
 * last space (word2vec.c -save-vocab, GloVe vocab_count), whose tokens hold no spaces or tabs
 * and may hold quotes, so they must not go through a CSV parser.
 */
#include "emb_vocab.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "emb_hash.h"
#include "emb_stream.h"
#include "emb_token.h"
#include "emb_tsv.h"
#include "internal.h"

#define MAX_IDS ((size_t)UINT32_MAX - 1)

struct emb_vocab {
	char *arena;
	size_t alen, acap;
	size_t *off, *len;
	uint64_t *count;
	uint32_t *hash;
	size_t n, cap;
	uint32_t *slot; /* id + 1, 0 = empty */
	size_t mask;    /* slots - 1 */
};

int emb_vocab_new(struct emb_vocab **out, struct emb_err *err)
{
	struct emb_vocab *v = calloc(1, sizeof *v);

	*out = NULL;
	if (!v || !(v->slot = calloc(64, sizeof *v->slot))) {
		free(v);
		return emb_err_nomem(err, "creating a vocabulary");
	}
	v->mask = 63;
	*out = v;
	return 0;
}

static void release(struct emb_vocab *v)
{
	free(v->arena);
	free(v->off);
	free(v->len);
	free(v->count);
	free(v->hash);
	free(v->slot);
}

void emb_vocab_free(struct emb_vocab *v)
{
	if (!v)
		return;
	release(v);
	free(v);
}

static long lookup(const struct emb_vocab *v, const char *tok, size_t len, uint32_t h,
		   size_t *where)
{
	size_t i = h & v->mask;
	uint32_t s;

	while ((s = v->slot[i])) {
		size_t id = s - 1;
		if (v->hash[id] == h && v->len[id] == len &&
		    memcmp(v->arena + v->off[id], tok, len) == 0)
			return (long)id;
		i = (i + 1) & v->mask;
	}
	*where = i;
	return -1;
}

static int grow_index(struct emb_vocab *v, struct emb_err *err)
{
	size_t nslots = 2 * (v->mask + 1), mask = nslots - 1;
	uint32_t *s = calloc(nslots, sizeof *s);

	if (!s)
		return emb_err_nomem(err, "growing a vocabulary");
	for (size_t id = 0; id < v->n; id++) {
		size_t i = v->hash[id] & mask;
		while (s[i])
			i = (i + 1) & mask;
		s[i] = (uint32_t)(id + 1);
	}
	free(v->slot);
	v->slot = s;
	v->mask = mask;
	return 0;
}

static int grow_ids(struct emb_vocab *v, struct emb_err *err)
{
	size_t nc = v->cap ? 2 * v->cap : 256;
	void *p;

	if (!(p = realloc(v->off, nc * sizeof *v->off)))
		goto nomem;
	v->off = p;
	if (!(p = realloc(v->len, nc * sizeof *v->len)))
		goto nomem;
	v->len = p;
	if (!(p = realloc(v->count, nc * sizeof *v->count)))
		goto nomem;
	v->count = p;
	if (!(p = realloc(v->hash, nc * sizeof *v->hash)))
		goto nomem;
	v->hash = p;
	v->cap = nc;
	return 0;
nomem:
	return emb_err_nomem(err, "growing a vocabulary");
}

static int reserve_arena(struct emb_vocab *v, size_t need, struct emb_err *err)
{
	size_t total, nc;
	char *a;

	if (!emb_add_ok(v->alen, need, &total))
		return emb_err_set(err, EMB_ELIMIT, "vocabulary too large");
	if (total <= v->acap)
		return 0;
	nc = v->acap ? v->acap : 4096;
	while (nc < total)
		if (!emb_mul_ok(nc, 2, &nc))
			return emb_err_set(err, EMB_ELIMIT, "vocabulary too large");
	if (!(a = realloc(v->arena, nc)))
		return emb_err_nomem(err, "growing a vocabulary");
	v->arena = a;
	v->acap = nc;
	return 0;
}

/* Append a token to the arrays and the arena, not to the index. */
static int push(struct emb_vocab *v, const char *tok, size_t len, uint64_t count, uint32_t h,
		struct emb_err *err)
{
	int rc;

	if (v->n >= MAX_IDS)
		return emb_err_set(err, EMB_ELIMIT, "more than %zu tokens in a vocabulary", MAX_IDS);
	if (v->n == v->cap && (rc = grow_ids(v, err)) < 0)
		return rc;
	if ((rc = reserve_arena(v, len + 1, err)) < 0)
		return rc;
	memcpy(v->arena + v->alen, tok, len);
	v->arena[v->alen + len] = 0;
	v->off[v->n] = v->alen;
	v->len[v->n] = len;
	v->count[v->n] = count;
	v->hash[v->n] = h;
	v->alen += len + 1;
	v->n++;
	return 0;
}

/* Append a token known to be absent; `where` is its free slot from lookup(). */
static int append(struct emb_vocab *v, const char *tok, size_t len, uint64_t count, uint32_t h,
		  size_t where, size_t *id, struct emb_err *err)
{
	int rc;

	if ((rc = push(v, tok, len, count, h, err)) < 0)
		return rc;
	v->slot[where] = (uint32_t)v->n;
	if (id)
		*id = v->n - 1;
	if (2 * v->n > v->mask + 1)
		return grow_index(v, err);
	return 0;
}

/*
 * Build the index of tokens pushed without it, sized for them at once.  *dup = the id of the
 * first token seen twice (which is left out of the index), else -1.
 */
static int reindex(struct emb_vocab *v, long *dup, struct emb_err *err)
{
	size_t nslots = 64, mask;
	uint32_t *s;

	*dup = -1;
	while (nslots < 2 * v->n + 2)
		nslots *= 2;
	if (!(s = calloc(nslots, sizeof *s)))
		return emb_err_nomem(err, "indexing a vocabulary");
	mask = nslots - 1;
	for (size_t id = 0; id < v->n; id++) {
		size_t i = v->hash[id] & mask;
		for (; s[i]; i = (i + 1) & mask) {
			size_t o = s[i] - 1;
			if (v->hash[o] == v->hash[id] && v->len[o] == v->len[id] &&
			    memcmp(v->arena + v->off[o], v->arena + v->off[id], v->len[id]) == 0)
				break;
		}
		if (s[i]) {
			if (*dup < 0)
				*dup = (long)id;
			continue;
		}
		s[i] = (uint32_t)(id + 1);
	}
	free(v->slot);
	v->slot = s;
	v->mask = mask;
	return 0;
}

int emb_vocab_add(struct emb_vocab *v, const char *tok, size_t len, uint64_t count, size_t *id,
		  struct emb_err *err)
{
	uint32_t h = (uint32_t)emb_hash_bytes(tok, len);
	size_t where;
	long old = lookup(v, tok, len, h, &where);

	if (old >= 0) {
		if (id)
			*id = (size_t)old;
		return EMB_EOF;
	}
	return append(v, tok, len, count, h, where, id, err);
}

int emb_vocab_add_count(struct emb_vocab *v, const char *tok, size_t len, uint64_t count,
			struct emb_err *err)
{
	uint32_t h = (uint32_t)emb_hash_bytes(tok, len);
	size_t where;
	long old = lookup(v, tok, len, h, &where);

	if (old < 0)
		return append(v, tok, len, count, h, where, NULL, err);
	if (__builtin_add_overflow(v->count[old], count, &v->count[old]))
		return emb_err_set(err, EMB_ELIMIT, "count of a token overflows 64 bits");
	return 0;
}

int emb_vocab_add_counts(struct emb_vocab *sum, const struct emb_vocab *v, const char *name,
			 struct emb_err *err)
{
	char shown[96];
	int rc;

	for (size_t id = 0; id < v->n; id++) {
		const char *tok = v->arena + v->off[id];
		long old = emb_vocab_find(sum, tok, v->len[id]);
		if (old >= 0 && sum->count[old] > UINT64_MAX - v->count[id])
			return emb_err_set_at(err, EMB_ELIMIT, name, 0, "the count of token '%s' "
					      "overflows 64 bits when summed",
					      emb_err_token(shown, sizeof shown, tok, v->len[id]));
		if ((rc = emb_vocab_add_count(sum, tok, v->len[id], v->count[id], err)) < 0)
			return rc;
	}
	return 0;
}

long emb_vocab_find(const struct emb_vocab *v, const char *tok, size_t len)
{
	size_t where;

	return lookup(v, tok, len, (uint32_t)emb_hash_bytes(tok, len), &where);
}

size_t emb_vocab_size(const struct emb_vocab *v)
{
	return v->n;
}

const char *emb_vocab_token(const struct emb_vocab *v, size_t id, size_t *len)
{
	if (len)
		*len = v->len[id];
	return v->arena + v->off[id];
}

uint64_t emb_vocab_count(const struct emb_vocab *v, size_t id)
{
	return v->count[id];
}

void emb_vocab_set_count(struct emb_vocab *v, size_t id, uint64_t count)
{
	v->count[id] = count;
}

uint64_t emb_vocab_total(const struct emb_vocab *v)
{
	uint64_t t = 0;

	for (size_t i = 0; i < v->n; i++)
		t += v->count[i];
	return t;
}

/* ---- sorting and selecting ---- */

/* True when token A comes after token B in memcmp order (a prefix first). */
static bool bytes_after(const struct emb_vocab *v, size_t a, size_t b)
{
	size_t m = v->len[a] < v->len[b] ? v->len[a] : v->len[b];
	int c = memcmp(v->arena + v->off[a], v->arena + v->off[b], m);

	return c > 0 || (c == 0 && v->len[a] > v->len[b]);
}

/*
 * Sorting works on 32-byte keys {count, first 8 bytes big-endian, token, length, hash}: nearly
 * every comparison ends on the first two words and the rest of the token is looked at only on
 * a tie of both, and the build that follows reads the keys in order, touching nothing else but
 * the token bytes.  A hand-written quicksort inlines the comparison.
 */
struct key {
	uint64_t count;
	uint64_t prefix;
	const char *tok;
	uint32_t len;
	uint32_t hash;
};

static uint64_t prefix_of(const char *tok, size_t len)
{
	unsigned char b[8] = { 0 };

	memcpy(b, tok, len < 8 ? len : 8);
	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 |
	       (uint64_t)b[3] << 32 | (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	       (uint64_t)b[6] << 8 | b[7];
}

/* <0, 0, >0: count descending, then token bytes (memcmp order, a prefix first). */
static inline int cmp_keys(const struct key *x, const struct key *y)
{
	uint32_t m;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	m = x->len < y->len ? x->len : y->len;
	if (m > 8) {
		int c = memcmp(x->tok + 8, y->tok + 8, m - 8);
		if (c)
			return c;
	}
	return (x->len > y->len) - (x->len < y->len);
}

static void sort_keys(struct key *k, size_t n)
{
	while (n > 16) {
		size_t i = 0, j = n - 1, mid = n / 2;
		struct key p, t;

		/* median of three as the pivot, kept at k[mid] */
		if (cmp_keys(&k[mid], &k[0]) < 0) { t = k[mid]; k[mid] = k[0]; k[0] = t; }
		if (cmp_keys(&k[j], &k[0]) < 0) { t = k[j]; k[j] = k[0]; k[0] = t; }
		if (cmp_keys(&k[j], &k[mid]) < 0) { t = k[j]; k[j] = k[mid]; k[mid] = t; }
		p = k[mid];
		for (;;) {
			while (cmp_keys(&k[i], &p) < 0)
				i++;
			while (cmp_keys(&p, &k[j]) < 0)
				j--;
			if (i >= j)
				break;
			t = k[i]; k[i] = k[j]; k[j] = t;
			i++;
			j--;
		}
		/* recurse into the smaller side, loop on the larger: O(log n) stack */
		if (j + 1 < n - j - 1) {
			sort_keys(k, j + 1);
			k += j + 1;
			n -= j + 1;
		} else {
			sort_keys(k + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct key t = k[i];
		size_t j = i;
		for (; j > 0 && cmp_keys(&t, &k[j - 1]) < 0; j--)
			k[j] = k[j - 1];
		k[j] = t;
	}
}

/*
 * A new vocabulary of the N distinct tokens tok[i] (len[i] bytes, count[i]; hash[i], or
 * computed when HASH is NULL), in count-then-bytes order when SORT, else as given.  Arrays are
 * sized once; the index is built once at the end.
 */
static int build(struct emb_vocab **out, size_t n, const char *const *tok, const size_t *len,
		 const uint64_t *count, const uint32_t *hash, bool sort, struct emb_err *err)
{
	struct emb_vocab *v = NULL;
	struct key *k = NULL;
	size_t bytes = 0;
	long dup;
	int rc;

	*out = NULL;
	if (n > MAX_IDS)
		return emb_err_set(err, EMB_ELIMIT, "more than %zu tokens in a vocabulary", MAX_IDS);
	if (!(k = malloc((n ? n : 1) * sizeof *k)))
		return emb_err_nomem(err, "sorting a vocabulary");
	for (size_t i = 0; i < n; i++) {
		if (len[i] > UINT32_MAX) {
			free(k);
			return emb_err_set(err, EMB_ELIMIT, "a token of %zu bytes is too long", len[i]);
		}
		k[i].count = count[i];
		k[i].prefix = sort ? prefix_of(tok[i], len[i]) : 0;
		k[i].tok = tok[i];
		k[i].len = (uint32_t)len[i];
		k[i].hash = hash ? hash[i] : (uint32_t)emb_hash_bytes(tok[i], len[i]);
		bytes += len[i] + 1;
	}
	if (sort)
		sort_keys(k, n);
	if ((rc = emb_vocab_new(&v, err)) < 0)
		goto done;
	while (v->cap < n)
		if ((rc = grow_ids(v, err)) < 0)
			goto done;
	if ((rc = reserve_arena(v, bytes, err)) < 0)
		goto done;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = push(v, k[i].tok, k[i].len, k[i].count, k[i].hash, err);
	if (rc == 0 && (rc = reindex(v, &dup, err)) == 0 && dup >= 0) {
		char shown[96];
		rc = emb_err_set(err, EMB_EFORMAT, "duplicate token '%s'",
				 emb_err_token(shown, sizeof shown, v->arena + v->off[dup], v->len[dup]));
	}
done:
	free(k);
	if (rc < 0)
		emb_vocab_free(v);
	else
		*out = v;
	return rc;
}

int emb_vocab_from_counts(struct emb_vocab **out, size_t n, const char *const *tok,
			  const size_t *len, const uint64_t *count, bool sort, struct emb_err *err)
{
	return build(out, n, tok, len, count, NULL, sort, err);
}

int emb_vocab_sort(struct emb_vocab *v, struct emb_err *err)
{
	const char **tok;
	struct emb_vocab *nv = NULL;
	bool sorted = true;
	int rc = 0;

	if (!(tok = malloc((v->n ? v->n : 1) * sizeof *tok)))
		return emb_err_nomem(err, "sorting a vocabulary");
	for (size_t i = 0; i < v->n; i++) {
		tok[i] = v->arena + v->off[i];
		if (i && sorted && (v->count[i - 1] < v->count[i] ||
				    (v->count[i - 1] == v->count[i] && bytes_after(v, i - 1, i))))
			sorted = false;
	}
	if (!sorted && (rc = build(&nv, v->n, tok, v->len, v->count, v->hash, true, err)) == 0) {
		release(v);
		*v = *nv;
		free(nv);
	}
	free(tok);
	return rc;
}

int emb_vocab_select(struct emb_vocab **out, const struct emb_vocab *counts,
		     const struct emb_vocab_select *sel, struct emb_err *err)
{
	struct emb_vocab *v = NULL;
	uint64_t max = sel->max_size ? sel->max_size : UINT64_MAX;
	long *special_id = NULL, dup;
	int rc;

	*out = NULL;
	if (sel->nspecials > max)
		return emb_err_set(err, EMB_EINVAL, "maximum size %llu is smaller than the %zu specials",
				   (unsigned long long)max, sel->nspecials);
	if ((rc = emb_vocab_new(&v, err)) < 0)
		return rc;
	if (sel->nspecials && !(special_id = calloc(sel->nspecials, sizeof *special_id))) {
		rc = emb_err_nomem(err, "selecting tokens");
		goto fail;
	}
	for (size_t i = 0; i < sel->nspecials && rc == 0; i++) {
		const char *s = sel->specials[i];
		size_t len = strlen(s);
		special_id[i] = emb_vocab_find(counts, s, len);
		rc = push(v, s, len, special_id[i] >= 0 ? counts->count[special_id[i]] : 0,
			  (uint32_t)emb_hash_bytes(s, len), err);
	}
	for (size_t id = 0; id < counts->n && v->n < max && rc == 0; id++) {
		bool special = false;
		if (counts->count[id] < sel->min_count)
			continue;
		for (size_t i = 0; i < sel->nspecials && !special; i++)
			special = special_id[i] == (long)id;
		if (!special)
			rc = push(v, counts->arena + counts->off[id], counts->len[id], counts->count[id],
				  counts->hash[id], err);
	}
	if (rc < 0 || (rc = reindex(v, &dup, err)) < 0)
		goto fail;
	if (dup >= 0) {
		rc = emb_err_set(err, EMB_EINVAL, "special token '%s' is listed twice",
				 v->arena + v->off[dup]);
		goto fail;
	}
	free(special_id);
	*out = v;
	return 0;
fail:
	free(special_id);
	emb_vocab_free(v);
	return rc;
}

/* ---- loading and saving ---- */

/* A count field: decimal digits only.  0 or EMB_EFORMAT with the reason. */
static int parse_count(const char *s, size_t n, uint64_t *out, const char *name,
		       unsigned long long line, struct emb_err *err)
{
	char shown[96];
	uint64_t c = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		if (__builtin_mul_overflow(c, 10, &c) || __builtin_add_overflow(c, (uint64_t)(s[i] - '0'), &c))
			return emb_err_set_at(err, EMB_EFORMAT, name, line, "count '%s' is too large",
					      emb_err_token(shown, sizeof shown, s, n));
	}
	if (n == 0)
		goto bad;
	*out = c;
	return 0;
bad:
	if (n > 1 && s[0] == '-' && s[1] >= '0' && s[1] <= '9')
		return emb_err_set_at(err, EMB_EFORMAT, name, line, "negative count '%s'",
				      emb_err_token(shown, sizeof shown, s, n));
	return emb_err_set_at(err, EMB_EFORMAT, name, line,
			      "count '%s' is not a non-negative integer",
			      emb_err_token(shown, sizeof shown, s, n));
}

struct load {
	unsigned flags;
	size_t max_token;
};

static int add_loaded(struct emb_vocab *v, const char *tok, size_t tlen, uint64_t count,
		      const struct load *ld, const char *name, unsigned long long line,
		      struct emb_err *err)
{
	unsigned flags = ld->flags;
	struct emb_token_at at = { name, line, EMB_TOKEN_NO_BYTE };
	char shown[96];
	size_t id;
	int rc;

	if ((rc = emb_token_check(tok, tlen, ld->max_token, &at, err)) < 0)
		return rc;
	rc = emb_vocab_add(v, tok, tlen, count, &id, err);
	if (rc == EMB_EOF && !(flags & EMB_VOCAB_ALLOW_DUP))
		return emb_err_set_at(err, EMB_EFORMAT, name, line,
				      "duplicate token '%s' (already id %zu)",
				      emb_err_token(shown, sizeof shown, tok, tlen), id);
	return rc < 0 ? rc : 0;
}

static int no_count(const char *name, unsigned long long line, const char *layout,
		    struct emb_err *err)
{
	return emb_err_set_at(err, EMB_EFORMAT, name, line, "no count (expected '%s')", layout);
}

static int read_table(struct emb_vocab *v, struct emb_stream *in, const struct load *ld,
		      struct emb_err *err)
{
	unsigned flags = ld->flags;
	const char *name = emb_stream_name(in);
	const char *layout = flags & EMB_VOCAB_CSV ? "token,count" : "token<TAB>count";
	struct emb_tsv *t;
	struct emb_tsv_row *row;
	uint64_t count;
	int rc;

	if ((rc = emb_tsv_open(&t, in, flags & EMB_VOCAB_CSV ? ',' : '\t', err)) < 0)
		return rc;
	while ((rc = emb_tsv_next(t, &row, err)) == 0) {
		count = 0;
		if (row->n > 2) {
			rc = emb_err_set_at(err, EMB_EFORMAT, name, row->line,
					    "expected 2 fields, found %zu", row->n);
			break;
		}
		if (row->n < 2 && !(flags & EMB_VOCAB_NO_COUNTS)) {
			rc = no_count(name, row->line, layout, err);
			break;
		}
		if (row->n == 2 && (rc = parse_count(row->field[1], row->len[1], &count, name,
						     row->line, err)) < 0)
			break;
		if ((rc = add_loaded(v, row->field[0], row->len[0], count, ld, name, row->line,
				     err)) < 0)
			break;
	}
	emb_tsv_close(t);
	return rc == EMB_EOF ? 0 : rc;
}

static int read_spaced(struct emb_vocab *v, struct emb_stream *in, const struct load *ld,
		       struct emb_err *err)
{
	unsigned flags = ld->flags;
	const char *name = emb_stream_name(in);
	char *line, *sp;
	size_t len;
	uint64_t count;
	int rc;

	while ((rc = emb_stream_getline(in, &line, &len, err)) == 0) {
		unsigned long long no = emb_stream_lineno(in);
		if (len && line[len - 1] == '\r')
			len--;
		if (len == 0)
			continue;
		count = 0;
		sp = NULL;
		for (size_t i = len; i-- > 0;)
			if (line[i] == ' ') {
				sp = line + i;
				break;
			}
		if (!sp) {
			if (!(flags & EMB_VOCAB_NO_COUNTS))
				return no_count(name, no, "token count", err);
			sp = line + len;
		} else if ((rc = parse_count(sp + 1, (size_t)(line + len - sp - 1), &count, name, no,
					     err)) < 0) {
			return rc;
		}
		if ((rc = add_loaded(v, line, (size_t)(sp - line), count, ld, name, no, err)) < 0)
			return rc;
	}
	return rc == EMB_EOF ? 0 : rc;
}

/*
 * True when the first non-empty line looks like TSV/CSV rather than "token count": it holds
 * the delimiter, or it opens a quoted field (one holding a line end) and has no space, or it
 * is very long.
 */
static int sniff_table(struct emb_stream *in, unsigned flags, bool *table, struct emb_err *err)
{
	const unsigned char *p;
	size_t n, i = 0;
	unsigned char delim = flags & EMB_VOCAB_CSV ? ',' : '\t';
	bool quoted, space = false;
	int rc;

	*table = false;
	if ((rc = emb_stream_peek(in, &p, &n, 1 << 16, err)) < 0)
		return rc;
	while (i < n && (p[i] == '\n' || p[i] == '\r'))
		i++;
	quoted = i < n && p[i] == '"';
	for (; i < n && p[i] != '\n'; i++) {
		if (p[i] == delim) {
			*table = true;
			return 0;
		}
		space |= p[i] == ' ';
	}
	/* a first line longer than the window is no word2vec or GloVe line: ours, then */
	*table = (quoted && !space) || (i == n && n == 1 << 16);
	return 0;
}

int emb_vocab_load(struct emb_vocab **out, const char *path, unsigned flags, struct emb_err *err)
{
	return emb_vocab_load_limit(out, path, flags, 0, err);
}

int emb_vocab_load_limit(struct emb_vocab **out, const char *path, unsigned flags,
			 size_t max_token, struct emb_err *err)
{
	struct load ld = { flags, max_token ? max_token : EMB_TOKEN_MAX_DEFAULT };
	struct emb_stream *in = NULL;
	struct emb_vocab *v = NULL;
	bool table;
	int rc;

	*out = NULL;
	if ((rc = emb_stream_open(&in, path, err)) < 0 || (rc = emb_vocab_new(&v, err)) < 0)
		goto done;
	/* a line holds one token (its quotes doubled at worst) and a count */
	emb_stream_set_max_line(in, ld.max_token > EMB_STREAM_MAX_LINE / 2 ? EMB_STREAM_MAX_LINE
						: 2 * ld.max_token + 64);
	if ((rc = sniff_table(in, flags, &table, err)) < 0)
		goto done;
	rc = table ? read_table(v, in, &ld, err) : read_spaced(v, in, &ld, err);
	if (rc < 0)
		goto done;
	rc = emb_stream_close(in, err);
	in = NULL;
	if (rc == 0) {
		*out = v;
		v = NULL;
	}
done:
	emb_stream_abort(in);
	emb_vocab_free(v);
	return rc;
}

int emb_vocab_save(const struct emb_vocab *v, struct emb_out *out, unsigned flags,
		   struct emb_err *err)
{
	char delim = flags & EMB_VOCAB_CSV ? ',' : '\t';
	int rc;

	for (size_t id = 0; id < v->n; id++)
		if ((rc = emb_tsv_write_field(out, v->arena + v->off[id], v->len[id], delim, delim,
					      err)) < 0 ||
		    (rc = emb_tsv_write_u64(out, v->count[id], '\n', err)) < 0)
			return rc;
	return 0;
}
