/* cli_glove: embtrain --model glove (see cli_glove.h and embtrain(1)). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_glove.h"
#include "emb_cooc_file.h"

size_t cli_glove_default_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t q = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize / 4 : 0;

	if (q < (64u << 20))
		q = 64u << 20;
	return q > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)q;
}

int cli_glove_parse_memory(const char *arg, size_t *v)
{
	static const char units[] = "KMGT";
	const char *u;
	char *end;
	uint64_t x, mult = 1;

	if (*arg < '0' || *arg > '9')
		return cli_usage_error("invalid --memory '%s': not a size (e.g. 512M, 4G)", arg);
	x = strtoull(arg, &end, 10);
	if (*end && (u = strchr(units, *end)) && (end[1] == 0 || strcmp(end + 1, "B") == 0 ||
						 strcmp(end + 1, "iB") == 0))
		mult = (uint64_t)1 << (10 * (u - units + 1));
	else if (*end)
		return cli_usage_error("invalid --memory '%s': not a size (e.g. 512M, 4G)", arg);
	if (x > SIZE_MAX / 2 / mult || x * mult < (16u << 20))
		return cli_usage_error("invalid --memory '%s': out of range (16M or more)", arg);
	*v = (size_t)(x * mult);
	return 0;
}

static const char *const phase_names[] = { "counting", "merging", "shuffling", "training" };

static void on_progress(void *ctx, const struct emb_glove_progress *p)
{
	const struct cli_glove *g = ctx;

	if (!cli_progress_enabled(g->common))
		return;
	if (p->phase == EMB_GLOVE_TRAIN)
		cli_progress("training: epoch %u/%u  %5.1f%%  cost %.4f  %.0fs elapsed  ETA %.0fs",
			     p->epoch, g->o.epochs, p->frac * 100, p->cost, p->elapsed, p->eta);
	else
		cli_progress("%s: %5.1f%%  %.0fs elapsed  ETA %.0fs", phase_names[p->phase],
			     p->frac * 100, p->elapsed, p->eta);
}

static void human(char *dst, size_t cap, double bytes)
{
	if (bytes >= 1 << 30)
		snprintf(dst, cap, "%.1f GiB", bytes / (1 << 30));
	else
		snprintf(dst, cap, "%.0f MiB", bytes / (1 << 20));
}

/* The vocabulary and id cache, as embtrain's word2vec models make them. */
static int corpus_vocab(struct cli_glove *g, struct emb_train_corpus **corpus,
			struct emb_vocab **vocab, struct emb_err *err)
{
	int rc;

	if (g->vocab && ((rc = emb_vocab_load(vocab, g->vocab, 0, err)) < 0 ||
			 (rc = emb_train_vocab_prune(vocab, NULL, g->min_count, g->max_size, true,
						     false, err)) < 0))
		return rc;
	if ((rc = emb_train_corpus_scan(corpus, vocab, g->corpus, g->ncorpus, &g->tok, err)) < 0)
		return rc;
	if (emb_train_corpus_stats(*corpus)->tokens == 0)
		return emb_err_set(err, EMB_EFORMAT, "the corpus is empty");
	if (!g->vocab && (rc = emb_train_vocab_prune(vocab, *corpus, g->min_count, g->max_size, false,
						     true, err)) < 0)
		return rc;
	if ((rc = emb_train_corpus_filter(*corpus, *vocab, -1, err)) < 0)
		return rc;
	if (emb_train_corpus_stats(*corpus)->kept == 0)
		return emb_err_set(err, EMB_EFORMAT, "no token of the corpus is in the vocabulary%s",
				   g->vocab ? "" : " (see --min-count)");
	return 0;
}

