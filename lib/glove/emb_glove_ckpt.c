/*
 * emb_glove_ckpt: GloVe checkpoints, written after every epoch, so a stopped run resumes at the
 * last epoch boundary and gives the bytes an uninterrupted run gives (one thread).  The file is
 * the header below in host byte order (a checkpoint is for the same machine), then the word
 * vectors, the context vectors and their two squared-gradient sums, rows x (dim + 1) floats
 * each.  The vocabulary is not in it: the same corpus and options give the same one again,
 * and the rows and records must match the data trained on.
 */
#include <stdlib.h>
#include <string.h>

#include "emb_glove_impl.h"
#include "emb_out.h"
#include "emb_stream.h"

#define CKPT_MAGIC "EMBGLVC1"

struct ckpt_head {
	char magic[8];
	uint64_t dim, window, symmetric, epochs_done, seed, rows, records;
	double x_max, power, eta, cost;
};

int emb_glove_save_state(const struct emb_glove *g, const char *path, struct emb_err *err)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_out *out = NULL;
	struct ckpt_head h = { CKPT_MAGIC, g->dim, g->o.window, g->o.symmetric, g->epoch, g->o.seed,
			       g->rows, g->records, g->o.x_max, g->o.power, g->o.eta, g->cost };
	size_t n = g->rows * g->stride * sizeof(float);
	int rc;

	oo.flags = EMB_OUT_NO_GZ_NAME;
	oo.level = 0;
	if ((rc = emb_out_open(&out, path, &oo, err)) < 0)
		return rc;
	if ((rc = emb_out_write(out, &h, sizeof h, err)) < 0 ||
	    (rc = emb_out_write(out, g->w, n, err)) < 0 || (rc = emb_out_write(out, g->c, n, err)) < 0 ||
	    (rc = emb_out_write(out, g->gw, n, err)) < 0 || (rc = emb_out_write(out, g->gc, n, err)) < 0) {
		emb_out_abort(out);
		return rc;
	}
	return emb_out_commit(out, err);
}

int emb_glove_resume(struct emb_glove **out, const char *path, const struct emb_glove_opts *o,
		     struct emb_err *err)
{
	struct emb_glove_opts to = *o;
	struct emb_stream *in = NULL;
	struct emb_glove *g = NULL;
	struct ckpt_head h;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = emb_stream_open(&in, path, err)) < 0)
		return rc;
	if ((rc = emb_stream_read_full(in, &h, sizeof h, err)) < 0)
		goto done;
	if (memcmp(h.magic, CKPT_MAGIC, 8) != 0 || h.dim < 1 || h.dim > 100000 || h.rows == 0 ||
	    h.rows > UINT32_MAX || h.window < 1 || h.window > EMB_COOC_MAX_WINDOW ||
	    h.epochs_done > 100000) {
		rc = emb_err_set(err, EMB_EFORMAT, "%s: not a GloVe checkpoint of embtrain", path);
		goto done;
	}
	/* the training options are the checkpoint's; the epochs may be more than it was made for */
	to.dim = (size_t)h.dim;
	to.window = (unsigned)h.window;
	to.symmetric = h.symmetric != 0;
	to.seed = h.seed;
	to.x_max = h.x_max;
	to.power = h.power;
	to.eta = h.eta;
	if ((rc = emb_glove_new(&g, (size_t)h.rows, &to, err)) < 0)
		goto done;
	n = g->rows * g->stride * sizeof(float);
	if ((rc = emb_stream_read_full(in, g->w, n, err)) < 0 ||
	    (rc = emb_stream_read_full(in, g->c, n, err)) < 0 ||
	    (rc = emb_stream_read_full(in, g->gw, n, err)) < 0 ||
	    (rc = emb_stream_read_full(in, g->gc, n, err)) < 0)
		goto done;
	g->epoch = (unsigned)h.epochs_done;
	g->records = h.records;
	g->cost = h.cost;
	rc = emb_stream_close(in, err);
	in = NULL;
	if (rc >= 0) {
		*out = g;
		g = NULL;
	}
done:
	emb_stream_abort(in);
	emb_glove_free(g);
	return rc;
}
