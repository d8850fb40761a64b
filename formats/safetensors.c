/*
 * safetensors: a table as one safetensors file, the layout Hugging Face's `safetensors` library
 * and `torch` users load directly (the spec: huggingface/safetensors README, "Format"):
 *
 *   u64 LE  N              length of the JSON header
 *   N bytes JSON           {"__metadata__": {str: str}, NAME: {"dtype", "shape", "data_offsets"}}
 *   bytes   the buffer     every tensor's bytes, little-endian, row-major, no holes
 *
 * A table is the tensors `weight` (F32 [rows, dim]), `token_offsets` (I64 [rows + 1] offsets
 * into `tokens`), `tokens` (U8: every token's bytes concatenated) and, when the table knows
 * corpus counts, `counts` (I64 [rows]).  `__metadata__` holds the EMB metadata and, when set,
 * "padding_idx" (decimal).  We write what safetensors' own writer does: tensors ordered by
 * alignment, then name (I64, F32, U8), the header padded with spaces so the buffer starts at a
 * multiple of 8 bytes, so every tensor is aligned for mapping in place.
 *
 * Reading trusts nothing: the header length is capped (100 MB, the reference limit) and read
 * as it arrives; the JSON is parsed strictly (duplicate names, unknown dtypes, negative or
 * fractional numbers are errors); every tensor's byte length must equal its shape times its
 * element size, and the ranges sorted by offset must tile the buffer from 0 with no gap, no
 * overlap and nothing after the last.  Tensors we do not use are skipped, not refused.
 */
#include "emb_format.h"
#include "fmt_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_bytes.h"
#include "safetensors_impl.h"

#define MAX_HEADER ((uint64_t)100 << 20)
#define CHUNK ((size_t)4 << 20)

/* ---- writing ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	int rc;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->rc < 0)
		return;
	if (b->cap - b->len < n + 1) {
		size_t c = b->cap ? b->cap : 1024;
		char *np;
		while (c - b->len < n + 1)
			c *= 2;
		if (!(np = realloc(b->p, c))) {
			b->rc = EMB_ENOMEM;
			return;
		}
		b->p = np;
		b->cap = c;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* A JSON string; S is valid UTF-8 (checked by the caller), so only escapes are needed. */
static void sb_json(struct sbuf *b, const char *s)
{
	sb_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sb_put(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			sb_put(b, esc, 6);
		} else {
			sb_put(b, s, 1);
		}
	}
	sb_put(b, "\"", 1);
}

static void sb_tensor(struct sbuf *b, const char *name, const char *dtype, uint64_t d0,
		      uint64_t d1, int ndim, uint64_t *pos, uint64_t bytes)
{
	uint64_t end = *pos + bytes;
	char num[96];

	sb_str(b, ",");
	sb_json(b, name);
	sb_str(b, ":{\"dtype\":\"");
	sb_str(b, dtype);
	if (ndim == 2)
		snprintf(num, sizeof num, "\",\"shape\":[%llu,%llu]", (unsigned long long)d0,
			 (unsigned long long)d1);
	else
		snprintf(num, sizeof num, "\",\"shape\":[%llu]", (unsigned long long)d0);
	sb_str(b, num);
	snprintf(num, sizeof num, ",\"data_offsets\":[%llu,%llu]}", (unsigned long long)*pos,
		 (unsigned long long)end);
	sb_str(b, num);
	*pos = end;
}

static bool utf8_ok(const char *s)
{
	size_t n = strlen(s);
	return emb_utf8_valid_prefix((const unsigned char *)s, n) == n;
}

/* The header: metadata, then the tensors in the order their bytes follow. */
static int build_header(const struct emb_table *t, bool counts, uint64_t toks_len,
			struct sbuf *b, struct emb_err *err)
{
	uint64_t pos = 0;
	size_t i, n = emb_table_meta_count(t);
	char num[32];