static int set_meta(struct emb_table *tab, const struct cli_glove *g, const struct emb_glove *m,
		    const struct emb_train_corpus *corpus, uint64_t records, struct emb_err *err)
{
	static const char *const outs[] = { "word", "sum", "both" };
	const struct emb_glove_opts *o = emb_glove_opts(m);
	char b[9][64];
	int rc;

	snprintf(b[0], sizeof b[0], "%" PRIu64, o->seed);
	snprintf(b[1], sizeof b[1], "%u", o->window);
	snprintf(b[2], sizeof b[2], "%.17g", o->x_max);
	snprintf(b[3], sizeof b[3], "%.17g", o->power);
	snprintf(b[4], sizeof b[4], "%.17g", o->eta);
	snprintf(b[5], sizeof b[5], "%u", emb_glove_epochs_done(m));
	snprintf(b[6], sizeof b[6], "%" PRIu64, records);
	snprintf(b[7], sizeof b[7], "%.9g", emb_glove_cost(m));
	snprintf(b[8], sizeof b[8], "%zu", tab->rows);
	if ((rc = emb_table_meta_set(tab, "created_by", "embtrain " EMBKIT_VERSION, err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.options", g->options, err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.model", "glove", err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.seed", b[0], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.window", b[1], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "glove.symmetric", o->symmetric ? "1" : "0", err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "glove.x_max", b[2], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "glove.alpha", b[3], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.alpha", b[4], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.epochs", b[5], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "glove.records", b[6], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "glove.cost", b[7], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "glove.output", outs[g->out], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "vocab.size", b[8], err)) < 0)
		return rc;
	if (corpus) {
		const struct emb_train_stats *st = emb_train_corpus_stats(corpus);
		snprintf(b[0], sizeof b[0], "%" PRIu64, st->tokens);
		snprintf(b[1], sizeof b[1], "%" PRIu64, st->kept);
		snprintf(b[2], sizeof b[2], "%" PRIu64, st->lines);
		if ((rc = emb_table_meta_set(tab, "corpus.tokens", b[0], err)) < 0 ||
		    (rc = emb_table_meta_set(tab, "corpus.words", b[1], err)) < 0 ||
		    (rc = emb_table_meta_set(tab, "corpus.lines", b[2], err)) < 0)
			return rc;
	}
	return 0;
}

static int save(const struct cli_glove *g, const struct emb_glove *m, const struct emb_vocab *vocab,
		const struct emb_train_corpus *corpus, uint64_t records, struct emb_err *err)
{
	struct emb_write_opts wo = EMB_WRITE_OPTS_INIT;
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_table *tab = NULL;
	size_t rows = emb_vocab_size(vocab), dim = emb_glove_dim(m);
	size_t tdim = g->out == CLI_GLOVE_OUT_BOTH ? 2 * dim : dim;
	int rc;

	wo.threads = g->o.threads > 64 ? 64 : (int)g->o.threads;
	if ((rc = emb_table_new(&tab, rows, tdim, err)) < 0)
		return rc;
	for (size_t i = 0; i < rows && rc >= 0; i++) {
		size_t len;
		const char *tok = emb_vocab_token(vocab, i, &len);
		float *row = emb_table_row(tab, i);
		rc = emb_vocab_add(tab->vocab, tok, len, emb_vocab_count(vocab, i), NULL, err);
		if (g->out == CLI_GLOVE_OUT_BOTH) {
			emb_glove_vector(m, EMB_GLOVE_WORD, i, row);
			emb_glove_vector(m, EMB_GLOVE_CONTEXT, i, row + dim);
		} else {
			emb_glove_vector(m, g->out == CLI_GLOVE_OUT_WORD ? EMB_GLOVE_WORD : EMB_GLOVE_SUM,
					 i, row);
		}
	}
	cli_out_opts(g->common, &oo, 0);
	if (rc >= 0 && (rc = set_meta(tab, g, m, corpus, records, err)) >= 0)
		rc = emb_table_save(tab, g->output, g->fmt, &wo, &oo, err);
	emb_table_free(tab);
	return rc;
}

/* --cooc-out: the file is written as the merge produces the records. */
static int sink_begin(void *ctx, uint64_t max_records, struct emb_err *err)
{
	return emb_cooc_file_begin(ctx, max_records, err);
}

static int sink_put(void *ctx, const struct emb_cooc_rec *r, struct emb_err *err)
{
	return emb_cooc_file_put(ctx, r, err);
}

/* --cooc FILE: the data and vocabulary from a co-occurrence file. */
static int read_cooc(struct cli_glove *g, struct emb_cooc **cooc, struct emb_vocab **vocab,
		     struct emb_err *err)
{
	struct emb_cooc_reader *rd = NULL;
	struct emb_cooc_rec r;
	int rc;

