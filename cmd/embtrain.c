/* embtrain: learn word vectors (word2vec skip-gram / CBOW, GloVe) from text.  See embtrain(1). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_compat.h"
#include "cli_glove.h"
#include "emb_format.h"
#include "emb_train.h"
#include "embtrain.h"
#include "embtrain_help.h"

enum {
	OPT_MIN_COUNT = CLI_OPT_FIRST_TOOL, OPT_MAX_SIZE, OPT_SPLIT, OPT_LOWER, OPT_NS_EXP, OPT_HS,
	OPT_SAMPLE, OPT_MIN_ALPHA, OPT_BATCH, OPT_SEED, OPT_INIT, OPT_INIT_FROM, OPT_FREEZE,
	OPT_PADDING, OPT_SAVE_CONTEXT, OPT_CHECKPOINT, OPT_CHECKPOINT_EVERY, OPT_RESUME,
	OPT_SYNC_WORDS, OPT_SYNC_ROWS, OPT_FULL_SYNC, OPT_MPI_VOCAB, OPT_AVERAGE,
	OPT_SUBWORDS, OPT_MINN, OPT_MAXN, OPT_BUCKET, OPT_UNICODE_ERRORS, OPT_X_MAX, OPT_GLOVE_ALPHA,
	OPT_SYMMETRIC, OPT_MEMORY, OPT_GLOVE_OUTPUT, OPT_COOC_OUT, OPT_COOC,
};

/* --batch without a value: centre words per group sharing negatives (see bench/results/train.md) */
#define BATCH_DEFAULT 1

static void on_progress(void *ctx, const struct emb_train_progress *p)
{
	struct train_cmd *c = ctx;

	if (p->done || !cli_progress_enabled(&c->common))
		return;
	if (c->size > 1) { /* p->words counts every process (as of the last sync) */
		double rate = p->elapsed > 0 ? (double)p->words / p->elapsed : 0;
		cli_progress("%5.1f%%  %.0fk words/s (%u processes)  alpha %.6f  %.0fs elapsed  ETA %.0fs",
			     p->frac * 100, rate / 1000, c->size, p->alpha, p->elapsed,
			     p->frac > 0 ? p->elapsed * (1 - p->frac) / p->frac : 0);
		return;
	}
	cli_progress("%5.1f%%  %.0fk words/s/thread  alpha %.6f  %.0fs elapsed  ETA %.0fs",
		     p->frac * 100, p->words_per_sec / 1000, p->alpha, p->elapsed, p->eta);
}

/* Can an output be created there?  Fail now rather than after hours of training. */
static int probe_output(const char *path, struct emb_err *err)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_out *out;
	int rc;

	if (!path || strcmp(path, "-") == 0)
		return 0;
	oo.flags = EMB_OUT_NO_GZ_NAME;
	if ((rc = emb_out_open(&out, path, &oo, err)) < 0)
		return rc;
	emb_out_abort(out);
	return 0;
}

/* fastText's record of the arguments, which a fastText .bin written from the table carries. */
static int set_fasttext_args(struct emb_table *tab, const struct emb_train_opts *o,
			     struct emb_err *err)
{
	char s[320];

	snprintf(s, sizeof s, "model=%s loss=%s dim=%zu ws=%u epoch=%u minCount=1 neg=%u "
		 "wordNgrams=1 bucket=%u minn=%u maxn=%u lrUpdateRate=100 t=%.17g",
		 o->model == EMB_TRAIN_CBOW ? "cbow" : "skipgram", o->negative ? "ns" : "hs", o->dim,
		 o->window, o->epochs, o->negative, o->subwords ? o->bucket : 0,
		 o->subwords ? o->minn : 0, o->subwords ? o->maxn : 0, o->sample);
	return emb_table_meta_set(tab, "fasttext.args", s, err);
}

