/*
 * registry: the list of table formats, detection by the bytes, emb_table_load/emb_table_save,
 * and the row-reader glue shared by the row formats (glove, word2vec text and binary).
 *
 * Detection peeks at the first decoded bytes (the stream has already inflated gzip) and asks
 * every format for a bid; the highest wins, GloVe bids lowest on anything non-empty, so it is
 * the fallback.  Row readers never trust a header's count for allocation: emb_rows_collect()
 * grows the table as rows arrive.
 */
#include "emb_format.h"
#include "fmt_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "emb_bytes.h"

#define SNIFF_BYTES ((size_t)64 << 10)

static const struct emb_format *const formats[] = {
	&emb_format_emb, &emb_format_fasttext, &emb_format_safetensors, &emb_format_npy,
	&emb_format_word2vec_bin, &emb_format_word2vec, &emb_format_glove,
};

#define NFORMATS (sizeof formats / sizeof formats[0])

const struct emb_format *emb_format_by_name(const char *name)
{
	size_t i;

	if (strcmp(name, "vec") == 0 || strcmp(name, "text") == 0)
		name = "word2vec";
	if (strcmp(name, "bin") == 0)
		name = "word2vec-bin";
	if (strcmp(name, "fasttext-bin") == 0)
		name = "fasttext";
	for (i = 0; i < NFORMATS; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

const struct emb_format *emb_format_by_filename(const char *path)
{
	size_t n = strlen(path);

	if (ends_with(path, n, ".gz"))
		n -= 3;
	if (ends_with(path, n, ".emb"))
		return &emb_format_emb;
	if (ends_with(path, n, ".bin"))
		return &emb_format_word2vec_bin;
	if (ends_with(path, n, ".vec"))
		return &emb_format_word2vec;
	if (ends_with(path, n, ".txt"))
		return &emb_format_glove;
	if (ends_with(path, n, ".safetensors"))
		return &emb_format_safetensors;
	if (ends_with(path, n, ".npy"))
		return &emb_format_npy;
	return NULL;
}

bool emb_format_unknown_extension(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	if (strcmp(path, "-") == 0 || emb_format_by_filename(path))
		return false;
	base = base ? base + 1 : path;
	n = strlen(base);
	if (ends_with(base, n, ".gz"))
		n -= 3;
	while (n > 1 && base[n - 1] != '.')
		n--;
	return n > 1;   /* a dot that is not the name's first byte */
}

const struct emb_format *emb_format_for_output(const char *path, const struct emb_format *fmt)
{
	if (!fmt && strcmp(path, "-") != 0)
		fmt = emb_format_by_filename(path);
	return fmt ? fmt : &emb_format_emb;
}

/*
 * A "token<TAB or space>count" first line (tokvocab, word2vec -save-vocab, GloVe vocab_count)
 * would read as a GloVe table of dimension 1, or of none: detection refuses it.  A count is
 * digits only, which a table's value of dimension 1 practically never is on every line, so
 * the first two lines must both look so (or the file have only one).
 */
static bool vocab_line(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = end;

	while (q > p && (q[-1] == '\r' || q[-1] == ' '))
		q--;
	end = q;
	while (q > p && q[-1] >= '0' && q[-1] <= '9')
		q--;
	if (q == end || q == p || (q[-1] != ' ' && q[-1] != '\t'))
		return false;
	for (q--; p < q; p++)
		if (*p == ' ' || *p == '\t')
			return false;
	return true;
}

static bool looks_like_vocab(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n, *nl = memchr(p, '\n', n);

	if (!vocab_line(p, nl ? nl : end))
		return false;
	if (!nl || nl + 1 == end)
		return true;
	p = nl + 1;
	nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? vocab_line(p, nl) : vocab_line(p, end);
}

int emb_format_detect(const struct emb_format **out, struct emb_stream *in, struct emb_err *err)
{
	const unsigned char *p;
	size_t n, i;
	int rc, best = 0;

	*out = NULL;
	if ((rc = emb_stream_peek(in, &p, &n, SNIFF_BYTES, err)) < 0)
		return rc;
	if (n == 0)
		return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0, "empty input");
	for (i = 0; i < NFORMATS; i++) {
		int b = formats[i]->bid(p, n);
		if (b > best) {
			best = b;
			*out = formats[i];
		}
	}
	if (!*out)
		return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
				      "not an embedding table");
	if (*out == &emb_format_glove && looks_like_vocab(p, n)) {
		*out = NULL;
		return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 1,
				      "a vocabulary ('token count' lines), not an embedding table (name "
				      "the format glove to read it as a table of dimension 1)");
	}
	return 0;
}

