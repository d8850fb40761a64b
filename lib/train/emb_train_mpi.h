/*
 * emb_train_mpi: the Open MPI side of embtrain-mpi (data-parallel word2vec).  Compiled by
 * mpicc into embtrain-mpi only; libembkit.a and the other tools never see MPI.  This header
 * does not include mpi.h.
 *
 * Every process (rank) trains the same model on its own part of the corpus
 * (emb_train_part.h); the ranks agree on one vocabulary (counts summed over the parts, then
 * pruned by rank 0), start from the same matrices (made alike from one seed or file) and merge
 * them periodically (emb_train_mpi_sync: the changes summed, or the models averaged).  All
 * functions here are collective: every rank calls them in the same order, or the job waits.  A failure inside a collective that other ranks cannot see
 * returns an error to the caller, which must then end the whole job (emb_train_mpi_abort).
 */
#ifndef EMB_TRAIN_MPI_H
#define EMB_TRAIN_MPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_train.h"
#include "emb_vocab.h"

/* Start MPI (threads may call it one at a time); *rank and *size of the job, *local the
 * processes on this machine.  Also registers finalisation at exit, so exit() anywhere ends the
 * job cleanly.  0 or EMB_EIO. */
int emb_train_mpi_init(int *argc, char ***argv, unsigned *rank, unsigned *size, unsigned *local,
		       struct emb_err *err);

/* End the whole job now with CODE (every rank is killed); does not return. */
void emb_train_mpi_abort(int code) __attribute__((noreturn));

/*
 * Agree on the outcome of a step every rank took: returns the RC of the lowest rank whose RC
 * was negative (0 if none), with its message in *err on that rank only; *mine tells whether
 * this rank is that one (it prints; the others exit quietly with the same status).  If the
 * agreement itself fails, returns EMB_EIO with *mine and *broken set: end the job.
 */
int emb_train_mpi_agree(int rc, struct emb_err *err, bool *mine, bool *broken);

/* V[0..n) (n small) replaced on every rank by its sum over the ranks.  0 or EMB_EIO. */
int emb_train_mpi_sum(uint64_t *v, size_t n, struct emb_err *err);

/*
 * Sum the counts of every rank's *V (as built by the scan: tokens in order of first
 * appearance) into rank 0's *V, tokens in order of first appearance in the parts taken in rank
 * order (= in the corpus, for plain files).  Pairwise in log2(size) rounds, so no rank holds
 * more than the merged vocabulary.  On the other ranks *V ends as a partial merge: use rank 0's
 * (emb_train_mpi_vocab_bcast).
 */
int emb_train_mpi_vocab_merge(struct emb_vocab *v, struct emb_err *err);

/* Rank 0's vocabulary to every rank: *V on the others is replaced (they pass NULL or old). */
int emb_train_mpi_vocab_bcast(struct emb_vocab **v, struct emb_err *err);

/* Replace M[0..n) on every rank by its mean over the ranks (allreduce sum / size). */
int emb_train_mpi_average(float *m, size_t n, struct emb_err *err);

/* Gather N bytes from every rank into ALL (size * n bytes) on rank 0. */
int emb_train_mpi_gather(const void *mine, size_t n, void *all, struct emb_err *err);

/*
 * The averaging schedule, the trainer's sync callback (emb_train_opts.sync with this as
 * sync_ctx).  Every rank makes exactly SYNCS averaging rounds, round k when its own progress
 * (words / local_total) reaches k / syncs, so the ranks meet whatever their parts' sizes and
 * however often the trainer calls; a call past several marks makes several rounds.  Round k
 * averages the HOT_ROWS most frequent rows of every matrix, or the whole table when k ends an
 * epoch, is a multiple of FULL_EVERY, or is the last.  Each round also sums the ranks' words,
 * which the learning rate follows.
 */
struct emb_train_mpi_sched {
	uint64_t local_total;  /* this rank's words over all epochs */
	uint64_t syncs;        /* rounds in the run: epochs * per_epoch */
	uint64_t per_epoch;    /* rounds per epoch (the last of an epoch is full) */
	size_t hot_rows;       /* rows averaged in a partial round (0 or >= rows: all) */
	uint64_t full_every;   /* every this many rounds a full one (0: epoch ends only) */
	int hs_matrix;         /* index of the hierarchical-softmax matrix in emb_train_sync's
				* list, or -1: its hot rows are the last ones (the inner nodes
				* near the root, on every frequent word's path) */
	bool sum_deltas;       /* add up the processes' changes since the last round instead of
				* averaging the models (see emb_train_mpi_sched_start) */
	/* run state */
	float *base[4];        /* with sum_deltas: the matrices as of their last round */
	uint64_t done;         /* rounds made */
	uint64_t offset;       /* the other ranks' words at the last round */
	uint64_t full, partial;
	double full_seconds, partial_seconds; /* time merging the rows, once all ranks are there */
	double wait_seconds;   /* time waiting at the rounds for the slowest rank */
	/* rank 0 asks for a checkpoint (a flag); called on every rank after a full round */
	bool (*want_checkpoint)(void *ctx);
	int (*checkpoint)(void *ctx, struct emb_err *err);
	void *ckpt_ctx;
};

/* Fill SCHED for WORDS_PER_EPOCH (this rank's) and GLOBAL_PER_EPOCH (all ranks'), EPOCHS,
 * averaging about every SYNC_WORDS words per rank. */
void emb_train_mpi_sched_init(struct emb_train_mpi_sched *sched, uint64_t words_per_epoch,
			      uint64_t global_per_epoch, unsigned epochs, uint64_t sync_words,
			      size_t hot_rows, uint64_t full_every);

/* With sched->sum_deltas: keep a copy of T's matrices as they are now, the point every
 * process starts from (0 or EMB_ENOMEM); _sched_release frees it. */
int emb_train_mpi_sched_start(struct emb_train_mpi_sched *sched, const struct emb_trainer *t,
			      struct emb_err *err);
void emb_train_mpi_sched_release(struct emb_train_mpi_sched *sched);

/* The trainer's sync callback (CTX: a struct emb_train_mpi_sched). */
int emb_train_mpi_sync(void *ctx, struct emb_train_sync *s, struct emb_err *err);

#endif
