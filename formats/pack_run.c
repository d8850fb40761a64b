/*
 * pack_run: the embpack pipeline.
 *
 * lines -> ids (emb_batch_parse_ids, or emb_tok + vocabulary lookup) -> emb_batcher -> per
 * batch: vectors (emb_batch_embed), then a PACK record or one .npz file.
 */
#include "emb_pack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emb_npz.h"
#include "emb_stream.h"
#include "emb_token.h"

struct run {
	const struct emb_pack_opts *o;
	struct emb_out *out;          /* PACK */
	struct emb_pack_totals tot;
	struct emb_out_opts npz_opts;
};

static int on_batch(void *ctx, struct emb_batch *b, struct emb_err *err)
{
	struct run *run = ctx;
	const struct emb_pack_opts *o = run->o;
	int rc;

	if (o->table &&
	    (rc = emb_batch_embed(b, o->table, o->max_norm, o->norm_type, o->pad_row, err)) < 0)
		return rc;
	if (o->to == EMB_PACK_TO_NPZ)
		rc = emb_npz_write_batch(o->output, b, &run->npz_opts, err);
	else
		rc = emb_pack_write_batch(run->out, b, err);
	if (rc < 0)
		return rc;
	run->tot.batches++;
	run->tot.sequences += b->n;
	run->tot.tokens += b->tokens;
	run->tot.cells += emb_batch_cells(b);
	return 0;
}

struct encode {
	const struct emb_pack_opts *o;
	int32_t *ids;
	size_t n, cap, total;
	long unk;
	uint64_t limit;
	const char *bad;          /* the token that stopped encoding */
	size_t bad_len;
	long bad_id;
};

static int on_token(void *ctx, const char *tok, size_t len)
{
	struct encode *e = ctx;
	long id = emb_vocab_find(e->o->vocab, tok, len);

	if (id < 0 && (id = e->unk) < 0) {
		if (e->o->unk == EMB_PACK_UNK_SKIP)
			return 0;
		e->bad = tok;
		e->bad_len = len;
		e->bad_id = -1;
		return 1;
	}
	if (e->limit && (uint64_t)id >= e->limit) {
		e->bad = tok;
		e->bad_len = len;
		e->bad_id = id;
		return 1;
	}
	e->total++;
	if (e->o->max_len && e->n >= e->o->max_len)
		return 0;
	if (e->n == e->cap) {
		size_t c = e->cap ? e->cap * 2 : 256;
		int32_t *p = realloc(e->ids, c * sizeof *p);
		if (!p)
			return 2;
		e->ids = p;
		e->cap = c;
	}
	e->ids[e->n++] = (int32_t)id;
	return 0;
}

/* Encode a text line with the vocabulary into e->ids. */
static int encode_line(struct emb_tokenizer *tk, struct encode *e, struct emb_stream *in,
		       const char *line, size_t len, struct emb_err *err)
{
	char tok[80];
	int rc;

	e->n = e->total = 0;
	if ((rc = emb_token_check_line(in, line, len, err)) < 0)
		return rc;
	rc = emb_tokenizer_line(tk, line, len, on_token, e, err);
	if (rc <= 0)
		return rc;
	if (rc == 2)
		return emb_err_nomem(err, "encoding a line");
	emb_err_token(tok, sizeof tok, e->bad, e->bad_len);
	if (e->bad_id >= 0)
		return emb_stream_fail(in, err, EMB_EFORMAT,
				       "token '%s' has id %ld, not below the %llu table rows", tok,
				       e->bad_id, (unsigned long long)e->limit);
	return emb_stream_fail(in, err, EMB_EFORMAT,
			       "unknown token '%s'%s", tok, e->o->unk == EMB_PACK_UNK_ERROR ? "" :
			       " (the vocabulary has no <unk>)");
}

static int make_dir(const char *dir, struct emb_err *err)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return emb_err_set(err, EMB_EIO, "%s: cannot create directory: %s", dir,
			   errno == EEXIST ? strerror(ENOTDIR) : strerror(errno));
}