	sb_str(b, "{\"__metadata__\":{");
	if (t->padding_idx >= 0) {
		snprintf(num, sizeof num, "\"%ld\"", t->padding_idx);
		sb_str(b, "\"padding_idx\":");
		sb_str(b, num);
	}
	for (i = 0; i < n; i++) {
		const char *k, *v;
		emb_table_meta_at(t, i, &k, &v);
		if (strcmp(k, "padding_idx") == 0)
			continue; /* the table's own padding_idx wins */
		if (!utf8_ok(k) || !utf8_ok(v)) {
			char tb[256];
			return emb_err_set(err, EMB_EFORMAT,
					   "metadata '%s' is not UTF-8, which a safetensors header cannot hold",
					   emb_err_token(tb, sizeof tb, k, strlen(k)));
		}
		if (b->len > 17)
			sb_str(b, ",");
		sb_json(b, k);
		sb_str(b, ":");
		sb_json(b, v);
	}
	sb_str(b, "}");
	if (counts)
		sb_tensor(b, "counts", "I64", t->rows, 0, 1, &pos, 8 * (uint64_t)t->rows);
	sb_tensor(b, "token_offsets", "I64", (uint64_t)t->rows + 1, 0, 1, &pos,
		  8 * ((uint64_t)t->rows + 1));
	sb_tensor(b, "weight", "F32", t->rows, t->dim, 2, &pos, 4 * (uint64_t)t->rows * t->dim);
	sb_tensor(b, "tokens", "U8", toks_len, 0, 1, &pos, toks_len);
	sb_str(b, "}");
	while ((8 + b->len) % 8)
		sb_str(b, " ");
	return b->rc < 0 ? emb_err_nomem(err, "building a safetensors header") : 0;
}

/* N little-endian u64 values from GET(t, i), written CHUNK bytes at a time. */
static int put_u64s(struct emb_out *out, const struct emb_table *t, size_t n,
		    uint64_t (*get)(const struct emb_table *, size_t, uint64_t *), struct emb_err *err)
{
	unsigned char buf[8192];
	uint64_t state = 0;
	size_t i, k = 0;
	int rc;

	for (i = 0; i < n; i++) {
		emb_put_le64(buf + k, get(t, i, &state));
		if ((k += 8) == sizeof buf || i + 1 == n) {
			if ((rc = emb_out_write(out, buf, k, err)) < 0)
				return rc;
			k = 0;
		}
	}
	return 0;
}

static uint64_t get_count(const struct emb_table *t, size_t i, uint64_t *state)
{
	(void)state;
	return emb_table_count(t, i);
}

/* Offset of token i; the state carries the running sum (row `rows` is the total). */
static uint64_t get_offset(const struct emb_table *t, size_t i, uint64_t *state)
{
	uint64_t at = *state;
	size_t len = 0;

	if (i < t->rows)
		emb_table_token(t, i, &len);
	*state += len;
	return at;
}

static int st_write(const struct emb_table *t, struct emb_out *out, const struct emb_write_opts *o,
		    struct emb_err *err)
{
	struct sbuf b = { NULL, 0, 0, 0 };
	unsigned char len8[8];
	uint64_t toks_len = 0;
	bool counts = false;
	size_t i;
	int rc;

	(void)o;
	for (i = 0; i < t->rows; i++) {
		size_t len;
		emb_table_token(t, i, &len);
		toks_len += len;
		counts = counts || emb_table_count(t, i) != 0;
	}
	if ((rc = build_header(t, counts, toks_len, &b, err)) < 0)
		goto done;
	emb_put_le64(len8, b.len);
	if ((rc = emb_out_write(out, len8, 8, err)) < 0 ||
	    (rc = emb_out_write(out, b.p, b.len, err)) < 0 ||
	    (counts && (rc = put_u64s(out, t, t->rows, get_count, err)) < 0) ||
	    (rc = put_u64s(out, t, t->rows + 1, get_offset, err)) < 0)
		goto done;
	rc = fmt_write_f32le(out, t->data, t->rows * t->dim, err);
	for (i = 0; i < t->rows && rc == 0; i++) {
		size_t len;
		const char *tok = emb_table_token(t, i, &len);
		rc = emb_out_write(out, tok, len, err);
	}
done:
	free(b.p);
	return rc < 0 ? rc : 0;
}

/* ---- reading ---- */

