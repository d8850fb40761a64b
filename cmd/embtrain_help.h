/*
 * embtrain's --help text, and embtrain-mpi's additions to it (private to cmd/embtrain.c; kept
 * apart so the command reads in one sitting).  The man pages and --list-options must agree with
 * it (tests/cli/shortopts.bats, check_help in the bats suites).
 */
#ifndef EMBTRAIN_HELP_H
#define EMBTRAIN_HELP_H

#include "cli.h"

/* Built twice: as embtrain, and with -DEMB_MPI by mpicc as embtrain-mpi (see embtrain.h). */
#ifdef EMB_MPI
#define PROG "embtrain-mpi"
#define MPI_HELP \
"Parallel training (run by mpirun or srun; one process per part of the corpus):\n" \
"      --sync-words=N     merge the processes' models about every N words each\n" \
"                         (default 100000 per thread): every process gets the sum\n" \
"                         of all processes' changes since the last merge\n" \
"      --sync-rows=N      rows merged at most syncs: the N most frequent\n" \
"                         (default 4096; 0 = always the whole table)\n" \
"      --full-sync=K      the whole table every K syncs (default 4), and at\n" \
"                         every epoch end\n" \
"      --average          merge by averaging the models instead (learns about N\n" \
"                         times slower per word with N processes)\n" \
"      --save-vocab=FILE  also write the vocabulary the processes agreed on\n"
#else
#define PROG "embtrain"
#define MPI_HELP ""
#endif

static const char usage_text[] =
"Usage: " PROG " [OPTION]... CORPUS... -o VECTORS\n"
"Learn word vectors from text (plain or gzip; '-' is standard input) as word2vec does.\n"
"\n"
"Vocabulary and tokens:\n"
"  -v, --vocab=FILE       a tokvocab vocabulary (default: count the corpus first)\n"
"      --min-count=N      drop words seen fewer than N times (default 5)\n"
"      --max-size=N       keep the N most frequent words (default: all)\n"
"      --split=MODE       ws (default) or words, as tokvocab\n"
"      --lower            fold case, as tokvocab\n"
"Model:\n"
"  -d, --dim=D            embedding_dim (default 100)\n"
"  -m, --model=MODEL      sg (skip-gram, default), cbow (mean of the context) or\n"
"                         glove (log co-occurrence counts, see GloVe below)\n"
"  -n, --negative=N       negative samples (default 5; 0 needs --hs)\n"
"      --ns-exponent=X    noise distribution count^X (default 0.75)\n"
"      --hs               hierarchical softmax (Huffman tree of the counts)\n"
"  -w, --window=N         maximal context window, shrunk at random (default 5)\n"
"      --sample=T         sub-sampling threshold of frequent words (default 1e-3; 0 = off)\n"
"  -a, --alpha=A          start learning rate (default 0.025 sg, 0.05 cbow)\n"
"      --min-alpha=A      end learning rate, linear decay (default alpha * 1e-4)\n"
"  -e, --epochs=N         passes over the corpus (default 5)\n"
"  -j, --threads=N        training threads, lock-free as word2vec (default: CPUs);\n"
"                         they also format text output\n"
"      --batch[=B]        share negatives across the windows of B words (default 1):\n"
"                         faster, mini-batched updates (skip-gram, negative sampling)\n"
"      --seed=S           random seed (default 1); with --threads 1 the output is\n"
"                         bit-identical for the same seed\n"
"Subwords (fastText):\n"
"      --subwords         a word's input is the mean of its row and its character\n"
"                         n-gram rows, so unseen words get vectors too (written to\n"
"                         EMB and fasttext output)\n"
"      --minn=N           shortest n-gram, in characters (default 3)\n"
"      --maxn=N           longest n-gram (default 6)\n"
"      --bucket=N         n-gram rows, shared by hashing (default 2000000)\n"
"GloVe (--model glove; also -d -w -a -e -j --seed, defaults 100 10 0.05 25):\n"
"      --x-max=X          counts above X weigh 1 (default 100)\n"
"      --glove-alpha=P    weighting exponent, (count/x-max)^P (default 0.75)\n"
"      --symmetric=0|1    context on both sides (1, default) or left only (0)\n"
"      --memory=SIZE      memory for counting, e.g. 512M or 4G (default: a quarter of\n"
"                         RAM); beyond it sorted runs spill to $TMPDIR\n"
"      --glove-output=KIND  word, sum (word + context, default) or both (side by side)\n"
"      --cooc-out=FILE    also keep the co-occurrence data (formats/COOC.md)\n"
"      --cooc=FILE        train from such a file instead of a corpus\n"
"Table:\n"
"      --init=KIND        uniform (word2vec's +-0.5/dim, default) or normal (N(0,1))\n"
"      --init-from=FILE   start from these vectors (rows matched by token)\n"
"      --freeze-existing  with --init-from: train only the new rows\n"
"      --unicode-errors=HOW  --init-from tokens that are not UTF-8: keep (default, with a\n"
"                         warning), strict (error), replace (U+FFFD) or ignore (drop)\n"
"      --padding-idx=I    row I stays zero and is never trained (default: '<pad>')\n"
"Output:\n"
"  -o, --output=FILE      the vectors ('-' = standard output)\n"
"  -t, --to=FORMAT        emb (default), word2vec, word2vec-bin, glove or fasttext\n"
"                         (a .bin model the fasttext tool and gensim read)\n"
"      --save-context=FILE  also write the output (context) vectors\n"
"      --checkpoint=FILE  save a resumable state there on interrupt (and every\n"
"                         --checkpoint-every minutes)\n"
"      --checkpoint-every=MIN  minutes between checkpoints (default 10)\n"
"      --resume=FILE      continue from a checkpoint (same CORPUS...)\n"
MPI_HELP
CLI_OUTPUT_HELP
CLI_COMMON_HELP;

#endif
