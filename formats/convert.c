/*
 * convert: embconv's work (see emb_convert.h).
 *
 * Plan: open and sniff INPUT, pick the output format (named, else from OUTPUT's name, else
 * EMB; --header/--no-header switch between GloVe and word2vec text).  When both ends are row
 * formats, the output is text and nothing needs the whole table (no --vocab, no dedupe=last),
 * rows stream from reader to writer.  A text output with a "ROWS DIM" header must know the
 * count first: a source header is believed (and the conversion rerun with the true count if it
 * lied); a GloVe source gets a counting pass.  Both need INPUT to be re-readable, so standard
 * input takes the table path.  The table path reads everything (emb_rows_collect grows as rows
 * arrive), reorders to --vocab, transforms, and writes through emb_table_save().
 */
#include "emb_convert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emb_bytes.h"
#include "emb_rng.h"

#define PROGRESS_EVERY 65536

/* ---- per-row work shared by both paths ---- */

static void stats_begin(struct emb_convert_stats *s, size_t dim)
{
	uint64_t dups = s->duplicates;

	memset(s, 0, sizeof *s);
	s->duplicates = dups; /* counted by the reader before the stats start */
	s->dim = dim;
	s->norm_min = INFINITY;
}

static void stats_row(struct emb_convert_stats *s, const float *v, size_t dim)
{
	size_t i, bad = 0;
	double n;

	for (i = 0; i < dim; i++)
		bad += (size_t)!isfinite(v[i]);
	s->rows++;
	s->nonfinite += bad;
	if (bad) {
		s->nonfinite_rows++;
		return;
	}
	n = emb_row_norm(v, dim, 2);
	if (n == 0)
		s->zero_rows++;
	if (n < s->norm_min)
		s->norm_min = n;
	if (n > s->norm_max)
		s->norm_max = n;
	s->norm_mean += n; /* a sum until stats_end */
}

static void stats_end(struct emb_convert_stats *s)
{
	uint64_t finite = s->rows - s->nonfinite_rows;

	s->norm_mean = finite ? s->norm_mean / (double)finite : 0;
	if (s->norm_min == INFINITY)
		s->norm_min = 0;
}

static void transform_row(const struct emb_convert_opts *o, float *v, size_t dim)
{
	if (o->normalize) {
		double n = emb_row_norm(v, dim, 2);
		size_t i;
		if (n > 0)
			for (i = 0; i < dim; i++)
				v[i] = (float)(v[i] / n);
	}
	if (o->max_norm > 0)
		emb_renorm_row(v, dim, o->max_norm, o->norm_type);
}

/* ---- random rows for --missing normal|uniform ---- */

static void random_row(float *v, size_t dim, int how, double sigma, uint64_t *s)
{
	size_t i;

	for (i = 0; i < dim; i++) {
		double u1 = emb_rng_unit(emb_rng_splitmix64(s), 0.5), u2;

		if (how == EMB_MISSING_UNIFORM) {
			v[i] = (float)((2 * u1 - 1) * sqrt(3.0) * sigma);
			continue;
		}
		u2 = emb_rng_unit(emb_rng_splitmix64(s), 0.5);
		v[i] = (float)(emb_rng_box_muller(u1, u2, NULL) * sigma);
	}
}

/* Standard deviation of the finite values of T (1 for an empty table). */
static double value_sigma(const struct emb_table *t)
{
	double sum = 0, sq = 0, n = 0, mean;
	size_t i, k = t->rows * t->dim;

	for (i = 0; i < k; i++)
		if (isfinite(t->data[i])) {
			sum += t->data[i];
			sq += (double)t->data[i] * t->data[i];
			n++;
		}
	if (n < 2)
		return 1;
	mean = sum / n;
	return sqrt(fmax(sq / n - mean * mean, 0));
}

/* ---- the table path ---- */

/* A table whose row i is vocabulary token i, taken from SRC or made per --missing. */
static int reorder(struct emb_table **out, const struct emb_table *src,
		   const struct emb_convert_opts *o, long *pad, struct emb_err *err)
{
	struct emb_vocab *v = NULL;
	struct emb_table *t = NULL;
	uint64_t seed = o->seed, missing = 0;
	double sigma = o->missing >= EMB_MISSING_NORMAL ? value_sigma(src) : 1;
	const char *first = NULL;
	size_t first_len = 0, i, n;
	int rc;

	*out = NULL;
	if ((rc = emb_vocab_load_limit(&v, o->vocab, EMB_VOCAB_NO_COUNTS, o->ro.max_token, err)) < 0)
		return rc;
	n = emb_vocab_size(v);
	if ((rc = emb_table_new(&t, n, src->dim, err)) < 0)
		goto done;
	if (*pad < 0 && o->padding_idx < 0)
		*pad = emb_vocab_find(v, "<pad>", 5);
	for (i = 0; i < n; i++) {
		size_t len;
		const char *tok = emb_vocab_token(v, i, &len);
		long j = emb_table_find(src, tok, len);
		if ((rc = emb_vocab_add(t->vocab, tok, len, emb_vocab_count(v, i), NULL, err)) < 0)
			goto done;
		if (j >= 0)
			memcpy(emb_table_row(t, i), emb_table_row(src, (size_t)j), src->dim * sizeof(float));
		else if ((long)i != *pad) {
			if (!missing++) {
				first = tok;
				first_len = len;
			}
			if (o->missing >= EMB_MISSING_NORMAL)
				random_row(emb_table_row(t, i), t->dim, o->missing, sigma, &seed);
		}
	}
	if (o->stats)
		o->stats->missing = missing;
	if (missing && o->missing == EMB_MISSING_ERROR) {
		char tb[256];
		rc = emb_err_set(err, EMB_EFORMAT, "%s: %llu token%s missing from %s, the first '%s'",
				 o->vocab, (unsigned long long)missing, missing == 1 ? " is" : "s are",
				 o->input, emb_err_token(tb, sizeof tb, first, first_len));
		goto done;
	}
	*out = t;
	t = NULL;
done:
	emb_table_free(t);
	emb_vocab_free(v);
	return rc;
}