static int set_meta(struct emb_table *tab, const struct train_cmd *c,
		    const struct emb_trainer *tr, struct emb_err *err)
{
	const struct emb_train_stats *st = &c->st;
	const struct emb_train_opts *o = emb_trainer_opts(tr);
	char b[6][64];
	int rc;

	snprintf(b[0], sizeof b[0], "%" PRIu64, o->seed);
	snprintf(b[1], sizeof b[1], "%" PRIu64, st->tokens);
	snprintf(b[2], sizeof b[2], "%" PRIu64, st->kept);
	snprintf(b[3], sizeof b[3], "%" PRIu64, st->lines);
	snprintf(b[4], sizeof b[4], "%zu", tab->rows);
	snprintf(b[5], sizeof b[5], "%" PRIu64, c->words);
	if ((rc = emb_table_meta_set(tab, "created_by", PROG " " EMBKIT_VERSION, err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.options", c->options, err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.seed", b[0], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.model", o->model == EMB_TRAIN_CBOW ? "cbow" : "sg", err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "corpus.tokens", b[1], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "corpus.words", b[2], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "corpus.lines", b[3], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "vocab.size", b[4], err)) < 0 ||
	    (rc = emb_table_meta_set(tab, "train.words", b[5], err)) < 0)
		return rc;
	return set_fasttext_args(tab, o, err);
}

/* Write MATRIX (rows of VOCAB) to PATH as a table. */
static int save(const struct train_cmd *c, const char *path, const struct emb_format *fmt,
		const float *matrix, const struct emb_vocab *vocab, struct emb_trainer *tr,
		const struct emb_subword *sw, long padding,
		struct emb_err *err)
{
	struct emb_write_opts wo = EMB_WRITE_OPTS_INIT;
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_table *tab = NULL;
	size_t rows = emb_vocab_size(vocab), dim = emb_trainer_dim(tr);
	unsigned threads = emb_trainer_opts(tr)->threads;
	int rc;

	wo.threads = threads > 64 ? 64 : (int)threads; /* idle now that training is done */

	if ((rc = emb_table_new(&tab, rows, dim, err)) < 0)
		return rc;
	memcpy(tab->data, matrix, rows * dim * sizeof(float));
	if (sw && (rc = emb_subword_borrow(&tab->subword, sw->minn, sw->maxn, sw->bucket, sw->dim,
					   sw->rows, err)) < 0)
		goto done;
	for (size_t i = 0; i < rows && rc >= 0; i++) {
		size_t len;
		const char *tok = emb_vocab_token(vocab, i, &len);
		rc = emb_vocab_add(tab->vocab, tok, len, emb_vocab_count(vocab, i), NULL, err);
		/* a word's vector is the mean of its own row and its n-gram rows */
		if (sw && rc >= 0)
			emb_subword_vector(sw, tok, len, matrix + i * dim, emb_table_row(tab, i));
	}
	tab->padding_idx = padding;
	cli_out_opts(&c->common, &oo, 0);
	if (rc >= 0 && (rc = set_meta(tab, c, tr, err)) >= 0)
		rc = emb_table_save(tab, path, fmt, &wo, &oo, err);
done:
	emb_table_free(tab);
	return rc;
}

static void on_load_warning(void *ctx, const char *msg)
{
	cli_warn(ctx, "%s", msg);
}

/*
 * word2vec.c's -save-vocab: "word count" lines, most frequent first, as word2vec.c writes them
 * (without its "</s>" line-end entry, which is not a row of our tables).
 */
static int save_vocab(const struct train_cmd *c, const char *path, const struct emb_vocab *vocab,
		      struct emb_err *err)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_out *out;
	char num[32];
	int rc;

	cli_out_opts(&c->common, &oo, 0);
	oo.flags |= EMB_OUT_NO_GZ_NAME;
	if ((rc = emb_out_open(&out, path, &oo, err)) < 0)
		return rc;
	for (size_t i = 0; i < emb_vocab_size(vocab) && rc >= 0; i++) {
		size_t len;
		const char *tok = emb_vocab_token(vocab, i, &len);
		int n = snprintf(num, sizeof num, " %" PRIu64 "\n", emb_vocab_count(vocab, i));

		if ((rc = emb_out_write(out, tok, len, err)) >= 0)
			rc = emb_out_write(out, num, (size_t)n, err);
	}
	if (rc < 0) {
		emb_out_abort(out);
		return rc;
	}
	return emb_out_commit(out, err);
}

/* Rows of the new table found in --init-from take its vectors (and are frozen if asked). */
static int init_from(struct train_cmd *c, struct emb_trainer *tr, const struct emb_vocab *vocab,
		     struct emb_err *err)
{
	struct emb_read_opts ro = EMB_READ_OPTS_INIT;
	struct emb_table *src = NULL;
	float *m = emb_trainer_input(tr);
	size_t dim = emb_trainer_dim(tr);
	int rc;

	ro.utf8 = c->utf8;
	ro.warn = on_load_warning;
	ro.warn_ctx = &c->common;
	if ((rc = emb_table_load(&src, c->init_from, NULL, &ro, err)) < 0)
		return rc;
	if (src->dim != dim) {
		rc = emb_err_set(err, EMB_EFORMAT, "%s: vectors of dimension %zu, not %zu", c->init_from,
				 src->dim, dim);
		goto done;
	}
	for (size_t i = 0; i < emb_vocab_size(vocab); i++) {
		size_t len;
		const char *tok = emb_vocab_token(vocab, i, &len);
		long r = emb_vocab_find(src->vocab, tok, len);
		if (r < 0 || (long)i == c->padding)
			continue;
		memcpy(m + i * dim, emb_table_row(src, (size_t)r), dim * sizeof(float));
		if (c->freeze)
			emb_trainer_freeze(tr, i);
	}
done:
	emb_table_free(src);
	return rc;
}

/* The dimension of --init-from's table when --dim was not given. */
static int init_from_dim(struct train_cmd *c, struct emb_err *err)
{
	struct emb_read_opts ro = EMB_READ_OPTS_INIT;
	struct emb_table *src = NULL;
	int rc;

	ro.limit = 1;
	if ((rc = emb_table_load(&src, c->init_from, NULL, &ro, err)) < 0)
		return rc;
	c->o.dim = src->dim;
	emb_table_free(src);
	return 0;
}

/*
 * The steps every process of embtrain-mpi takes together (embtrain_mpi.c); in embtrain, the
 * plain ones.
 */
static int agree(struct train_cmd *c, int rc, struct emb_err *err)
{
#ifdef EMB_MPI
	return mpi_agree(c, rc, err);
#else
	(void)c;
	(void)err;
	return rc;
#endif
}

static int scan(struct train_cmd *c, struct emb_train_corpus **corpus, struct emb_vocab **vocab,
		struct emb_err *err)
{
#ifdef EMB_MPI
	return mpi_scan(c, corpus, vocab, err);
#else
	return emb_train_corpus_scan(corpus, vocab, c->corpus, c->ncorpus, &c->tok, err);
#endif
}

static int count_vocab(struct train_cmd *c, struct emb_train_corpus *corpus,
		       struct emb_vocab **vocab, struct emb_err *err)
{
#ifdef EMB_MPI
	return mpi_count_vocab(c, corpus, vocab, err);
#else
	return emb_train_vocab_prune(vocab, corpus, c->min_count, c->max_size, false, true, err);
#endif
}

/* Every output asked for: the vectors, the context vectors, the compat side files. */
static int save_all(const struct train_cmd *c, struct emb_trainer *tr,
		    const struct emb_vocab *vocab, long padding, struct emb_err *err)
{
	const struct emb_subword *sw = emb_trainer_subword(tr);
	int rc;

	if ((rc = save(c, c->output, c->fmt, emb_trainer_input(tr), vocab, tr, sw, padding, err)) < 0 ||
	    (c->context && (rc = save(c, c->context, c->fmt, emb_trainer_output(tr), vocab, tr, NULL,
				      -1, err)) < 0) ||
	    (c->also_vec && (rc = save(c, c->also_vec, emb_format_by_name("word2vec"),
				       emb_trainer_input(tr), vocab, tr, sw, padding, err)) < 0) ||
	    (c->save_vocab && (rc = save_vocab(c, c->save_vocab, vocab, err)) < 0))
		return rc;
#ifdef EMB_MPI
	if (c->vocab_out && (rc = mpi_save_vocab(c, vocab, err)) < 0)
		return rc;
#endif
	return 0;
}

/* One step of every process (see agree): on failure, leave train(). */
#define STEP(expr) do { if ((rc = agree(c, (expr), err)) < 0) goto done; } while (0)

static int train(struct train_cmd *c, struct emb_err *err)
{
	struct emb_train_corpus *corpus = NULL;
	struct emb_trainer *tr = NULL;
	struct emb_vocab *vocab = NULL;
	uint64_t *counts = NULL, kept;
	long padding = c->padding;
	size_t rows;
	int rc = 0;

	if (c->rank == 0 && (rc = probe_output(c->output, err)) == 0 &&
	    (rc = probe_output(c->context, err)) == 0)
		rc = probe_output(c->o.checkpoint, err);
#ifdef EMB_MPI
	if (c->rank == 0 && rc == 0)
		rc = probe_output(c->ckpt, err);
	if (c->rank == 0 && rc == 0)
		rc = probe_output(c->vocab_out, err);
#endif
	STEP(rc);
	if (c->resume) {
		if ((rc = emb_trainer_resume(&tr, &vocab, c->resume, &c->o, err)) == 0)
			padding = emb_trainer_padding(tr);
#ifdef EMB_MPI
		if (rc == 0)
			rc = mpi_resume_positions(c, tr, err);
#endif
	} else if (c->vocab) {
		if ((rc = emb_vocab_load(&vocab, c->vocab, 0, err)) == 0)
			rc = emb_train_vocab_prune(&vocab, NULL, c->min_count, c->max_size, true,
						   false, err);
	}
	STEP(rc);
	STEP(scan(c, &corpus, &vocab, err));
	c->st = *emb_train_corpus_stats(corpus);
#ifdef EMB_MPI
	if ((rc = mpi_sum_stats(c, err)) < 0)
		goto done;
#endif
	STEP(c->st.tokens ? 0 : emb_err_set(err, EMB_EFORMAT, "the corpus is empty"));
	if (!c->vocab && !c->resume && (rc = count_vocab(c, corpus, &vocab, err)) < 0)
		goto done;
	rows = emb_vocab_size(vocab);
	if (padding < 0 && !c->resume)
		padding = emb_vocab_find(vocab, "<pad>", 5);
	STEP(padding >= (long)rows ? emb_err_set(err, EMB_EINVAL, "--padding-idx %ld is beyond the %zu rows",
						  padding, rows) : 0);
	STEP(emb_train_corpus_filter(corpus, vocab, padding, err));
	c->st = *emb_train_corpus_stats(corpus);
	kept = c->st.kept;
#ifdef EMB_MPI
	if ((rc = mpi_sum_stats(c, err)) < 0)
		goto done;
#endif
	STEP(c->st.kept ? 0 : emb_err_set(err, EMB_EFORMAT, "no token of the corpus is in the vocabulary%s",
					  c->vocab || c->resume ? "" : " (see --min-count)"));
	STEP(kept ? 0 : emb_err_set(err, EMB_EFORMAT, "process %u of %u has no word of the vocabulary "
				   "in its part of the corpus: use fewer processes", c->rank, c->size));
	if (!tr) {
		if (!(counts = malloc(rows * sizeof *counts))) {
			rc = emb_err_nomem(err, "training");
		} else {
			for (size_t i = 0; i < rows; i++)
				counts[i] = emb_vocab_count(vocab, i);
			if ((rc = emb_trainer_new(&tr, counts, rows, &c->o, padding, err)) == 0 &&
			    c->init_from)
				rc = init_from(c, tr, vocab, err);
			if (rc == 0)
				rc = emb_trainer_subwords(tr, vocab, err);
		}
		STEP(rc);
	}
	emb_trainer_set_vocab(tr, vocab);
#ifdef EMB_MPI
	if ((rc = mpi_start_together(c, tr, kept, err)) < 0)
		goto done;
#else
	/* until now an interrupt simply ends the process; from here it stops training cleanly */
	cli_catch_interrupt();
#endif
	if ((rc = emb_trainer_run(tr, corpus, err)) < 0)
		goto done;
	cli_progress_done();
	c->words = emb_trainer_words(tr);
#ifdef EMB_MPI
	if ((rc = emb_train_mpi_sum(&c->words, 1, err)) < 0)
		goto done;
#endif
	/* rank 0 alone writes; the others wait to hear how that went */
	if (c->rank == 0)
		rc = save_all(c, tr, vocab, padding, err);
	STEP(rc);
	if (!c->common.quiet) {
		double s = emb_trainer_seconds(tr);
		const struct emb_train_opts *o = emb_trainer_opts(tr);
		unsigned th = o->threads * c->size;
		cli_summary(&c->common, "%zu x %zu vectors from %" PRIu64 " words x %u epochs in %.1f s "
			"(%.0fk words/s/thread, %u threads)", rows, emb_trainer_dim(tr), c->st.kept,
			o->epochs, s, s > 0 ? (double)c->words / s / th / 1000 : 0, th);
#ifdef EMB_MPI
		mpi_summary(c);
#endif
	}
done:
	cli_progress_done();
#ifdef EMB_MPI
	emb_train_mpi_sched_release(&c->sched);
#endif
	emb_train_corpus_free(corpus);
	emb_trainer_free(tr);
	emb_vocab_free(vocab);
	free(counts);
	return rc;
}

/* An output name whose extension names no format, without --to: a usage error (2), else 0. */
static int unknown_extension(const struct train_cmd *c)
{
	if (!c->fmt && (emb_format_unknown_extension(c->output) ||
			(c->context && emb_format_unknown_extension(c->context))))
		return cli_usage_error("the extension of '%s' names no table format (.emb .safetensors "
				       ".npy .bin .vec .txt, optionally .gz); give --to",
				       emb_format_unknown_extension(c->output) ? c->output : c->context);
	return 0;
}

static void record_options(char *dst, size_t cap, int argc, char **argv)
{
	size_t used = 0;

	dst[0] = 0;
	for (int i = 1; i < argc && used + 2 < cap; i++) {
		int k = snprintf(dst + used, cap - used, "%s%s", i > 1 ? " " : "", argv[i]);
		used += k > 0 ? (size_t)k : 0;
	}
}

/* --model glove: the shared options mapped onto GloVe's, then lib/glove does the work. */
static int glove_main(struct train_cmd *c, int argc, char **argv, int argc0, char **argv0)
{
	struct cli_glove *g = &c->g;
	struct emb_err err = EMB_ERR_INIT;

	if (optind >= argc && !g->cooc_in)
		return cli_usage_error("no corpus given");
	if (optind < argc && g->cooc_in)
		return cli_usage_error("--cooc replaces the corpus: give one or the other");
	if (!c->output)
		return cli_usage_error("no output given (-o VECTORS)");
	if (g->cooc_in && g->cooc_out)
		return cli_usage_error("--cooc-out needs a corpus, not --cooc");
	if (c->o.hs || c->o.batch || c->o.subwords || c->init_from || c->context || c->padding >= 0 ||
	    c->o.init != EMB_TRAIN_INIT_UNIFORM)
		return cli_usage_error("--hs, --batch, --subwords, --init, --init-from, --save-context "
				       "and --padding-idx are not for --model glove");
	if (unknown_extension(c) ||
	    cli_refuse_terminal(&c->common, c->output, !emb_format_for_output(c->output, c->fmt)->text))
		return 2;
	g->o.dim = c->o.dim;
	if (c->window_given)
		g->o.window = c->o.window;
	if (c->alpha_given)
		g->o.eta = c->o.alpha;
	if (c->epochs_given)
		g->o.epochs = c->o.epochs;
	g->o.threads = c->o.threads;
	g->o.seed = c->o.seed;
	g->o.checkpoint = c->o.checkpoint;
	if (!g->o.memory)
		g->o.memory = cli_glove_default_memory();
	g->tok = c->tok;
	g->common = &c->common;
	g->vocab = c->vocab;
	g->output = c->output;
	g->resume = c->resume;
	g->fmt = c->fmt;
	g->min_count = c->vocab && !c->min_count_given ? 1 : c->min_count;
	g->max_size = c->max_size;
	g->corpus = argv + optind;
	g->ncorpus = (size_t)(argc - optind);
	record_options(c->options, sizeof c->options, argc0, argv0);
	g->options = c->options;
	if (probe_output(c->output, &err) < 0 || probe_output(c->o.checkpoint, &err) < 0 ||
	    cli_glove_run(g, &err) < 0)
		return cli_report(&err);
	return cli_close_stdout();
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vocab", required_argument, NULL, 'v' },
		{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "split", required_argument, NULL, OPT_SPLIT },
		{ "lower", no_argument, NULL, OPT_LOWER },
		{ "dim", required_argument, NULL, 'd' },
		{ "model", required_argument, NULL, 'm' },
		{ "negative", required_argument, NULL, 'n' },
		{ "ns-exponent", required_argument, NULL, OPT_NS_EXP },
		{ "hs", no_argument, NULL, OPT_HS },
		{ "window", required_argument, NULL, 'w' },
		{ "sample", required_argument, NULL, OPT_SAMPLE },
		{ "alpha", required_argument, NULL, 'a' },
		{ "min-alpha", required_argument, NULL, OPT_MIN_ALPHA },
		{ "epochs", required_argument, NULL, 'e' },
		{ "threads", required_argument, NULL, 'j' },
		{ "batch", optional_argument, NULL, OPT_BATCH },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "init", required_argument, NULL, OPT_INIT },
		{ "init-from", required_argument, NULL, OPT_INIT_FROM },
		{ "freeze-existing", no_argument, NULL, OPT_FREEZE },
		{ "unicode-errors", required_argument, NULL, OPT_UNICODE_ERRORS },
		{ "padding-idx", required_argument, NULL, OPT_PADDING },
		{ "output", required_argument, NULL, 'o' },
		{ "to", required_argument, NULL, 't' },
		{ "save-context", required_argument, NULL, OPT_SAVE_CONTEXT },
		{ "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
		{ "checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "subwords", no_argument, NULL, OPT_SUBWORDS },
		{ "minn", required_argument, NULL, OPT_MINN },
		{ "maxn", required_argument, NULL, OPT_MAXN },
		{ "bucket", required_argument, NULL, OPT_BUCKET },
#ifdef EMB_MPI
		{ "sync-words", required_argument, NULL, OPT_SYNC_WORDS },
		{ "sync-rows", required_argument, NULL, OPT_SYNC_ROWS },
		{ "full-sync", required_argument, NULL, OPT_FULL_SYNC },
		{ "save-vocab", required_argument, NULL, OPT_MPI_VOCAB },
		{ "average", no_argument, NULL, OPT_AVERAGE },
#endif
		{ "x-max", required_argument, NULL, OPT_X_MAX },
		{ "glove-alpha", required_argument, NULL, OPT_GLOVE_ALPHA },
		{ "symmetric", required_argument, NULL, OPT_SYMMETRIC },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "glove-output", required_argument, NULL, OPT_GLOVE_OUTPUT },
		{ "cooc-out", required_argument, NULL, OPT_COOC_OUT },
		{ "cooc", required_argument, NULL, OPT_COOC },
		CLI_OUTPUT_LONGOPTS,
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static struct train_cmd c = { .o = EMB_TRAIN_OPTS_INIT, .tok = EMB_TOK_OPTS_INIT,
				      .common = CLI_COMMON_INIT, .min_count = 5, .padding = -1,
				      .rank = 0, .size = 1,
				      .g = { .o = EMB_GLOVE_OPTS_INIT, .out = CLI_GLOVE_OUT_SUM } };
	struct emb_err err = EMB_ERR_INIT;
	double every = 10;
	uint64_t u;
	static const char *const model_names[] = { "sg", "skipgram", "cbow", "glove", NULL };
	static const char *const glove_outputs[] = { "word", "sum", "both", NULL };
	static const char *const init_names[] = { "uniform", "normal", NULL };
	int ch, pick, rc;
	unsigned pu;
	static struct cli_compat compat; /* static: its vectors live as long as argv */
	int argc0;
	char **argv0;

	cli_init(argv[0]);
	c.o.threads = (unsigned)cli_online_cpus(1024);
#ifdef EMB_MPI
	if (mpi_start(&c, &argc, &argv, &err) < 0)
		return cli_report(&err);
#endif
	argc0 = argc;
	argv0 = argv;
	/* word2vec.c's or fastText's command line becomes embtrain's own (see cli_compat.h) */
	if (cli_compat_translate(&compat, argc, argv))
		return 2;
	if (compat.mode) {
		argc = compat.argc;
		argv = compat.argv;
		c.save_vocab = compat.save_vocab;
		c.also_vec = compat.also_output;
	}
	while ((ch = getopt_long(argc, argv, "v:d:m:n:w:a:e:j:o:t:" CLI_OUTPUT_SHORTOPTS
				 CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (ch) {
		case 'v': c.vocab = optarg; break;
		case 'o': c.output = optarg; break;
		case OPT_SAVE_CONTEXT: c.context = optarg; break;
		case OPT_INIT_FROM: c.init_from = optarg; break;
		case OPT_RESUME: c.resume = optarg; break;
#ifdef EMB_MPI
		case OPT_MPI_VOCAB: c.vocab_out = optarg; break;
		case OPT_AVERAGE: c.average = true; break;
		case OPT_SYNC_WORDS:
			if (cli_parse_count("sync-words", optarg, 1, UINT64_MAX, &c.sync_words))
				return 2;
			break;
		case OPT_SYNC_ROWS:
			if (cli_parse_count("sync-rows", optarg, 0, UINT32_MAX, &c.sync_rows))
				return 2;
			break;
		case OPT_FULL_SYNC:
			if (cli_parse_count("full-sync", optarg, 1, UINT32_MAX, &c.full_sync))
				return 2;
			break;
#endif
		case OPT_CHECKPOINT: c.o.checkpoint = optarg; break;
		case OPT_LOWER: c.tok.lower = true; break;
		case OPT_HS: c.o.hs = true; break;
		case OPT_FREEZE: c.freeze = true; break;
		case OPT_SUBWORDS: c.o.subwords = true; break;
		case OPT_MINN:
		case OPT_MAXN:
			if (cli_parse_uint(ch == OPT_MINN ? "minn" : "maxn", optarg, 1, EMB_SUBWORD_MAX_N,
					   ch == OPT_MINN ? &c.o.minn : &c.o.maxn))
				return 2;
			c.ngram_given = true;
			break;
		case OPT_BUCKET:
			if (cli_parse_count("bucket", optarg, 1, INT32_MAX, &u))
				return 2;
			c.o.bucket = (uint32_t)u;
			c.ngram_given = true;
			break;
		case OPT_UNICODE_ERRORS:
			if (emb_utf8_mode_by_name(optarg, &c.utf8) < 0)
				return cli_usage_error("invalid --unicode-errors '%s' (keep, strict, "
						       "replace or ignore)", optarg);
			break;
		case OPT_MIN_COUNT:
			if (cli_parse_count("min-count", optarg, 0, UINT64_MAX, &c.min_count))
				return 2;
			c.min_count_given = true;
			break;
		case OPT_MAX_SIZE:
			if (cli_parse_count("max-size", optarg, 0, UINT32_MAX - 1, &c.max_size))
				return 2;
			break;
		case OPT_SPLIT:
			if (cli_parse_split(optarg, &c.tok.split))
				return 2;
			break;
		case 'd':
			if (cli_parse_count("dim", optarg, 1, 100000, &u))
				return 2;
			c.o.dim = (size_t)u;
			c.dim_given = true;
			break;
		case 'm':
			if (cli_parse_choice("model", optarg, model_names, &pick))
				return 2;
			c.o.model = pick == 2 ? EMB_TRAIN_CBOW : EMB_TRAIN_SG;
			c.glove = pick == 3;
			break;
		case OPT_X_MAX:
			if (cli_parse_real("x-max", optarg, 0, 1e30, CLI_REAL_ABOVE_MIN, &c.g.o.x_max))
				return 2;
			c.glove_given = true;
			break;
		case OPT_GLOVE_ALPHA:
			if (cli_parse_real("glove-alpha", optarg, 0, 10, 0, &c.g.o.power))
				return 2;
			c.glove_given = true;
			break;
		case OPT_SYMMETRIC:
			if (cli_parse_uint("symmetric", optarg, 0, 1, &pu))
				return 2;
			c.g.o.symmetric = pu == 1;
			c.glove_given = true;
			break;
		case OPT_MEMORY:
			if (cli_glove_parse_memory(optarg, &c.g.o.memory))
				return 2;
			c.glove_given = true;
			break;
		case OPT_GLOVE_OUTPUT:
			if (cli_parse_choice("glove-output", optarg, glove_outputs, &c.g.out))
				return 2;
			c.glove_given = true;
			break;
		case OPT_COOC_OUT: c.g.cooc_out = optarg; c.glove_given = true; break;
		case OPT_COOC: c.g.cooc_in = optarg; c.glove_given = true; break;
		case 'n':
			if (cli_parse_uint("negative", optarg, 0, 64, &c.o.negative))
				return 2;
			break;
		case 'w':
			if (cli_parse_uint("window", optarg, 1, 64, &c.o.window))
				return 2;
			c.window_given = true;
			break;
		case 'e':
			if (cli_parse_uint("epochs", optarg, 1, 100000, &c.o.epochs))
				return 2;
			c.epochs_given = true;
			break;
		case 'j':
			if (cli_parse_uint("threads", optarg, 1, 1024, &c.o.threads))
				return 2;
			break;
		case OPT_BATCH:
			c.o.batch = BATCH_DEFAULT;
			if (optarg && cli_parse_uint("batch", optarg, 0, 16, &c.o.batch))
				return 2;
			break;
		case OPT_SEED:
			if (cli_parse_count("seed", optarg, 0, UINT64_MAX, &c.o.seed))
				return 2;
			break;
		case OPT_NS_EXP:
			if (cli_parse_real("ns-exponent", optarg, 0, 10, 0, &c.o.ns_exponent))
				return 2;
			break;
		case OPT_SAMPLE:
			if (cli_parse_real("sample", optarg, 0, HUGE_VAL, 0, &c.o.sample))
				return 2;
			break;
		case 'a':
			if (cli_parse_real("alpha", optarg, 0, EMB_TRAIN_MAX_ALPHA, CLI_REAL_ABOVE_MIN,
					   &c.o.alpha))
				return 2;
			c.alpha_given = true;
			break;
		case OPT_MIN_ALPHA:
			if (cli_parse_real("min-alpha", optarg, 0, EMB_TRAIN_MAX_ALPHA, 0, &c.o.min_alpha))
				return 2;
			break;
		case OPT_CHECKPOINT_EVERY:
			if (cli_parse_real("checkpoint-every", optarg, 0, HUGE_VAL, CLI_REAL_ABOVE_MIN,
					   &every))
				return 2;
			break;
		case OPT_INIT:
			if (cli_parse_choice("init", optarg, init_names, &pick))
				return 2;
			c.o.init = pick == 0 ? EMB_TRAIN_INIT_UNIFORM : EMB_TRAIN_INIT_NORMAL;
			break;
		case OPT_PADDING:
			if (cli_parse_range("padding-idx", optarg, 0, LONG_MAX, &c.padding))
				return 2;
			break;
		case 't':
			if (!(c.fmt = emb_format_by_name(optarg)))
				return cli_usage_error("unknown format '%s'", optarg);
			break;
		default:
			cli_common_option(ch, usage_text, longopts, &c.common);
		}
	}
	if (c.glove_given && !c.glove)
		return cli_usage_error("--x-max, --glove-alpha, --symmetric, --memory, --glove-output, "
				       "--cooc and --cooc-out need --model glove");
#ifdef EMB_MPI
	/* GloVe's counts and AdaGrad state are not merged between processes */
	if (c.glove)
		return cli_usage_error("--model glove does not work with embtrain-mpi yet (use embtrain)");
#endif
	if (c.glove)
		return glove_main(&c, argc, argv, argc0, argv0);
	if (optind >= argc)
		return cli_usage_error("no corpus given");
	for (int i = optind; i < argc && c.size > 1; i++)
		if (strcmp(argv[i], "-") == 0)
			return cli_usage_error("standard input cannot be split between %u processes",
					       c.size);
	if (!c.output)
		return cli_usage_error("no output given (-o VECTORS)");
	if (c.o.negative == 0 && !c.o.hs)
		return cli_usage_error("--negative 0 needs --hs");
	if (c.freeze && !c.init_from)
		return cli_usage_error("--freeze-existing needs --init-from");
	if (c.o.batch && (c.o.model != EMB_TRAIN_SG || c.o.hs || c.o.negative == 0))
		return cli_usage_error("--batch is for skip-gram with negative sampling only");
	if (c.ngram_given && !c.o.subwords)
		return cli_usage_error("--minn, --maxn and --bucket need --subwords");
	if (c.o.subwords && c.o.minn > c.o.maxn)
		return cli_usage_error("--minn %u is above --maxn %u", c.o.minn, c.o.maxn);
#ifdef EMB_MPI
	/* the merges cover the word rows only: each process's n-gram rows would drift apart */
	if (c.o.subwords)
		return cli_usage_error("--subwords does not work with embtrain-mpi yet (use embtrain)");
#endif
	if (c.o.subwords && (c.o.batch || c.o.checkpoint || c.resume))
		return cli_usage_error("--subwords does not work with %s yet",
				       c.o.batch ? "--batch" : c.resume ? "--resume" : "--checkpoint");
	if (unknown_extension(&c))
		return 2;
	if (cli_refuse_terminal(&c.common, c.output, !emb_format_for_output(c.output, c.fmt)->text) ||
	    (c.context &&
	     cli_refuse_terminal(&c.common, c.context, !emb_format_for_output(c.context, c.fmt)->text)))
		return 2;
	if (c.vocab && !c.min_count_given)
		c.min_count = 1; /* a given vocabulary was pruned by tokvocab: keep its rows */
	c.corpus = argv + optind;
	c.ncorpus = (size_t)(argc - optind);
	c.o.checkpoint_every = c.o.checkpoint ? every * 60 : 0;
#ifdef EMB_MPI
	c.ckpt = c.o.checkpoint; /* the job checkpoints at averaging rounds, not the trainer */
	c.ckpt_every = every * 60;
	c.o.checkpoint = NULL;
	c.o.checkpoint_every = 0;
#endif
	c.o.progress = on_progress;
	c.o.progress_ctx = &c;
	c.o.stop = &cli_interrupted;
	record_options(c.options, sizeof c.options, argc0, argv0);
	if (c.init_from && !c.dim_given && !c.resume && init_from_dim(&c, &err) < 0)
		return cli_report(&err);
#ifdef EMB_MPI
	mpi_ready(&c);
	if ((rc = train(&c, &err)) < 0)
		return mpi_fail(&c, rc, &err);
#else
	if ((rc = train(&c, &err)) < 0)
		return cli_report(&err);
#endif
	return cli_close_stdout();
}
