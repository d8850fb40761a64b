/*
 * emb_train_part: a corpus cut into parts, one per worker process (embtrain-mpi's ranks).
 *
 * A part is a list of pieces, each a byte range of one file.  A line belongs to the piece in
 * which its first byte lies, so the pieces of all parts together hold every line of the corpus
 * exactly once: a part's whole inputs first, then its slices of the plain files in corpus order.  Plain regular files are cut anywhere (the
 * reader finds the next line start); gzip files, pipes and standard input cannot be cut and are
 * dealt out whole.
 *
 * Ownership: emb_train_part_plan() hands an array to *out; free() it.  The paths in it are the
 * caller's and must outlive it.
 */
#ifndef EMB_TRAIN_PART_H
#define EMB_TRAIN_PART_H

#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_train.h"

#define EMB_TRAIN_PART_END UINT64_MAX /* a piece that runs to the end of its input */

struct emb_train_piece {
	const char *path;
	uint64_t begin, end; /* [begin, end) in file bytes; whole input: 0, EMB_TRAIN_PART_END */
};

/*
 * The pieces of part RANK of NPARTS of the corpus PATHS[0..n), into *out (*nout of them; 0 for
 * a part that got nothing).  Every part computes its own plan from the same file sizes and gets
 * the same answer.  Whole inputs are dealt first, largest first (gzip weighs three times its
 * size, the usual text ratio), each to the lightest part; the plain bytes then fill the parts
 * up to one level.  A part's plain bytes are taken in slices of at least BLOCK bytes (at most
 * 64 of them), dealt to the parts in turn, so each part samples the whole corpus (BLOCK 0: one
 * stretch per part).  With NPARTS 1 every input is one whole piece and nothing is inspected
 * ("-" is then standard input).  EMB_EIO for an input that cannot be opened; EMB_EINVAL for
 * "-" with NPARTS > 1.
 */
int emb_train_part_plan(struct emb_train_piece **out, size_t *nout, char *const *paths, size_t n,
			unsigned rank, unsigned nparts, uint64_t block, struct emb_err *err);

/*
 * emb_train_corpus_scan() over pieces: tokenize the lines of PIECES[0..n) in order into a new
 * id cache (see emb_train_corpus_scan for VOCAB).  Errors inside a cut piece name the file and
 * the byte where the piece starts ("corpus.txt@1048576:12: ...").
 */
int emb_train_corpus_scan_pieces(struct emb_train_corpus **out, struct emb_vocab **vocab,
				 const struct emb_train_piece *pieces, size_t n,
				 const struct emb_tok_opts *tok, struct emb_err *err);

/*
 * The cache holds ids of FROM (a vocabulary built by the scan); make the next
 * emb_train_corpus_filter() write them as ids of TO, the token's row there (a token TO lacks
 * is dropped).  Used when TO was agreed between processes rather than pruned from FROM here.
 */
int emb_train_corpus_renumber(struct emb_train_corpus *c, const struct emb_vocab *from,
			      const struct emb_vocab *to, struct emb_err *err);

#endif
