/*
 * embtrain-mpi's own steps (cmd/embtrain.c with -DEMB_MPI calls them): every process of the job
 * passes each step with its result, shares out the corpus, agrees on one vocabulary, starts
 * from rank 0's matrices and merges the models at common marks of progress
 * (lib/train/emb_train_mpi.h).  See embtrain-mpi(1).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emb_rng.h"
#include "emb_train_part.h"
#include "embtrain.h"

/* embtrain-mpi's defaults; why these, see embtrain-mpi(1) and bench/results/mpi.md */
#define SYNC_WORDS 100000 /* per thread of a process */
#define SLICE_BYTES ((uint64_t)64 << 10) /* least bytes of a corpus slice (emb_train_part.h) */
#define SYNC_ROWS 4096
#define FULL_SYNC 4

/*
 * Every process passes here with its result of a step; if any failed, all leave together:
 * the first failing one reports, the others end quietly with its status.  Failures that do
 * not pass here (inside a collective, during training) end the whole job (see mpi_fail).
 */
int mpi_agree(struct train_cmd *c, int rc, struct emb_err *err)
{
	bool mine, broken;

	rc = emb_train_mpi_agree(rc, err, &mine, &broken);
	c->agreed = rc < 0 && !broken;
	c->silent = rc < 0 && !mine;
	return rc;
}

int mpi_scan(struct train_cmd *c, struct emb_train_corpus **corpus, struct emb_vocab **vocab,
	     struct emb_err *err)
{
	struct emb_train_piece *pc;
	size_t n;
	int rc;

	if ((rc = emb_train_part_plan(&pc, &n, c->corpus, c->ncorpus, c->rank, c->size, SLICE_BYTES,
				       err)) < 0)
		return rc;
	rc = emb_train_corpus_scan_pieces(corpus, vocab, pc, n, &c->tok, err);
	free(pc);
	return rc;
}

/*
 * The vocabulary counted by every process: counts summed into rank 0 (in corpus order, so
 * ties break as in one process), pruned there as embtrain prunes, sent to all; each process
 * renumbers its id cache into it.
 */
int mpi_count_vocab(struct train_cmd *c, struct emb_train_corpus *corpus,
		    struct emb_vocab **vocab, struct emb_err *err)
{
	struct emb_vocab *agreed = NULL;
	int rc;

	if ((rc = emb_train_mpi_vocab_merge(*vocab, err)) < 0)
		return rc;
	rc = c->rank ? 0 : emb_train_vocab_prune(vocab, corpus, c->min_count, c->max_size, false,
						 true, err);
	if ((rc = mpi_agree(c, rc, err)) < 0 ||
	    (rc = emb_train_mpi_vocab_bcast(c->rank ? &agreed : vocab, err)) < 0)
		return rc;
	if (c->rank == 0) /* rank 0's cache was renumbered by the prune */
		return mpi_agree(c, 0, err);
	rc = mpi_agree(c, emb_train_corpus_renumber(corpus, *vocab, agreed, err), err);
	emb_vocab_free(*vocab);
	*vocab = agreed;
	return rc;
}

int mpi_sum_stats(struct train_cmd *c, struct emb_err *err)
{
	uint64_t v[3] = { c->st.tokens, c->st.kept, c->st.lines };
	int rc = emb_train_mpi_sum(v, 3, err); /* one collective for the three */

	if (rc == 0) {
		c->st.tokens = v[0];
		c->st.kept = v[1];
		c->st.lines = v[2];
	}
	return rc;
}

/*
 * Checkpoints of the job: at a full averaging round (the matrices are the same everywhere),
 * the first after --checkpoint-every, rank 0 writes its checkpoint plus every process's
 * positions: [u64 processes][u64 rounds made][u64 bytes each][u64 --sync-words, --sync-rows,
 * --full-sync, --average][positions of rank 0, 1, ...].  A resumed run keeps the checkpoint's
 * schedule.
 */
#define EXT_HEAD 7
static bool want_checkpoint(void *ctx)
{
	struct train_cmd *c = ctx;

	return c->ckpt && cli_now() - c->last_ckpt >= c->ckpt_every;
}

