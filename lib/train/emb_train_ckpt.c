/*
 * emb_train_ckpt: save and load the trainer's whole state, so an interrupted run continues
 * to the bytes an uninterrupted one gives.  The file is the header below (host byte order: a
 * checkpoint is for the same machine), then per row its token and count, the frozen flags,
 * the matrices and the per-thread positions.
 */
#include <stdlib.h>
#include <string.h>

#include "emb_out.h"
#include "emb_stream.h"
#include "emb_train_impl.h"

#define CKPT_MAGIC "EMBTRCK1"

struct ckpt_head {
	char magic[8];
	uint64_t dim, model, negative, hs, window, epochs, threads, seed, init, batch;
	double ns_exponent, sample, alpha, min_alpha;
	int64_t padding;
	uint64_t rows, corpus_size, corpus_digest, done_words, frozen;
};

static int put(struct emb_out *out, const void *p, size_t n, struct emb_err *err)
{
	return emb_out_write(out, p, n, err);
}

int emb_train_ckpt_write(const struct emb_trainer *t, struct emb_out *out, struct emb_err *err)
{
	struct ckpt_head h;
	size_t mat = t->rows * t->dim * sizeof(float);
	int rc;

	h = (struct ckpt_head){ CKPT_MAGIC, t->dim, (uint64_t)t->o.model, t->o.negative, t->o.hs,
		t->o.window, t->o.epochs, t->nthreads, t->o.seed, (uint64_t)t->o.init, t->o.batch,
		t->o.ns_exponent, t->o.sample, t->o.alpha, t->o.min_alpha, t->padding, t->rows,
		t->corpus_size, t->corpus_digest, atomic_load(&((struct emb_trainer *)t)->done_words),
		t->frozen != NULL };
	if ((rc = put(out, &h, sizeof h, err)) < 0)
		return rc;
	for (size_t i = 0; i < t->rows; i++) {
		size_t len;
		const char *tok = emb_vocab_token(t->vocab, i, &len);
		uint32_t l32 = (uint32_t)len;
		if ((rc = put(out, &l32, 4, err)) < 0 || (rc = put(out, tok, len, err)) < 0 ||
		    (rc = put(out, &t->counts[i], 8, err)) < 0)
			return rc;
	}
	if ((t->frozen && (rc = put(out, t->frozen, t->rows, err)) < 0) ||
	    (rc = put(out, t->syn0, mat, err)) < 0 ||
	    (t->syn1neg && (rc = put(out, t->syn1neg, mat, err)) < 0) ||
	    (t->syn1 && (rc = put(out, t->syn1, mat, err)) < 0) ||
	    (rc = put(out, t->ts, t->nthreads * sizeof *t->ts, err)) < 0)
		return rc;
	return 0;
}

int emb_train_ckpt_open(const struct emb_trainer *t, struct emb_out **out, const char *path,
			struct emb_err *err)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;

	if (!t->vocab || !t->ts)
		return emb_err_set(err, EMB_EINVAL, "nothing to checkpoint yet");
	oo.flags = EMB_OUT_NO_GZ_NAME;
	oo.level = 0;
	return emb_out_open(out, path, &oo, err);
}

int emb_trainer_save_state(const struct emb_trainer *t, const char *path, struct emb_err *err)
{
	struct emb_out *out = NULL;
	int rc;

	if ((rc = emb_train_ckpt_open(t, &out, path, err)) < 0)
		return rc;
	if ((rc = emb_train_ckpt_write(t, out, err)) < 0) {
		emb_out_abort(out);
		return rc;
	}
	return emb_out_commit(out, err);
}