static int bad(struct emb_stream *in, struct emb_err *err, int code, uint64_t at, const char *fmt,
	       const char *name)
{
	char m[512];

	snprintf(m, sizeof m, fmt, name);
	return emb_err_set_at(err, code, emb_stream_name(in), 0, "byte %llu: %s",
			      (unsigned long long)at, m);
}

/* LEN bytes into a buffer grown as they arrive: a lying length costs only what was sent. */
static int read_blob(struct emb_stream *in, uint64_t len, unsigned char **out, const char *name,
		     struct emb_err *err)
{
	uint64_t at = emb_stream_offset(in);
	int rc = emb_stream_read_alloc(in, len, out, "reading a safetensors file", err);

	return rc == EMB_EOF || rc == EMB_ETRUNC
		       ? bad(in, err, EMB_ETRUNC, at, "input ends inside '%s'", name) : rc;
}

static int skip_bytes(struct emb_stream *in, uint64_t len, const char *name, struct emb_err *err)
{
	unsigned char buf[8192];
	uint64_t at = emb_stream_offset(in);
	int rc;

	while (len) {
		size_t k = len < sizeof buf ? (size_t)len : sizeof buf;
		if ((rc = emb_stream_read_full(in, buf, k, err)) != 0)
			return rc == EMB_EOF || rc == EMB_ETRUNC
				       ? bad(in, err, EMB_ETRUNC, at, "input ends inside '%s'", name) : rc;
		len -= k;
	}
	return 0;
}

static int read_weight(struct emb_table *t, struct emb_stream *in, uint64_t rows,
		       struct emb_err *err)
{
	uint64_t at = emb_stream_offset(in), end_row;
	int rc = fmt_read_f32le_rows(t, in, rows, &end_row, err);

	return rc == EMB_ETRUNC ? bad(in, err, EMB_ETRUNC, at, "input ends inside '%s'", "weight")
				: rc;
}

static int by_offset(const void *a, const void *b)
{
	const struct tensor *x = a, *y = b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* Every tensor's length against its shape; the ranges (sorted) tile the buffer. */
static int check_layout(struct hdr *h, struct emb_stream *in, struct emb_err *err)
{
	uint64_t pos = 0;
	size_t i;
	int d;

	for (i = 0; i < h->nt; i++) {
		struct tensor *t = &h->t[i];
		size_t n = st_dt_size[t->dtype];
		for (d = 0; d < t->rank; d++)
			if (t->shape[d] > SIZE_MAX || !emb_mul_ok(n, (size_t)t->shape[d], &n))
				return bad(in, err, EMB_EFORMAT, 8, "tensor '%s' is too large", t->name);
		if (n != t->end - t->begin)
			return bad(in, err, EMB_EFORMAT, 8,
				   "tensor '%s': data_offsets disagree with its dtype and shape", t->name);
	}
	qsort(h->t, h->nt, sizeof *h->t, by_offset);
	for (i = 0; i < h->nt; i++) {
		if (h->t[i].begin != pos)
			return bad(in, err, EMB_EFORMAT, 8, h->t[i].begin > pos
				   ? "a gap before tensor '%s' (the buffer must have no holes)"
				   : "tensor '%s' overlaps another", h->t[i].name);
		pos = h->t[i].end;
	}
	return 0;
}

static struct tensor *find(struct hdr *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nt; i++)
		if (strcmp(h->t[i].name, name) == 0)
			return &h->t[i];
	return NULL;
}