static int checkpoint(void *ctx, struct emb_err *err)
{
	struct train_cmd *c = ctx;
	size_t n = emb_trainer_pos_size(c->tr), head = EXT_HEAD * sizeof(uint64_t);
	uint64_t *ext = calloc(1, head + n * c->size);
	int rc;

	if (!ext)
		return emb_err_nomem(err, "taking a checkpoint");
	ext[0] = c->size;
	ext[1] = c->sched.done + 1; /* called from inside that round */
	ext[2] = n;
	ext[3] = c->sync_words;
	ext[4] = c->sync_rows;
	ext[5] = c->full_sync;
	ext[6] = c->average;
	emb_trainer_pos_get(c->tr, (char *)ext + head + n * c->rank);
	if ((rc = emb_train_mpi_gather((char *)ext + head + n * c->rank, n, (char *)ext + head,
				       err)) == 0 && c->rank == 0)
		rc = emb_trainer_save_state_ext(c->tr, c->ckpt, ext, head + n * c->size, err);
	free(ext);
	c->last_ckpt = cli_now();
	return rc;
}

int mpi_resume_positions(struct train_cmd *c, struct emb_trainer *tr, struct emb_err *err)
{
	uint64_t *ext = NULL;
	size_t n, head = EXT_HEAD * sizeof(uint64_t);
	int rc = 0;

	if ((rc = emb_trainer_state_ext(c->resume, (void **)&ext, &n, err)) < 0)
		return rc;
	if (!ext) {
		if (c->size > 1)
			rc = emb_err_set(err, EMB_EFORMAT, "%s: a checkpoint of one process, not of %u",
					 c->resume, c->size);
	} else if (n < head || ext[0] != c->size || ext[2] > (n - head) / c->size) {
		rc = emb_err_set(err, EMB_EFORMAT, "%s: a checkpoint of %llu processes, not of %u",
				 c->resume, n < head ? 0ULL : (unsigned long long)ext[0], c->size);
	} else {
		uint64_t global = 0;
		for (unsigned r = 0; r < c->size; r++)
			global += emb_trainer_pos_words((char *)ext + head + ext[2] * r);
		c->resumed_rounds = ext[1];
		c->sync_words = ext[3] ? ext[3] : 1;
		c->sync_rows = ext[4];
		c->full_sync = ext[5] ? ext[5] : 1;
		c->average = ext[6] != 0;
		c->resumed_offset = global - emb_trainer_pos_words((char *)ext + head + ext[2] * c->rank);
		rc = emb_trainer_pos_set(tr, (char *)ext + head + ext[2] * c->rank, (size_t)ext[2],
					 global, err);
	}
	free(ext);
	return rc;
}

/*
 * Every process made the same matrices (one vocabulary, and one seed, --init-from file or
 * checkpoint), which saves sending rank 0's; from here each draws its own random numbers
 * (rank 0 keeps the seed, so -np 1 is embtrain) and the rounds merge what they learn.
 */
int mpi_start_together(struct train_cmd *c, struct emb_trainer *tr, uint64_t kept,
		       struct emb_err *err)
{
	const struct emb_train_opts *o = emb_trainer_opts(tr);
	uint64_t seed = o->seed ^ ((uint64_t)c->rank << 32);
	int rc;

	if (!c->sync_words) /* a round every ~0.1-0.2 s of the process's work, whatever its threads */
		c->sync_words = SYNC_WORDS * o->threads;
	emb_train_mpi_sched_init(&c->sched, kept, c->st.kept, o->epochs, c->sync_words,
				 (size_t)c->sync_rows, c->full_sync);
	if (o->hs)
		c->sched.hs_matrix = o->negative ? 2 : 1; /* after the input and syn1neg */
	c->sched.done = c->resumed_rounds;
	c->sched.offset = c->resumed_offset; /* the other processes' words at the checkpoint */
	c->sched.want_checkpoint = want_checkpoint;
	c->sched.checkpoint = checkpoint;
	c->sched.ckpt_ctx = c;
	c->tr = tr;
	c->last_ckpt = cli_now();
	c->sched.sum_deltas = !c->average;
	if ((rc = emb_train_mpi_sched_start(&c->sched, tr, err)) < 0)
		return rc;
	c->o.sync = emb_train_mpi_sync;
	c->o.sync_ctx = &c->sched;
	/* the trainer offers a round 4 times per interval: rounds come at most 1/4 late */
	c->o.sync_words = c->sync_words / 4 ? c->sync_words / 4 : 1;
	c->o.corpus_words = c->st.kept;
	c->o.seed = c->rank ? emb_rng_splitmix64(&seed) : o->seed;
	emb_trainer_set_sync(tr, &c->o);
	return 0;
}