int emb_table_load(struct emb_table **out, const char *path, const struct emb_format *fmt,
		   const struct emb_read_opts *o, struct emb_err *err)
{
	static const struct emb_read_opts defaults = EMB_READ_OPTS_INIT;
	struct emb_stream *in = NULL;
	struct emb_table *t = NULL;
	int rc;

	*out = NULL;
	if (!o)
		o = &defaults;
	if ((rc = emb_stream_open(&in, path, err)) < 0 ||
	    (!fmt && (rc = emb_format_detect(&fmt, in, err)) < 0) ||
	    (rc = fmt->read(&t, in, o, err)) < 0)
		goto done;
	rc = emb_stream_close(in, err);
	in = NULL;
	if (rc == 0) {
		*out = t;
		t = NULL;
	}
done:
	emb_stream_abort(in);
	emb_table_free(t);
	return rc;
}

int emb_table_save(const struct emb_table *t, const char *path, const struct emb_format *fmt,
		   const struct emb_write_opts *wo, const struct emb_out_opts *oo,
		   struct emb_err *err)
{
	static const struct emb_write_opts wdefaults = EMB_WRITE_OPTS_INIT;
	struct emb_out_opts o = EMB_OUT_OPTS_INIT;
	struct emb_out *out = NULL;
	int rc;

	fmt = emb_format_for_output(path, fmt);
	if (!wo)
		wo = &wdefaults;
	if (oo)
		o = *oo;
	/* EMB is compressed unless the caller asked for level 0 (the mappable raw form) */
	if (fmt == &emb_format_emb && o.level != 0)
		o.flags |= EMB_OUT_GZIP;
	if ((rc = emb_out_open(&out, path, &o, err)) < 0)
		return rc;
	if ((rc = fmt->write(t, out, wo, err)) < 0) {
		emb_out_abort(out);
		return rc;
	}
	return emb_out_commit(out, err);
}

void emb_rows_release(struct emb_rows *r)
{
	free(r->vec);
	free(r->state);
	free(r->fixed);
	r->vec = NULL;
	r->state = NULL;
	r->fixed = NULL;
	r->fixed_cap = 0;
}

int emb_rows_check_token(struct emb_rows *r, struct emb_err *err)
{
	struct emb_token_at at = { emb_stream_name(r->in), 0, r->row_offset };
	int rc;

	if (!r->binary)
		at.line = emb_stream_lineno(r->in);
	if ((rc = emb_token_check(r->tok, r->len, r->o->max_token, &at, err)) < 0 ||
	    (rc = emb_token_utf8(r->tok, r->len, r->o->utf8, &r->fixed, &r->fixed_cap, &r->tok,
				 &r->len, &at, err)) <= 0)
		return rc;
	r->bad_utf8++;
	/* a repaired token may have become empty */
	return emb_token_check(r->tok, r->len, r->o->max_token, &at, err);
}

/* The warning for tokens that were not valid UTF-8 (N of them, read from NAME under MODE). */
void emb_utf8_warn(const struct emb_read_opts *o, const char *name, uint64_t n)
{
	static const char *const done[] = { "kept as they are", "", "replaced by U+FFFD",
					    "dropped" };
	char msg[256];

	if (!n || !o->warn || o->utf8 < 0 || o->utf8 > EMB_UTF8_IGNORE)
		return;
	snprintf(msg, sizeof msg, "%s: %llu token%s not valid UTF-8: invalid bytes %s", name,
		 (unsigned long long)n, n == 1 ? " is" : "s are", done[o->utf8]);
	o->warn(o->warn_ctx, msg);
}

int emb_rows_fail(const struct emb_rows *r, struct emb_err *err, int code, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->binary)
		return emb_err_set_at(err, code, emb_stream_name(r->in), 0, "byte %llu: %s",
				      (unsigned long long)r->row_offset, msg);
	return emb_stream_fail(r->in, err, code, "%s", msg);
}

int emb_rows_check_count(const struct emb_rows *r, struct emb_err *err)
{
	char msg[256];

	emb_utf8_warn(r->o, emb_stream_name(r->in), r->bad_utf8);
	if (!r->has_header || r->header_rows == r->nread)
		return 0;
	snprintf(msg, sizeof msg, "%s: header says %llu rows, found %llu", emb_stream_name(r->in),
		 (unsigned long long)r->header_rows, (unsigned long long)r->nread);
	if (r->o->strict)
		return emb_err_set(err, EMB_EFORMAT, "%s", msg);
	if (r->o->warn)
		r->o->warn(r->o->warn_ctx, msg);
	return 0;
}

