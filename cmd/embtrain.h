/*
 * embtrain's command (private to cmd/embtrain.c and, in embtrain-mpi, cmd/embtrain_mpi.c).
 *
 * embtrain.c is built twice: as embtrain, and with -DEMB_MPI by mpicc as embtrain-mpi, the same
 * trainer run by every process of an MPI job on its own part of the corpus (embtrain-mpi(1),
 * lib/train/emb_train_mpi.h).  What only embtrain-mpi does is in embtrain_mpi.c.
 */
#ifndef EMBTRAIN_H
#define EMBTRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "cli_glove.h"
#include "emb_train.h"
#ifdef EMB_MPI
#include "emb_train_mpi.h"
#endif

struct train_cmd {
	struct emb_train_opts o;
	struct emb_tok_opts tok;
	struct cli_common common;
	const char *vocab, *output, *context, *init_from, *resume;
	const char *save_vocab;  /* word2vec.c's -save-vocab */
	const char *also_vec;    /* fastText's PREFIX.vec beside PREFIX.bin */
	const struct emb_format *fmt;
	uint64_t min_count, max_size;
	long padding;
	bool dim_given, freeze, min_count_given, ngram_given;
	bool glove, window_given, alpha_given, epochs_given, glove_given;
	struct cli_glove g;      /* --model glove's own options */
	int utf8;                /* reading --init-from (enum emb_utf8_mode) */
	char **corpus;
	size_t ncorpus;
	char options[1024];      /* the command line, for the metadata */
	struct emb_train_stats st; /* of the whole corpus (all processes) */
	uint64_t words;          /* trained by all processes */
	unsigned rank, size;     /* this process of how many (1 without MPI) */
#ifdef EMB_MPI
	uint64_t sync_words, sync_rows, full_sync;
	bool average;            /* --average: mean of the models, not the sum of the changes */
	const char *vocab_out;   /* --save-vocab: the agreed vocabulary (TSV) */
	bool agreed, silent;     /* a failure all ranks agreed on; another rank reports it */
	struct emb_train_mpi_sched sched;
	struct emb_trainer *tr;
	const char *ckpt;        /* --checkpoint: taken at full averaging rounds, not by the trainer */
	double ckpt_every, last_ckpt;
	uint64_t resumed_rounds, resumed_offset;
#endif
};

#ifdef EMB_MPI
/* Join the job before the options are read (rank, size, threads; ranks > 0 muted). */
int mpi_start(struct train_cmd *c, int *argc, char ***argv, struct emb_err *err);
/* After the options: every rank's own output back (rank 0 alone reports from here). */
void mpi_ready(struct train_cmd *c);
/* A step's result RC, agreed by every process: the first failure of any, for all. */
int mpi_agree(struct train_cmd *c, int rc, struct emb_err *err);
/* This process's part of the corpus into a new id cache. */
int mpi_scan(struct train_cmd *c, struct emb_train_corpus **corpus, struct emb_vocab **vocab,
	     struct emb_err *err);
/* The vocabulary counted by all processes, pruned as embtrain prunes (see embtrain_mpi.c). */
int mpi_count_vocab(struct train_cmd *c, struct emb_train_corpus *corpus,
		    struct emb_vocab **vocab, struct emb_err *err);
/* c->st summed over the processes. */
int mpi_sum_stats(struct train_cmd *c, struct emb_err *err);
/* After --resume loaded the trainer: this process's positions and the job's schedule. */
int mpi_resume_positions(struct train_cmd *c, struct emb_trainer *tr, struct emb_err *err);
/* The merging rounds hooked into the trainer (every process made the same matrices). */
int mpi_start_together(struct train_cmd *c, struct emb_trainer *tr, uint64_t kept,
		       struct emb_err *err);
/* --save-vocab: the agreed vocabulary (rank 0). */
int mpi_save_vocab(const struct train_cmd *c, const struct emb_vocab *vocab, struct emb_err *err);
/* The merging rounds' line of the summary. */
void mpi_summary(const struct train_cmd *c);
/* The exit status after train() failed with RC, ending the whole job if the others wait. */
int mpi_fail(struct train_cmd *c, int rc, struct emb_err *err);
#endif

#endif