int emb_pack_run(const struct emb_pack_opts *o, struct emb_pack_totals *tot, struct emb_err *err)
{
	struct run run = { o, NULL, { 0, 0, 0, 0, 0, 0 }, o->out };
	struct emb_batch_opts bo = o->batch;
	struct emb_stream *in = NULL;
	struct emb_batcher *bt = NULL;
	struct emb_tokenizer *tk = NULL;
	struct encode enc = { o, NULL, 0, 0, 0, -1, 0, NULL, 0, -1 };
	uint64_t limit = o->id_limit;
	unsigned long long lineno;
	char *line;
	size_t len;
	int rc;

	memset(tot, 0, sizeof *tot);
	if (o->table && (!limit || o->table->rows < limit))
		limit = o->table->rows;
	run.npz_opts.flags |= EMB_OUT_NO_SYNC; /* one file per batch: rename keeps each atomic */
	if ((rc = emb_stream_open(&in, o->input, err)) < 0)
		goto done;
	bo.name = emb_stream_name(in);
	if (o->vocab) {
		if (o->unk == EMB_PACK_UNK_DEFAULT)
			enc.unk = emb_vocab_find(o->vocab, "<unk>", 5);
		else if (o->unk == EMB_PACK_UNK_TOKEN &&
			 (enc.unk = emb_vocab_find(o->vocab, o->unk_token, strlen(o->unk_token))) < 0) {
			char tok[80];
			emb_err_token(tok, sizeof tok, o->unk_token, strlen(o->unk_token));
			rc = emb_err_set(err, EMB_EINVAL,
					 "the unknown-token replacement '%s' is not in the vocabulary", tok);
			goto done;
		}
		enc.limit = o->table ? o->table->rows : 0;
		if ((rc = emb_tokenizer_new(&tk, &o->tok, err)) < 0)
			goto done;
	}
	if (o->to == EMB_PACK_TO_NPZ) {
		if ((rc = make_dir(o->output, err)) < 0)
			goto done;
	} else {
		struct emb_pack_header h = { bo.batch_first, bo.enforce_sorted, bo.padding_idx,
					     o->table ? (uint32_t)o->table->dim : 0 };
		if ((rc = emb_out_open(&run.out, o->output, &o->out, err)) < 0 ||
		    (rc = emb_pack_write_header(run.out, &h, err)) < 0)
			goto done;
	}
	if ((rc = emb_batcher_new(&bt, &bo, on_batch, &run, err)) < 0)
		goto done;

	while ((rc = emb_stream_getline(in, &line, &len, err)) == 0) {
		lineno = emb_stream_lineno(in);
		if (o->vocab)
			rc = encode_line(tk, &enc, in, line, len, err);
		else
			rc = emb_batch_parse_ids(line, len, &enc.ids, &enc.cap, o->max_len, limit,
						 &enc.n, &enc.total, bo.name, lineno, err);
		if (rc < 0)
			goto done;
		if (o->min_len && enc.total < o->min_len)
			continue;
		/* torch's packing needs lengths > 0: a blank line of text holds no sequence */
		if (enc.total == 0) {
			if (o->strict) {
				rc = emb_stream_fail(in, err, EMB_EFORMAT,
						     "empty sequence (lengths must be > 0)");
				goto done;
			}
			run.tot.empty++;
			continue;
		}
		/* a sequence longer than the budget can only be a batch of its own */
		if (bo.max_tokens && enc.n > bo.max_tokens) {
			if (o->strict) {
				rc = emb_stream_fail(in, err, EMB_ELIMIT,
						     "sequence of %zu ids exceeds the token budget of %zu",
						     enc.n, bo.max_tokens);
				goto done;
			}
			run.tot.over_budget++;
		}
		if ((rc = emb_batcher_push(bt, enc.ids, enc.n, (int64_t)(lineno - 1), err)) < 0)
			goto done;
		if (o->progress && (lineno & 0xffff) == 0)
			o->progress(o->progress_ctx, lineno, &run.tot);
	}
	if (rc < 0 || (rc = emb_batcher_finish(bt, err)) < 0)
		goto done;
	if ((rc = emb_stream_close(in, err)) < 0) {
		in = NULL;
		goto done;
	}
	in = NULL;
	if (run.out) {
		if ((rc = emb_pack_write_end(run.out, &run.tot, err)) < 0)
			goto done;
		rc = emb_out_commit(run.out, err);
		run.out = NULL;
	}
done:
	*tot = run.tot;
	emb_out_abort(run.out);
	emb_stream_abort(in);
	emb_batcher_free(bt);
	emb_tokenizer_free(tk);
	free(enc.ids);
	return rc;
}