/* The vocabulary the processes agreed on, as tokvocab writes one. */
int mpi_save_vocab(const struct train_cmd *c, const struct emb_vocab *vocab, struct emb_err *err)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_out *out;
	int rc;

	cli_out_opts(&c->common, &oo, 0);
	if ((rc = emb_out_open(&out, c->vocab_out, &oo, err)) < 0)
		return rc;
	if ((rc = emb_vocab_save(vocab, out, 0, err)) < 0) {
		emb_out_abort(out);
		return rc;
	}
	return emb_out_commit(out, err);
}

static int saved_fd[2] = { -1, -1 };

/*
 * Join the job.  Every process parses the same command line; only rank 0 speaks while it does
 * (help, version, usage errors), the others' stdout and stderr go to /dev/null until
 * mpi_ready.  Threads default to the CPUs divided among this machine's processes.
 */
int mpi_start(struct train_cmd *c, int *argc, char ***argv, struct emb_err *err)
{
	static char name[64];
	const char *r = getenv("OMPI_COMM_WORLD_RANK");
	unsigned local;
	int null;

	/* --help, --version and --list-options (completions) need no job: answer at once */
	for (int i = 1; i < *argc; i++)
		if (strcmp((*argv)[i], "--help") == 0 || strcmp((*argv)[i], "--version") == 0 ||
		    strcmp((*argv)[i], "--list-options") == 0) {
			c->rank = r && strcmp(r, "0") != 0;
			goto mute;
		}
	c->sync_rows = SYNC_ROWS;
	c->full_sync = FULL_SYNC;
	if (emb_train_mpi_init(argc, argv, &c->rank, &c->size, &local, err) < 0)
		return -1;
	c->o.threads = c->o.threads / local ? c->o.threads / local : 1;
mute:
	if (c->rank == 0)
		return 0;
	snprintf(name, sizeof name, "%s[%u]", cli_progname, c->rank);
	cli_progname = name;
	fflush(stdout);
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		return 0;
	saved_fd[0] = dup(1);
	saved_fd[1] = dup(2);
	dup2(null, 1);
	dup2(null, 2);
	close(null);
	return 0;
}

void mpi_ready(struct train_cmd *c)
{
	for (int i = 0; i < 2; i++)
		if (saved_fd[i] >= 0) {
			dup2(saved_fd[i], i + 1);
			close(saved_fd[i]);
			saved_fd[i] = -1;
		}
	if (c->rank != 0) { /* one progress line and one summary: rank 0's */
		c->common.quiet = 1;
		c->common.progress = 0;
	}
}

void mpi_summary(const struct train_cmd *c)
{
	const struct emb_train_mpi_sched *sc = &c->sched;

	if (c->size < 2)
		return;
	cli_summary(&c->common, "%u processes merged %" PRIu64 " times: %" PRIu64
		    " whole tables (%.1f ms each), %" PRIu64 " x %" PRIu64 " rows (%.2f ms each); "
		    "%.2f s waiting for each other",
		    c->size, sc->full + sc->partial, sc->full,
		    sc->full ? sc->full_seconds * 1000 / (double)sc->full : 0, sc->partial,
		    c->sync_rows, sc->partial ? sc->partial_seconds * 1000 / (double)sc->partial : 0,
		    sc->wait_seconds);
}

int mpi_fail(struct train_cmd *c, int rc, struct emb_err *err)
{
	if (c->silent) /* another process reported it; all end with its status */
		return cli_status(rc);
	if (!c->agreed) { /* the others may be waiting for this one: end them all */
		int st = cli_report(err);
		fflush(stderr);
		emb_train_mpi_abort(st);
	}
	return cli_report(err);
}