static int convert_table(const struct emb_convert_opts *o, const struct emb_format *from,
			 const struct emb_format *to, struct emb_stream **inp, struct emb_err *err)
{
	struct emb_read_opts ro = o->ro;
	struct emb_table *t = NULL, *r = NULL;
	long pad = o->padding_idx;
	size_t i;
	int rc;

	/* rows are changed in place below: only an untouched table may stay mapped */
	ro.want_mmap = ro.want_mmap && !o->vocab && !o->normalize && o->max_norm <= 0 && pad < 0;
	if (o->stats)
		ro.duplicates = &o->stats->duplicates;
	if ((rc = from->read(&t, *inp, &ro, err)) < 0)
		return rc;
	rc = emb_stream_close(*inp, err);
	*inp = NULL;
	if (rc < 0)
		goto done;
	if (o->stats) {
		stats_begin(o->stats, t->dim);
		for (i = 0; i < t->rows; i++)
			stats_row(o->stats, emb_table_row(t, i), t->dim);
		stats_end(o->stats);
	}
	if (o->vocab) {
		if ((rc = reorder(&r, t, o, &pad, err)) < 0)
			goto done;
		emb_table_free(t);
		t = r;
	}
	if (pad >= 0) {
		if ((size_t)pad >= t->rows) {
			rc = emb_err_set(err, EMB_EINVAL, "padding index %ld is out of range (%zu rows)",
					 pad, t->rows);
			goto done;
		}
		t->padding_idx = pad;
	}
	for (i = 0; i < t->rows && !emb_table_is_mapped(t); i++) {
		if ((long)i == t->padding_idx)
			memset(emb_table_row(t, i), 0, t->dim * sizeof(float));
		else
			transform_row(o, emb_table_row(t, i), t->dim);
	}
	if (o->write_output)
		rc = emb_table_save(t, o->output, to, &o->wo, &o->oo, err);
done:
	emb_table_free(t);
	return rc;
}

/* ---- the streaming path ---- */

struct pass {
	uint64_t count;      /* rows the header will say (when the output has one) */
	bool know_count;     /* else take the source header's count */
	bool dry;            /* count only */
	uint64_t written;
	bool recount;        /* the header lied: rerun with count = written */
};

static int stream_pass(const struct emb_convert_opts *o, const struct emb_format *from,
		       const struct emb_format *to, struct emb_stream *in, struct pass *ps,
		       struct emb_err *err)
{
	struct emb_rows r;
	struct emb_rowsink w;
	struct emb_out *out = NULL;
	struct emb_vocab *seen = NULL;
	struct emb_read_opts ro = o->ro;
	bool header = to->has_header && o->wo.header;
	int rc;

