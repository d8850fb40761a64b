/*
 * fastText's model file (.bin, format version 12, as fastText 0.9 writes it; byte layout in
 * formats/FASTTEXT.md): read as a table of the words' vectors plus the character n-gram rows
 * that give unseen words a vector (t->subword).
 *
 * Outline: magic and version; the training arguments (kept as metadata, "fasttext.args");
 * the dictionary (words with counts, then a supervised model's labels, which are not words
 * and are dropped); the input matrix, whose first rows are the words' own rows and the rest
 * the n-gram buckets; the output matrix, which only training needs, is skipped unread.  A
 * word's vector is then the mean of its own row and its n-gram rows (emb_subword_vector),
 * which is exactly what `fasttext print-word-vectors` and the .vec file hold.
 *
 * Quantized models (.ftz: product-quantized rows, pruned n-grams) are refused.  Every count in
 * the file is checked against the others, and nothing is allocated for it before its bytes
 * have arrived (the tables grow as rows are read), so a lying header costs nothing.
 */
#include "emb_format.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_fasttext.h"
#include "emb_subword.h"
#include "emb_token.h"
#include "emb_bytes.h"

#define CHUNK_BYTES ((size_t)4 << 20)

struct ft_reader {
	struct emb_stream *in;
	struct emb_err *err;
};