int emb_trainer_resume(struct emb_trainer **out, struct emb_vocab **vocab, const char *path,
		       const struct emb_train_opts *o, struct emb_err *err)
{
	struct emb_stream *in = NULL;
	struct emb_trainer *t = NULL;
	struct emb_vocab *v = NULL;
	struct emb_train_opts to = *o;
	struct ckpt_head h;
	uint64_t *counts = NULL;
	char *tok = NULL;
	size_t mat;
	int rc;

	*out = NULL;
	*vocab = NULL;
	if ((rc = emb_stream_open(&in, path, err)) < 0)
		return rc;
	if ((rc = emb_stream_read_full(in, &h, sizeof h, err)) != 0 || memcmp(h.magic, CKPT_MAGIC, 8) != 0 ||
	    h.rows == 0 || h.rows >= EMB_TRAIN_EOS || h.threads == 0 || h.threads > 1024 ||
	    h.dim == 0 || h.dim > 100000) {
		rc = emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0, "not an embtrain checkpoint");
		goto done;
	}
	to.dim = h.dim;
	to.model = (int)h.model;
	to.negative = (unsigned)h.negative;
	to.hs = h.hs != 0;
	to.window = (unsigned)h.window;
	to.epochs = (unsigned)h.epochs;
	to.threads = (unsigned)h.threads;
	to.seed = h.seed;
	to.init = (int)h.init;
	to.batch = (unsigned)h.batch;
	to.ns_exponent = h.ns_exponent;
	to.sample = h.sample;
	to.alpha = h.alpha;
	to.min_alpha = h.min_alpha;
	if (!(counts = malloc(h.rows * sizeof *counts)) || !(tok = malloc(1 << 20))) {
		rc = emb_err_nomem(err, "loading a checkpoint");
		goto done;
	}
	if ((rc = emb_vocab_new(&v, err)) < 0)
		goto done;
	for (uint64_t i = 0; i < h.rows; i++) {
		uint32_t len;
		if ((rc = emb_stream_read_full(in, &len, 4, err)) != 0 || len >= (1 << 20) ||
		    (rc = emb_stream_read_full(in, tok, len, err)) != 0 ||
		    (rc = emb_stream_read_full(in, &counts[i], 8, err)) != 0 ||
		    (rc = emb_vocab_add(v, tok, len, counts[i], NULL, err)) != 0)
			goto bad;
	}
	if ((rc = emb_train_alloc(&t, counts, (size_t)h.rows, &to, (long)h.padding, err)) < 0)
		goto done;
	mat = t->rows * t->dim * sizeof(float);
	if (h.frozen) {
		emb_trainer_freeze(t, t->rows);
		if (!t->frozen || (rc = emb_stream_read_full(in, t->frozen, t->rows, err)) != 0)
			goto bad;
	}
	if ((rc = emb_stream_read_full(in, t->syn0, mat, err)) != 0 ||
	    (t->syn1neg && (rc = emb_stream_read_full(in, t->syn1neg, mat, err)) != 0) ||
	    (t->syn1 && (rc = emb_stream_read_full(in, t->syn1, mat, err)) != 0))
		goto bad;
	if (!(t->ts = calloc(h.threads, sizeof *t->ts))) {
		rc = emb_err_nomem(err, "loading a checkpoint");
		goto done;
	}
	t->nthreads = (unsigned)h.threads;
	if ((rc = emb_stream_read_full(in, t->ts, t->nthreads * sizeof *t->ts, err)) != 0)
		goto bad;
	t->corpus_size = h.corpus_size;
	t->corpus_digest = h.corpus_digest;
	atomic_store(&t->done_words, h.done_words);
	if ((rc = emb_train_derive(t, err)) < 0)
		goto done;
	rc = emb_stream_close(in, err);
	in = NULL;
	if (rc < 0)
		goto done;
	t->vocab = v;
	*out = t;
	*vocab = v;
	t = NULL;
	v = NULL;
	goto done;
bad:
	if (rc >= 0 || err->code == 0)
		rc = emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
				    "damaged embtrain checkpoint");
done:
	emb_stream_abort(in);
	emb_trainer_free(t);
	emb_vocab_free(v);
	free(counts);
	free(tok);
	return rc;
}