int emb_rows_collect(struct emb_table **out, struct emb_rows *r, struct emb_err *err)
{
	struct emb_table *t = NULL;
	size_t cap = 0, n = 0, id;
	int rc;

	*out = NULL;
	if ((rc = emb_table_new(&t, 0, r->dim, err)) < 0)
		return rc;
	while (!(r->o->limit && n == r->o->limit)) {
		if ((rc = r->next(r, err)) < 0)
			goto fail;
		if (rc == EMB_EOF) {
			if ((rc = emb_rows_check_count(r, err)) < 0)
				goto fail;
			break;
		}
		if ((rc = emb_vocab_add(t->vocab, r->tok, r->len, 0, &id, err)) < 0)
			goto fail;
		if (rc == EMB_EOF) {
			char tb[256];
			if (r->o->dedupe == EMB_DEDUPE_ERROR) {
				rc = emb_rows_fail(r, err, EMB_EFORMAT, "duplicate token '%s' (first in row %zu)",
						   emb_err_token(tb, sizeof tb, r->tok, r->len), id + 1);
				goto fail;
			}
			if (r->o->duplicates)
				++*r->o->duplicates;
			if (r->o->dedupe == EMB_DEDUPE_LAST)
				memcpy(emb_table_row(t, id), r->vec, r->dim * sizeof(float));
			continue;
		}
		if (n == cap) {
			/* capacity tracks rows seen, never the header's claim, nor a fixed row count
			 * (1024 rows of the widest dimension would be 4 GiB of address space for one
			 * row of input); emb_table_resize() grows its mapping geometrically */
			cap = n + 1;
			if ((rc = emb_table_resize(t, cap, err)) < 0)
				goto fail;
		}
		memcpy(emb_table_row(t, n), r->vec, r->dim * sizeof(float));
		n++;
	}
	if ((rc = emb_table_resize(t, n, err)) < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	emb_table_free(t);
	return rc;
}

int emb_rows_read_table(const struct emb_format *fmt, struct emb_table **out,
			struct emb_stream *in, const struct emb_read_opts *o, struct emb_err *err)
{
	struct emb_rows r;
	int rc;

	*out = NULL;
	if ((rc = fmt->rows_open(&r, in, o, err)) < 0)
		return rc;
	rc = emb_rows_collect(out, &r, err);
	emb_rows_release(&r);
	return rc;
}

int emb_rows_write_table(const struct emb_format *fmt, const struct emb_table *t,
			 struct emb_out *out, const struct emb_write_opts *o, struct emb_err *err)
{
	struct emb_rowsink w;
	size_t i;
	int rc;

	if ((rc = fmt->rows_begin(&w, out, t->rows, t->dim, o, err)) < 0)
		return rc;
	for (i = 0; i < t->rows; i++) {
		size_t len;
		const char *tok = emb_table_token(t, i, &len);
		if ((rc = w.row(&w, tok, len, emb_table_row(t, i), err)) < 0) {
			emb_rowsink_abort(&w);
			return rc;
		}
	}
	return emb_rowsink_end(&w, err);
}

int emb_rowsink_end(struct emb_rowsink *w, struct emb_err *err)
{
	int (*end)(struct emb_rowsink *, struct emb_err *) = w->end;

	w->end = NULL;
	w->abort = NULL;
	return end ? end(w, err) : 0;
}

void emb_rowsink_abort(struct emb_rowsink *w)
{
	void (*abort_fn)(struct emb_rowsink *) = w->abort;

	w->end = NULL;
	w->abort = NULL;
	if (abort_fn)
		abort_fn(w);
}

int fmt_write_f32le(struct emb_out *out, const float *v, size_t n, struct emb_err *err)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		unsigned char b[4];
		uint32_t u;
		memcpy(&u, v + i, 4);
		emb_put_le32(b, u);
		rc = emb_out_write(out, b, 4, err);
	}
	return rc;
#else
	return emb_out_write(out, v, n * sizeof(float), err);
#endif
}

int fmt_read_f32le_rows(struct emb_table *t, struct emb_stream *in, uint64_t rows,
			uint64_t *end_row, struct emb_err *err)
{
	const size_t chunk = (size_t)4 << 20;
	size_t row_bytes = t->dim * 4, per = chunk / row_bytes ? chunk / row_bytes : 1, done = 0;
	uint64_t start = emb_stream_offset(in);
	int rc;

	while (done < rows) {
		size_t k = rows - done < per ? (size_t)(rows - done) : per;
		if ((rc = emb_table_resize(t, done + k, err)) < 0)
			return rc;
		if ((rc = emb_stream_read_full(in, emb_table_row(t, done), k * row_bytes, err)) != 0) {
			if (rc != EMB_EOF && rc != EMB_ETRUNC)
				return rc;
			*end_row = (emb_stream_offset(in) - start) / row_bytes + 1;
			return EMB_ETRUNC;
		}
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		for (size_t i = 0; i < k * t->dim; i++) {
			uint32_t u = emb_le32(emb_table_row(t, done) + i);
			memcpy(emb_table_row(t, done) + i, &u, 4);
		}
#endif
		done += k;
	}
	return 0;
}

int fmt_check_finite(const struct emb_table *t, struct emb_stream *in,
		     const struct emb_read_opts *o, struct emb_err *err)
{
	size_t i, n = t->rows * t->dim;

	if (o->allow_nonfinite)
		return 0;
	for (i = 0; i < n; i++)
		if (!isfinite(t->data[i]))
			return emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
					      "row %zu holds a non-finite value", i / t->dim + 1);
	return 0;
}
