/*
 * emb_train_mpi: the Open MPI side of embtrain-mpi (data-parallel word2vec).  Compiled by
 * mpicc into embtrain-mpi only; libembkit.a and the other tools never see MPI.  This header
 * does not include mpi.h.
 *
 * Every process (rank) trains the same model on its own part of the corpus
 * (emb_train_part.h); the ranks agree on one vocabulary (counts summed over the parts, then
 * pruned by rank 0), start from rank 0's matrices and average their matrices periodically
 * (emb_train_mpi_average).  All functions here are collective: every rank calls them in the
 * same order, or the job waits.  A failure inside a collective that other ranks cannot see
 * returns an error to the caller, which must then end the whole job (emb_train_mpi_abort).
 */
#ifndef EMB_TRAIN_MPI_H
#define EMB_TRAIN_MPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_vocab.h"

/* Start MPI (threads may call it one at a time); *rank and *size of the job.  Also registers
 * finalisation at exit, so exit() anywhere ends the job cleanly.  0 or EMB_EIO. */
int emb_train_mpi_init(int *argc, char ***argv, unsigned *rank, unsigned *size,
		       struct emb_err *err);

/* End the whole job now with CODE (every rank is killed); does not return. */
void emb_train_mpi_abort(int code) __attribute__((noreturn));

/*
 * Agree on the outcome of a step every rank took: returns the RC of the lowest rank whose RC
 * was negative (0 if none), with its message in *err on that rank only; *mine tells whether
 * this rank is that one (it prints; the others exit quietly with the same status).
 */
int emb_train_mpi_agree(int rc, struct emb_err *err, bool *mine);

/* The sum of V over the ranks, into *sum on every rank.  0 or EMB_EIO. */
int emb_train_mpi_sum(uint64_t v, uint64_t *sum, struct emb_err *err);

/*
 * Sum the counts of every rank's *V (as built by the scan: tokens in order of first
 * appearance) into rank 0's *V, tokens in order of first appearance in the parts taken in rank
 * order (= in the corpus, for plain files).  Pairwise in log2(size) rounds, so no rank holds
 * more than the merged vocabulary.  *V is unchanged on the other ranks.
 */
int emb_train_mpi_vocab_merge(struct emb_vocab *v, struct emb_err *err);

/* Rank 0's vocabulary to every rank: *V on the others is replaced (they pass NULL or old). */
int emb_train_mpi_vocab_bcast(struct emb_vocab **v, struct emb_err *err);

/* Rank 0's N floats to every rank (the starting matrices). */
int emb_train_mpi_bcast_floats(float *m, size_t n, struct emb_err *err);

/* Replace M[0..n) on every rank by its mean over the ranks (allreduce sum / size). */
int emb_train_mpi_average(float *m, size_t n, struct emb_err *err);

/* Gather N bytes from every rank into ALL (size * n bytes) on rank 0. */
int emb_train_mpi_gather(const void *mine, size_t n, void *all, struct emb_err *err);

/* Rank 0's N bytes to every rank. */
int emb_train_mpi_bcast(void *p, size_t n, struct emb_err *err);

#endif