static int fail_at(struct ft_reader *r, int code, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_at(struct ft_reader *r, int code, uint64_t at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return emb_err_set_at(r->err, code, emb_stream_name(r->in), 0, "byte %llu: %s",
			      (unsigned long long)at, msg);
}

/* Exactly N bytes of WHAT; a short input is "file ends inside WHAT" at its offset. */
static int get(struct ft_reader *r, void *dst, size_t n, const char *what)
{
	int rc = emb_stream_read_full(r->in, dst, n, r->err);

	if (rc == EMB_EOF || rc == EMB_ETRUNC)
		return fail_at(r, EMB_ETRUNC, emb_stream_offset(r->in), "file ends inside %s", what);
	return rc < 0 ? rc : 0;
}

static int get_i32(struct ft_reader *r, int32_t *v, const char *what)
{
	unsigned char b[4];
	int rc = get(r, b, 4, what);

	*v = (int32_t)emb_le32(b);
	return rc;
}

static int get_i64(struct ft_reader *r, int64_t *v, const char *what)
{
	unsigned char b[8];
	int rc = get(r, b, 8, what);

	*v = (int64_t)emb_le64(b);
	return rc;
}

/* Consume N bytes without keeping them. */
static int skip(struct ft_reader *r, uint64_t n, const char *what)
{
	while (n) {
		const unsigned char *p;
		size_t len;
		int rc = emb_stream_borrow(r->in, &p, &len, r->err);
		if (rc == EMB_EOF)
			return fail_at(r, EMB_ETRUNC, emb_stream_offset(r->in), "file ends inside %s",
				       what);
		if (rc < 0)
			return rc;
		if (len > n)
			len = (size_t)n;
		emb_stream_skip(r->in, len);
		n -= len;
	}
	return 0;
}

static const char *model_name(int32_t m)
{
	return m == FT_MODEL_CBOW ? "cbow" : m == FT_MODEL_SG ? "skipgram" : "supervised";
}

static const char *loss_name(int32_t l)
{
	static const char *const names[] = { "hs", "ns", "softmax", "ova" };
	return names[l - 1];
}

static int read_args(struct ft_reader *r, struct emb_ft_args *a)
{
	int32_t v[12] = { 0 };
	unsigned char tb[8] = { 0 };
	uint64_t at = emb_stream_offset(r->in), bits;
	int rc, i;

	for (i = 0; i < 12; i++)
		if ((rc = get_i32(r, &v[i], "the arguments")) < 0)
			return rc;
	if ((rc = get(r, tb, 8, "the arguments")) < 0)
		return rc;
	bits = emb_le64(tb);
	memcpy(&a->t, &bits, 8);
	a->dim = v[0], a->ws = v[1], a->epoch = v[2], a->min_count = v[3], a->neg = v[4];
	a->word_ngrams = v[5], a->loss = v[6], a->model = v[7], a->bucket = v[8];
	a->minn = v[9], a->maxn = v[10], a->lr_update_rate = v[11];
	if (a->dim <= 0 || (uint64_t)a->dim > EMB_MAX_DIM)
		return fail_at(r, EMB_ELIMIT, at, "dimension %d out of range", (int)a->dim);
	if (a->model < FT_MODEL_CBOW || a->model > FT_MODEL_SUP)
		return fail_at(r, EMB_EFORMAT, at + 28, "unknown model type %d", (int)a->model);
	if (a->loss < FT_LOSS_HS || a->loss > FT_LOSS_OVA)
		return fail_at(r, EMB_EFORMAT, at + 24, "unknown loss %d", (int)a->loss);
	if (a->bucket < 0)
		return fail_at(r, EMB_EFORMAT, at + 32, "negative bucket count %d", (int)a->bucket);
	if (a->minn < 0 || a->maxn < 0 || a->maxn > EMB_SUBWORD_MAX_N)
		return fail_at(r, EMB_ELIMIT, at + 36, "n-gram lengths %d to %d out of range",
			       (int)a->minn, (int)a->maxn);
	return 0;
}

static int args_meta(struct emb_table *t, const struct emb_ft_args *a, struct emb_err *err)
{
	char s[320];

	snprintf(s, sizeof s, "model=%s loss=%s dim=%d ws=%d epoch=%d minCount=%d neg=%d "
		 "wordNgrams=%d bucket=%d minn=%d maxn=%d lrUpdateRate=%d t=%.17g",
		 model_name(a->model), loss_name(a->loss), (int)a->dim, (int)a->ws, (int)a->epoch,
		 (int)a->min_count, (int)a->neg, (int)a->word_ngrams, (int)a->bucket, (int)a->minn,
		 (int)a->maxn, (int)a->lr_update_rate, a->t);
	return emb_table_meta_set(t, "fasttext.args", s, err);
}

/* One dictionary entry: the word's bytes up to a NUL (grown into *buf, at most MAX), count,
 * type. */
static int read_entry(struct ft_reader *r, size_t max, char **buf, size_t *cap, size_t *len,
		      int64_t *count, int8_t *type)
{
	uint64_t at = emb_stream_offset(r->in);
	unsigned char b[9];
	int rc;

	*len = 0;
	for (;;) {
		const unsigned char *p, *z;
		size_t n, take;
		if ((rc = emb_stream_borrow(r->in, &p, &n, r->err)) == EMB_EOF)
			return fail_at(r, EMB_ETRUNC, emb_stream_offset(r->in),
				       "file ends inside the dictionary");
		if (rc < 0)
			return rc;
		z = memchr(p, 0, n);
		take = z ? (size_t)(z - p) : n;
		if (*len + take > max)
			return fail_at(r, EMB_ELIMIT, at, "a word longer than %zu bytes", max);
		if (*len + take + 1 > *cap) {
			size_t ncap = (*len + take + 1) * 2;
			char *np = realloc(*buf, ncap);
			if (!np)
				return emb_err_nomem(r->err, "reading the dictionary");
			*buf = np;
			*cap = ncap;
		}
		memcpy(*buf + *len, p, take);
		*len += take;
		emb_stream_skip(r->in, take + (z != NULL));
		if (z)
			break;
	}
	if ((rc = get(r, b, 9, "the dictionary")) < 0)
		return rc;
	*count = (int64_t)emb_le64(b);
	*type = (int8_t)b[8];
	return 0;
}

static int read_dict(struct ft_reader *r, struct emb_table *t, const struct emb_read_opts *o,
		     int32_t *nwords_out, int32_t *nlabels_out, int64_t *prune_out,
		     uint64_t *bad_utf8)
{
	size_t max = o->max_token ? o->max_token : EMB_TOKEN_MAX_DEFAULT;
	int32_t size, nwords, nlabels, i;
	int64_t ntokens, prune;
	uint64_t at = emb_stream_offset(r->in);
	char *buf = NULL;
	size_t cap = 0;
	int rc;

	if ((rc = get_i32(r, &size, "the dictionary")) < 0 ||
	    (rc = get_i32(r, &nwords, "the dictionary")) < 0 ||
	    (rc = get_i32(r, &nlabels, "the dictionary")) < 0 ||
	    (rc = get_i64(r, &ntokens, "the dictionary")) < 0 ||
	    (rc = get_i64(r, &prune, "the dictionary")) < 0)
		return rc;
	if (size < 0 || nwords < 0 || nlabels < 0 || (int64_t)nwords + nlabels != size)
		return fail_at(r, EMB_EFORMAT, at, "dictionary of %d entries holds %d words and %d labels",
			       (int)size, (int)nwords, (int)nlabels);
	for (i = 0; i < size; i++) {
		uint64_t eat = emb_stream_offset(r->in);
		int64_t count = 0;
		int8_t type = 0;
		size_t len = 0;
		if ((rc = read_entry(r, max, &buf, &cap, &len, &count, &type)) < 0)
			goto done;
		/* fastText sorts words before labels */
		if (type != (i < nwords ? 0 : 1)) {
			rc = fail_at(r, EMB_EFORMAT, eat, "entry %d should be a %s", (int)i + 1,
				     i < nwords ? "word" : "label");
			goto done;
		}
		if (count < 0) {
			rc = fail_at(r, EMB_EFORMAT, eat, "negative count for entry %d", (int)i + 1);
			goto done;
		}
		if (i >= nwords)
			continue;
		/* the token rule; invalid UTF-8 is refused now (strict), else kept until the vectors
		 * are made from the bytes fastText hashed (repair_tokens) */
		struct emb_token_at ta = { emb_stream_name(r->in), 0, eat };
		const char *ok;
		size_t oklen;
		if ((rc = emb_token_check(buf, len, max, &ta, r->err)) < 0 ||
		    (rc = emb_token_utf8(buf, len, o->utf8 == EMB_UTF8_STRICT ? EMB_UTF8_STRICT :
					 EMB_UTF8_KEEP, NULL, NULL, &ok, &oklen, &ta, r->err)) < 0)
			goto done;
		*bad_utf8 += rc == 1;
		if ((rc = emb_vocab_add(t->vocab, buf, len, (uint64_t)count, NULL, r->err)) < 0)
			goto done;
		if (rc == EMB_EOF) {
			char tb[256];
			rc = fail_at(r, EMB_EFORMAT, eat, "duplicate word '%s'",
				     emb_err_token(tb, sizeof tb, buf, len));
			goto done;
		}
	}
	rc = 0;
	*nwords_out = nwords;
	*nlabels_out = nlabels;
	*prune_out = prune;
done:
	free(buf);
	return rc;
}

/* ROWS rows of the matrix into T (grown as they arrive); NULL T: read and drop them. */
static int read_rows(struct ft_reader *r, struct emb_table *t, uint64_t rows, size_t dim,
		     const struct emb_read_opts *o)
{
	size_t per = CHUNK_BYTES / (dim * 4) ? CHUNK_BYTES / (dim * 4) : 1, done = 0, i;
	int rc;

	if (!t)
		return skip(r, rows * dim * 4, "the input matrix");
	while (done < rows) {
		size_t k = rows - done < per ? (size_t)(rows - done) : per;
		uint64_t at = emb_stream_offset(r->in);
		float *dst;
		if ((rc = emb_table_resize(t, done + k, r->err)) < 0)
			return rc;
		dst = emb_table_row(t, done);
		if ((rc = get(r, dst, k * dim * 4, "the input matrix")) < 0)
			return rc;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		for (i = 0; i < k * dim; i++) {
			uint32_t u = emb_le32(dst + i);
			memcpy(dst + i, &u, 4);
		}
#endif
		for (i = 0; i < k * dim && !o->allow_nonfinite; i++)
			if (!isfinite(dst[i]))
				return fail_at(r, EMB_EFORMAT, at + 4 * i, "a non-finite value");
		done += k;
	}
	return 0;
}

static int read_matrix_header(struct ft_reader *r, int64_t want_rows, int64_t dim,
			      const char *what)
{
	uint64_t at = emb_stream_offset(r->in);
	unsigned char q;
	int64_t m, n;
	int rc;

	if ((rc = get(r, &q, 1, what)) < 0)
		return rc;
	if (q == 1)
		return fail_at(r, EMB_EFORMAT, at, "quantized models (.ftz) are not supported");
	if (q != 0)
		return fail_at(r, EMB_EFORMAT, at, "bad quantization flag %u", q);
	if ((rc = get_i64(r, &m, what)) < 0 || (rc = get_i64(r, &n, what)) < 0)
		return rc;
	if (m != want_rows || n != dim)
		return fail_at(r, EMB_EFORMAT, at + 1, "%s is %lld x %lld, expected %lld x %lld", what,
			       (long long)m, (long long)n, (long long)want_rows, (long long)dim);
	return 0;
}

/* Under --unicode-errors replace or ignore: the words' repaired bytes (after their vectors
 * were made from the bytes fastText hashed); a word repaired into nothing or into another
 * word is an error. */
static int repair_tokens(struct emb_table *t, struct ft_reader *r, const struct emb_read_opts *o)
{
	struct emb_token_at ta = { emb_stream_name(r->in), 0, EMB_TOKEN_NO_BYTE };
	struct emb_vocab *v = NULL;
	char *fixed = NULL;
	size_t cap = 0, i;
	int rc;

	if ((rc = emb_vocab_new(&v, r->err)) < 0)
		return rc;
	for (i = 0; i < t->rows && rc >= 0; i++) {
		size_t len, n;
		const char *w = emb_table_token(t, i, &len), *ok;
		char tb[256];
		if ((rc = emb_token_utf8(w, len, o->utf8, &fixed, &cap, &ok, &n, &ta, r->err)) < 0 ||
		    (rc = emb_token_check(ok, n, o->max_token, &ta, r->err)) < 0 ||
		    (rc = emb_vocab_add(v, ok, n, emb_table_count(t, i), NULL, r->err)) < 0)
			break;
		if (rc == EMB_EOF)
			rc = emb_err_set_at(r->err, EMB_EFORMAT, emb_stream_name(r->in), 0,
					    "word %zu is '%s' once repaired, as another word is", i + 1,
					    emb_err_token(tb, sizeof tb, ok, n));
	}
	free(fixed);
	if (rc < 0) {
		emb_vocab_free(v);
		return rc;
	}
	emb_vocab_free(t->vocab);
	t->vocab = v;
	return 0;
}

/* Replace every word's own row by its vector (own row and n-grams averaged). */
/*
 * A word's vector is the mean of its row and its n-gram rows.  Finite rows can still sum past
 * FLT_MAX; such a word is refused as a non-finite row of another format is (allow_nonfinite
 * keeps it), so a fastText model never hands the rest of the suite an inf it did not ask for.
 */
static int word_vectors(struct emb_table *t, const struct emb_subword *sw, bool allow_nonfinite,
			const char *name, struct emb_err *err)
{
	float *own;
	size_t i;

	if (!sw)
		return 0;
	if (!(own = malloc(t->dim * sizeof *own)))
		return emb_err_nomem(err, "computing word vectors");
	for (i = 0; i < t->rows; i++) {
		size_t len;
		const char *w = emb_table_token(t, i, &len);
		memcpy(own, emb_table_row(t, i), t->dim * sizeof *own);
		emb_subword_vector(sw, w, len, own, emb_table_row(t, i));
		for (size_t j = 0; j < t->dim && !allow_nonfinite; j++)
			if (!isfinite(emb_table_row(t, i)[j])) {
				char tb[256];

				free(own);
				return emb_err_set_at(err, EMB_EFORMAT, name, 0, "the vector of word '%s' "
						      "is not finite (its rows sum past the float range)",
						      emb_err_token(tb, sizeof tb, w, len));
			}
	}
	free(own);
	return 0;
}

static int ft_read(struct emb_table **out, struct emb_stream *in, const struct emb_read_opts *o,
		   struct emb_err *err)
{
	struct ft_reader r = { in, err };
	struct emb_subword *sw = NULL;
	struct emb_table *t = NULL;
	struct emb_ft_args a = { 0 };
	int32_t nwords = 0, nlabels = 0, head[2];
	int64_t prune = -1;
	uint64_t bad_utf8 = 0;
	unsigned char extra;
	size_t got;
	bool subwords;
	int rc;

	*out = NULL;
	if ((rc = get_i32(&r, &head[0], "the header")) < 0 || (rc = get_i32(&r, &head[1], "the header")) < 0)
		return rc;
	if (head[0] != FT_MAGIC)
		return fail_at(&r, EMB_EFORMAT, 0, "not a fastText model (bad magic)");
	if (head[1] != FT_VERSION)
		return fail_at(&r, EMB_EFORMAT, 4, "unsupported fastText format version %d (only %d)",
			       (int)head[1], FT_VERSION);
	if ((rc = read_args(&r, &a)) < 0 || (rc = emb_table_new(&t, 0, (size_t)a.dim, err)) < 0 ||
	    (rc = args_meta(t, &a, err)) < 0 || (rc = read_dict(&r, t, o, &nwords, &nlabels, &prune, &bad_utf8)) < 0)
		goto done;
	/* a pruned n-gram index only comes with quantization: skip it, the flag refuses */
	if (prune > 0 && (rc = skip(&r, (uint64_t)prune * 8, "the pruned n-gram index")) < 0)
		goto done;
	if ((rc = read_matrix_header(&r, (int64_t)nwords + a.bucket, a.dim, "the input matrix")) < 0)
		goto done;
	if (prune >= 0) {
		rc = fail_at(&r, EMB_EFORMAT, emb_stream_offset(in), "a pruned model without quantization");
		goto done;
	}
	subwords = a.maxn > 0 && a.bucket > 0;
	if (subwords && (rc = emb_subword_new(&sw, (uint32_t)a.minn, (uint32_t)a.maxn, 0,
					      (size_t)a.dim, err)) < 0)
		goto done;
	if ((rc = read_rows(&r, t, (uint64_t)nwords, (size_t)a.dim, o)) < 0 ||
	    (rc = read_rows(&r, sw ? sw->own : NULL, (uint64_t)a.bucket, (size_t)a.dim, o)) < 0)
		goto done;
	if (sw) {
		sw->bucket = (uint32_t)a.bucket;
		sw->rows = sw->own->data;
	}
	/* the output matrix is training state: checked for size, not kept */
	if ((rc = read_matrix_header(&r, a.model == FT_MODEL_SUP ? nlabels : nwords, a.dim,
				     "the output matrix")) < 0 ||
	    (rc = skip(&r, (uint64_t)(a.model == FT_MODEL_SUP ? nlabels : nwords) * (uint64_t)a.dim * 4,
		       "the output matrix")) < 0)
		goto done;
	if ((rc = emb_stream_read(in, &extra, 1, &got, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = fail_at(&r, EMB_EFORMAT, emb_stream_offset(in) - 1, "trailing bytes after the model");
		goto done;
	}
	if ((rc = word_vectors(t, sw, o->allow_nonfinite, emb_stream_name(in), err)) < 0 ||
	    (bad_utf8 && o->utf8 != EMB_UTF8_KEEP && (rc = repair_tokens(t, &r, o)) < 0))
		goto done;
	if (o->utf8 == EMB_UTF8_KEEP)
		emb_utf8_warn(o, emb_stream_name(in), bad_utf8);
	t->subword = sw;
	sw = NULL;
	rc = o->limit ? emb_table_truncate(t, o->limit, err) : 0;
done:
	emb_subword_free(sw);
	if (rc < 0) {
		emb_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static int ft_bid(const unsigned char *p, size_t n)
{
	return n >= 4 && (int32_t)emb_le32(p) == FT_MAGIC ? 100 : 0;
}

const struct emb_format emb_format_fasttext = {
	.name = "fasttext",
	.bid = ft_bid,
	.read = ft_read,
	.write = fmt_fasttext_write,
	.has_header = false,
	.text = false,
};