/* The tensors a table needs, with the dtypes and shapes it needs. */
static int check_table(struct hdr *h, struct emb_stream *in, struct emb_err *err)
{
	struct tensor *w = find(h, "weight"), *tk = find(h, "tokens"), *of = find(h, "token_offsets"),
		      *c = find(h, "counts");
	const char *miss = !w ? "weight" : !tk ? "tokens" : !of ? "token_offsets" : NULL;

	if (miss)
		return bad(in, err, EMB_EFORMAT, 8,
			   "no tensor '%s' (a table needs weight, tokens and token_offsets)", miss);
	if (w->dtype != DT_F32 || w->rank != 2)
		return bad(in, err, EMB_EFORMAT, 8, "tensor '%s' must be F32 of 2 dimensions", "weight");
	if (w->shape[1] < 1 || w->shape[1] > EMB_MAX_DIM || w->shape[0] > EMB_MAX_ROWS)
		return bad(in, err, EMB_ELIMIT, 8, "tensor '%s' has a dimension out of range", "weight");
	if (tk->dtype != DT_U8 || tk->rank != 1)
		return bad(in, err, EMB_EFORMAT, 8, "tensor '%s' must be U8 of 1 dimension", "tokens");
	if (of->dtype != DT_I64 || of->rank != 1 || of->shape[0] != w->shape[0] + 1)
		return bad(in, err, EMB_EFORMAT, 8, "tensor '%s' must be I64 of rows + 1 entries",
			   "token_offsets");
	if (c && (c->dtype != DT_I64 || c->rank != 1 || c->shape[0] != w->shape[0]))
		return bad(in, err, EMB_EFORMAT, 8, "tensor '%s' must be I64 of rows entries", "counts");
	return 0;
}

struct parts {
	unsigned char *toks, *offs, *counts;
	uint64_t toks_len;
};

static int read_buffer(struct emb_table *t, struct hdr *h, struct parts *pt, struct emb_stream *in,
		       struct emb_err *err)
{
	unsigned char extra;
	size_t i, got;
	int rc = 0;

	for (i = 0; i < h->nt && rc == 0; i++) {
		const struct tensor *x = &h->t[i];
		uint64_t len = x->end - x->begin;
		if (strcmp(x->name, "weight") == 0)
			rc = read_weight(t, in, x->shape[0], err);
		else if (strcmp(x->name, "tokens") == 0)
			rc = read_blob(in, len, &pt->toks, x->name, err);
		else if (strcmp(x->name, "token_offsets") == 0)
			rc = read_blob(in, len, &pt->offs, x->name, err);
		else if (strcmp(x->name, "counts") == 0)
			rc = read_blob(in, len, &pt->counts, x->name, err);
		else
			rc = skip_bytes(in, len, x->name, err);
		if (strcmp(x->name, "tokens") == 0)
			pt->toks_len = len;
	}
	if (rc < 0)
		return rc;
	if ((rc = emb_stream_read(in, &extra, 1, &got, err)) < 0)
		return rc;
	if (rc == 0)
		return bad(in, err, EMB_EFORMAT, emb_stream_offset(in) - 1, "%s",
			   "bytes after the last tensor");
	return 0;
}

static int fill_vocab(struct emb_table *t, const struct parts *pt, size_t keep, size_t max_token,
		      struct emb_stream *in, struct emb_err *err)
{
	uint64_t prev = 0;
	size_t i;
	int rc;

	if (emb_le64(pt->offs) != 0 || emb_le64(pt->offs + 8 * t->rows) != pt->toks_len)
		return bad(in, err, EMB_EFORMAT, 8, "%s",
			   "token_offsets must start at 0 and end at the length of tokens");
	for (i = 0; i < t->rows; i++) {
		uint64_t b = emb_le64(pt->offs + 8 * (i + 1));
		const char *tok = (const char *)pt->toks + prev;
		char tb[256], m[320];
		if (b < prev || b > pt->toks_len)
			return bad(in, err, EMB_EFORMAT, 8, "%s", "token_offsets out of order or bounds");
		if (i < keep) {
			/* the one token rule (emb_token.h), as every other reader: a CR or LF in a
			 * token would break every text format it is converted to */
			const char *why = emb_token_fault(tok, (size_t)(b - prev), max_token);
			if (why) {
				snprintf(m, sizeof m, "token of row %zu %s", i + 1, why);
				return bad(in, err, EMB_EFORMAT, 8, "%s", m);
			}
			rc = emb_vocab_add(t->vocab, tok, (size_t)(b - prev),
					   pt->counts ? emb_le64(pt->counts + 8 * i) : 0, NULL, err);
			if (rc < 0)
				return rc;
			if (rc == EMB_EOF)
				return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
						      "duplicate token '%s' in row %zu",
						      emb_err_token(tb, sizeof tb, tok, (size_t)(b - prev)),
						      i + 1);
		}
		prev = b;
	}
	return 0;
}