	memset(&w, 0, sizeof w); /* an unbegun sink aborts as a no-op */
	if (ps->know_count)
		ro.warn = NULL; /* said on the first pass */
	if ((rc = from->rows_open(&r, in, &ro, err)) < 0)
		return rc;
	if (!ps->know_count) {
		ps->count = r.header_rows;
		if (ro.limit && ps->count > ro.limit)
			ps->count = ro.limit;
	}
	if (o->padding_idx >= 0 && header && (uint64_t)o->padding_idx >= ps->count) {
		rc = emb_err_set(err, EMB_EINVAL, "padding index %ld is out of range (%llu rows)",
				 o->padding_idx, (unsigned long long)ps->count);
		goto done;
	}
	if (o->stats) {
		o->stats->duplicates = 0;
		stats_begin(o->stats, r.dim);
	}
	if ((rc = emb_vocab_new(&seen, err)) < 0)
		goto done;
	if (!ps->dry && ((rc = emb_out_open(&out, o->output, &o->oo, err)) < 0 ||
			 (rc = to->rows_begin(&w, out, (size_t)ps->count, r.dim, &o->wo, err)) < 0))
		goto done;
	ps->written = 0;
	ps->recount = false;
	while (!(ro.limit && ps->written == ro.limit)) {
		size_t id;
		if ((rc = r.next(&r, err)) < 0)
			goto done;
		if (rc == EMB_EOF) {
			rc = emb_rows_check_count(&r, err);
			if (rc < 0)
				goto done;
			break;
		}
		if ((rc = emb_vocab_add(seen, r.tok, r.len, 0, &id, err)) < 0)
			goto done;
		if (rc == EMB_EOF) {
			char tb[256];
			if (o->stats)
				o->stats->duplicates++;
			if (ro.dedupe == EMB_DEDUPE_FIRST)
				continue;
			rc = emb_rows_fail(&r, err, EMB_EFORMAT, "duplicate token '%s' (first in row %zu)",
					   emb_err_token(tb, sizeof tb, r.tok, r.len), id + 1);
			goto done;
		}
		if (o->stats)
			stats_row(o->stats, r.vec, r.dim);
		if ((long)ps->written == o->padding_idx)
			memset(r.vec, 0, r.dim * sizeof(float));
		else
			transform_row(o, r.vec, r.dim);
		if (!ps->dry && (rc = w.row(&w, r.tok, r.len, r.vec, err)) < 0)
			goto done;
		if (++ps->written % PROGRESS_EVERY == 0 && o->progress)
			o->progress(o->progress_ctx, ps->written);
	}
	rc = 0;
	if (o->padding_idx >= 0 && (uint64_t)o->padding_idx >= ps->written) {
		rc = emb_err_set(err, EMB_EINVAL, "padding index %ld is out of range (%llu rows)",
				 o->padding_idx, (unsigned long long)ps->written);
		goto done;
	}
	if (o->stats)
		stats_end(o->stats);
	if (header && !ps->dry && ps->written != ps->count) {
		ps->recount = true;
		goto done;
	}
	if (out) {
		if ((rc = emb_rowsink_end(&w, err)) < 0)
			goto done;
		rc = emb_out_commit(out, err);
		out = NULL;
	}
done:
	emb_rowsink_abort(&w);
	emb_out_abort(out);
	emb_vocab_free(seen);
	emb_rows_release(&r);
	return rc;
}

static int reopen(struct emb_stream **in, const char *path, struct emb_err *err)
{
	emb_stream_abort(*in);
	*in = NULL;
	return emb_stream_open(in, path, err);
}

static int convert_streaming(const struct emb_convert_opts *o, const struct emb_format *from,
			     const struct emb_format *to, struct emb_stream **in, struct emb_err *err)
{
	struct pass ps = { 0, false, false, 0, false };
	bool header = to->has_header && o->wo.header;
	int rc;

	/* count first when there is no header to believe, or when a lying one could not be
	 * taken back (standard output cannot be rewritten) */
	if (header && (!from->has_header || strcmp(o->output, "-") == 0)) {
		ps.dry = true;
		if ((rc = stream_pass(o, from, to, *in, &ps, err)) < 0 ||
		    (rc = reopen(in, o->input, err)) < 0)
			return rc;
		ps.dry = false;
		ps.know_count = true;
		ps.count = ps.written;
	}
	if ((rc = stream_pass(o, from, to, *in, &ps, err)) < 0)
		return rc;
	if (ps.recount) {
		ps.know_count = true;
		ps.count = ps.written;
		ps.recount = false;
		if ((rc = reopen(in, o->input, err)) < 0 ||
		    (rc = stream_pass(o, from, to, *in, &ps, err)) < 0)
			return rc;
		if (ps.recount)
			return emb_err_set(err, EMB_EIO, "%s changed while being read", o->input);
	}
	if (o->stats)
		o->stats->streamed = true;
	return 0;
}

int emb_convert(const struct emb_convert_opts *o, struct emb_err *err)
{
	const struct emb_format *from = o->from, *to = o->to;
	struct emb_stream *in = NULL;
	bool header, stream;
	int rc;

	if (!to && o->write_output && emb_format_unknown_extension(o->output))
		return emb_err_set(err, EMB_EINVAL, "the extension of '%s' names no table format "
				   "(.emb .safetensors .npy .bin .vec .txt, optionally .gz)", o->output);
	to = emb_format_for_output(o->write_output ? o->output : "-", to);
	if (o->header_set && (to == &emb_format_glove || to == &emb_format_word2vec))
		to = o->wo.header ? &emb_format_word2vec : &emb_format_glove;
	if (o->wo.f16 && to != &emb_format_emb)
		return emb_err_set(err, EMB_EINVAL, "float16 values need EMB output, not %s", to->name);
	if ((rc = emb_stream_open(&in, o->input, err)) < 0 ||
	    (!from && (rc = emb_format_detect(&from, in, err)) < 0))
		goto done;
	header = to->has_header && o->wo.header;
	stream = from->rows_open && to->rows_begin && to != &emb_format_word2vec_bin &&
		 !o->vocab && o->ro.dedupe != EMB_DEDUPE_LAST && o->write_output &&
		 (!header || strcmp(o->input, "-") != 0);
	if (stream)
		rc = convert_streaming(o, from, to, &in, err);
	else
		rc = convert_table(o, from, to, &in, err);
	if (rc == 0 && in) {
		rc = emb_stream_close(in, err);
		in = NULL;
	}
done:
	emb_stream_abort(in);
	return rc;
}