	if ((rc = emb_cooc_file_open(&rd, g->cooc_in, err)) < 0)
		return rc;
	/* the counting settings are the file's (for the metadata) */
	g->o.window = emb_cooc_file_window(rd);
	g->o.symmetric = emb_cooc_file_symmetric(rd);
	if ((rc = emb_cooc_new(cooc, emb_cooc_file_rows(rd), emb_cooc_file_max_records(rd), &g->o,
			       err)) < 0)
		goto done;
	while ((rc = emb_cooc_file_next(rd, &r, err)) == 0) {
		if ((rc = emb_cooc_add(*cooc, &r, err)) < 0)
			goto done;
	}
	if (rc < 0 || (rc = emb_cooc_file_close(rd, vocab, err)) < 0)
		goto done;
	rd = NULL;
	rc = emb_cooc_finish(*cooc, err);
done:
	emb_cooc_file_abort(rd);
	return rc;
}

int cli_glove_run(struct cli_glove *g, struct emb_err *err)
{
	struct emb_train_corpus *corpus = NULL;
	struct emb_cooc_writer *cw = NULL;
	struct emb_vocab *vocab = NULL;
	struct emb_cooc *cooc = NULL;
	struct emb_glove *m = NULL;
	size_t rows;
	int rc;

	g->o.progress = on_progress;
	g->o.progress_ctx = g;
	g->o.stop = &cli_interrupted;
	if (g->resume && (rc = emb_glove_resume(&m, g->resume, &g->o, err)) < 0)
		goto done;
	if (m)
		g->o = *emb_glove_opts(m);
	if (g->cooc_in) {
		cli_catch_interrupt();
		if ((rc = read_cooc(g, &cooc, &vocab, err)) < 0)
			goto done;
		rows = emb_vocab_size(vocab);
	} else {
		struct emb_cooc_plan p;
		char mem[32], disk[32];
		if ((rc = corpus_vocab(g, &corpus, &vocab, err)) < 0)
			goto done;
		rows = emb_vocab_size(vocab);
		emb_cooc_plan(&p, rows, emb_train_corpus_stats(corpus)->kept, &g->o);
		human(mem, sizeof mem, (double)g->o.memory);
		human(disk, sizeof disk, (double)p.disk_bytes);
		if (!g->common->quiet)
			cli_summary(g->common, "glove: %zu words, counting in %s of memory (--memory), "
				    "temporary disk %s%s, model %.0f MiB", rows, mem,
				    p.disk_bytes ? "up to " : "", p.disk_bytes ? disk : "none",
				    4.0 * (double)rows * (double)(g->o.dim + 1) * 4 / (1 << 20));
		if (g->cooc_out) {
			struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
			cli_out_opts(g->common, &oo, 0);
			if ((rc = emb_cooc_file_create(&cw, g->cooc_out, vocab, g->o.window,
						       g->o.symmetric, &oo, err)) < 0)
				goto done;
		}
		/* from here an interrupt stops the work; the temporary files are already unlinked */
		cli_catch_interrupt();
		struct emb_cooc_sink sink = { sink_begin, sink_put, cw };
		if ((rc = emb_cooc_count(&cooc, corpus, rows, &g->o, cw ? &sink : NULL, err)) < 0)
			goto done;
		cli_progress_done();
		if (cw) {
			rc = emb_cooc_file_commit(cw, err);
			cw = NULL;
			if (rc < 0)
				goto done;
		}
	}
	if (emb_cooc_records(cooc) == 0) {
		rc = emb_err_set(err, EMB_EFORMAT, "no two words of the vocabulary share a line: "
				 "nothing to train");
		goto done;
	}
	if (!m && (rc = emb_glove_new(&m, rows, &g->o, err)) < 0)
		goto done;
	if ((rc = emb_glove_run(m, cooc, err)) < 0)
		goto done;
	cli_progress_done();
	if ((rc = save(g, m, vocab, corpus, emb_cooc_records(cooc), err)) < 0)
		goto done;
	if (!g->common->quiet)
		cli_summary(g->common, "%zu x %zu vectors from %" PRIu64 " co-occurrences (%zu runs "
			    "spilled, shuffled %s) x %u epochs in %.1f s (final cost %.4f, %u threads)",
			    rows, emb_glove_dim(m), emb_cooc_records(cooc), emb_cooc_runs(cooc),
			    emb_cooc_spilled(cooc) ? "on disk" : "in memory", g->o.epochs,
			    emb_glove_seconds(m), emb_glove_cost(m), g->o.threads);
done:
	cli_progress_done();
	emb_cooc_file_discard(cw);
	emb_cooc_free(cooc);
	emb_glove_free(m);
	emb_train_corpus_free(corpus);
	emb_vocab_free(vocab);
	return rc;
}