/* padding_idx from the metadata, the rest into the table's metadata. */
static int take_meta(struct emb_table *t, const struct hdr *h, struct emb_stream *in,
		     struct emb_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < h->nm; i++) {
		if (strcmp(h->m[i].key, "padding_idx") == 0) {
			const char *s = h->m[i].value;
			char *end = (char *)s;
			long long v;
			if (*s == '+' || *s == ' ' || !*s)
				v = -2;
			else
				v = strtoll(s, &end, 10);
			if (v < -1 || *end || v >= (long long)t->rows)
				return bad(in, err, EMB_EFORMAT, 8, "metadata padding_idx '%s' is not a row",
					   s);
			t->padding_idx = (long)v;
		} else if ((rc = emb_table_meta_set(t, h->m[i].key, h->m[i].value, err)) < 0) {
			return rc;
		}
	}
	return 0;
}

static int read_header(struct hdr *h, struct emb_stream *in, struct emb_err *err)
{
	unsigned char len8[8], *p = NULL;
	uint64_t n;
	int rc;

	if ((rc = emb_stream_read_full(in, len8, 8, err)) != 0)
		return rc == EMB_EOF ? emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
						      "empty input")
		       : rc == EMB_ETRUNC ? bad(in, err, EMB_ETRUNC, 0, "%s", "input ends in the header length")
		       : rc;
	if ((n = emb_le64(len8)) < 2 || n > MAX_HEADER)
		return bad(in, err, EMB_ELIMIT, 0, "%s",
			   "safetensors header length must be 2 bytes to 100 MB");
	if ((rc = read_blob(in, n, &p, "the header", err)) < 0)
		return rc;
	rc = st_header_parse(h, p, (size_t)n, in, err);
	free(p);
	return rc;
}

static int st_read(struct emb_table **out, struct emb_stream *in, const struct emb_read_opts *o,
		   struct emb_err *err)
{
	struct hdr h;
	struct parts pt = { NULL, NULL, NULL, 0 };
	struct emb_table *t = NULL;
	struct tensor *w;
	size_t keep;
	int rc;

	*out = NULL;
	memset(&h, 0, sizeof h);
	if ((rc = read_header(&h, in, err)) < 0 || (rc = check_layout(&h, in, err)) < 0 ||
	    (rc = check_table(&h, in, err)) < 0)
		goto done;
	w = find(&h, "weight");
	if ((rc = emb_table_new(&t, 0, (size_t)w->shape[1], err)) < 0 ||
	    (rc = read_buffer(t, &h, &pt, in, err)) < 0)
		goto done;
	keep = o->limit && o->limit < t->rows ? o->limit : t->rows;
	if ((rc = fill_vocab(t, &pt, keep, o->max_token, in, err)) < 0 || (rc = take_meta(t, &h, in, err)) < 0)
		goto done;
	if (keep < t->rows) {
		if ((rc = emb_table_resize(t, keep, err)) < 0)
			goto done;
		t->rows = keep;
		if (t->padding_idx >= (long)keep)
			t->padding_idx = -1;
	}
	if ((rc = fmt_check_finite(t, in, o, err)) < 0)
		goto done;
	*out = t;
	t = NULL;
done:
	emb_table_free(t);
	free(pt.toks);
	free(pt.offs);
	free(pt.counts);
	st_hdr_release(&h);
	return rc;
}

/* The header length is a small little-endian number and the JSON opens with '{' then '"'. */
static int st_bid(const unsigned char *p, size_t n)
{
	uint64_t len;
	size_t i = 9;

	if (n < 10 || (len = emb_le64(p)) < 2 || len > MAX_HEADER || p[8] != '{')
		return 0;
	while (i < n && i < 8 + len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
		i++;
	return i < n && (p[i] == '"' || p[i] == '}') ? 100 : 0;
}

const struct emb_format emb_format_safetensors = {
	.name = "safetensors",
	.bid = st_bid,
	.read = st_read,
	.write = st_write,
	.has_header = false,
};
