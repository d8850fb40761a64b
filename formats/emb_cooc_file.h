/*
 * emb_cooc_file: co-occurrence files (formats/COOC.md), the reusable artifact of
 * `embtrain --model glove --cooc-out FILE`, read back by `--cooc FILE`.
 *
 * Writer: _create() opens the output (emb_out: atomic, gzip when asked) for the rows of VOCAB;
 * _begin() writes the header with an upper bound of the records; _put() each record in
 * strictly increasing (i, j) order; _commit() writes the trailer (count, CRC-32) and renames
 * the file into place, _discard() removes it (NULL-safe).  Both free the writer.
 *
 * Reader: _open() reads the header and vocabulary; _next() gives the records in order, 0 for
 * a record and EMB_EOF after the trailer was read and checked; _close() checks that nothing
 * follows, hands the vocabulary to *vocab and frees the reader; _abort() frees it on an error
 * path (NULL-safe).  Every fault is EMB_EFORMAT/EMB_ETRUNC with the file's name and byte.
 */
#ifndef EMB_COOC_FILE_H
#define EMB_COOC_FILE_H

#include "emb_glove.h"
#include "emb_out.h"
#include "emb_stream.h"
#include "emb_vocab.h"

#define EMB_COOC_MAGIC "EMBCOOC1"
#define EMB_COOC_HEADER_LEN 40

struct emb_cooc_writer;

int emb_cooc_file_create(struct emb_cooc_writer **out, const char *path,
			 const struct emb_vocab *vocab, unsigned window, bool symmetric,
			 const struct emb_out_opts *oo, struct emb_err *err);
int emb_cooc_file_begin(struct emb_cooc_writer *w, uint64_t max_records, struct emb_err *err);
int emb_cooc_file_put(struct emb_cooc_writer *w, const struct emb_cooc_rec *r, struct emb_err *err);
int emb_cooc_file_commit(struct emb_cooc_writer *w, struct emb_err *err);
void emb_cooc_file_discard(struct emb_cooc_writer *w);

struct emb_cooc_reader;

int emb_cooc_file_open(struct emb_cooc_reader **out, const char *path, struct emb_err *err);
/* The same from an open stream (the fuzzer's memory stream); IN then belongs to the reader. */
int emb_cooc_file_read(struct emb_cooc_reader **out, struct emb_stream *in, struct emb_err *err);
size_t emb_cooc_file_rows(const struct emb_cooc_reader *r);
uint64_t emb_cooc_file_max_records(const struct emb_cooc_reader *r);
unsigned emb_cooc_file_window(const struct emb_cooc_reader *r);
bool emb_cooc_file_symmetric(const struct emb_cooc_reader *r);
int emb_cooc_file_next(struct emb_cooc_reader *r, struct emb_cooc_rec *rec, struct emb_err *err);
int emb_cooc_file_close(struct emb_cooc_reader *r, struct emb_vocab **vocab, struct emb_err *err);
void emb_cooc_file_abort(struct emb_cooc_reader *r);

#endif
