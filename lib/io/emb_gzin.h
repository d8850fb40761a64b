/*
 * emb_gzin: a gzip regular file decoded member by member, for readers that want speed more
 * than the generality of emb_stream (which reads any input, pipes included).
 *
 * Members that start with our own header (EMB_GZ_HEADER, emb_out.h) carry their size, so the
 * file is cut into members without inflating and THREADS workers decode them side by side;
 * they are handed out strictly in file order.  Other members (gzip(1), a damaged size) are
 * decoded one at a time in the caller's thread from where the sized ones stop.
 *
 * Ownership: emb_gzin_open() hands a new handle to *out; emb_gzin_close() frees it.
 */
#ifndef EMB_GZIN_H
#define EMB_GZIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"

struct emb_gzin;

/* emb_gzin_next() for a member that decodes to more than EMB_GZIN_MAX bytes. */
#define EMB_GZIN_TOO_BIG 2
#define EMB_GZIN_MAX ((size_t)64 << 20)

/*
 * Open PATH when it is a regular file that starts with the gzip magic: 0 with *out set; 0 with
 * *out NULL for anything else (standard input "-", a pipe, plain data, a file that cannot be
 * opened: the caller's general path reports those); EMB_ENOMEM.  THREADS inflate sized
 * members: 0 = one per core (at most 16), 1 = none (the caller's thread does it all).
 */
int emb_gzin_open(struct emb_gzin **out, const char *path, int threads, struct emb_err *err);

/*
 * The next member's decoded bytes at *p, *n of them (never 0: empty members are skipped),
 * valid until the next call.  0, EMB_EOF after the last member, EMB_GZIN_TOO_BIG (the member
 * at emb_gzin_offset() is left to a streaming decoder), or a negative error:
 * EMB_ETRUNC "PATH: truncated gzip input" (the file ends inside a member),
 * EMB_EFORMAT "PATH: corrupt gzip input (CRC mismatch in the member at byte N)" (or bad gzip
 * header, bad data, member size field disagrees), EMB_EIO, EMB_ENOMEM.
 * Corrupt and truncated read the same with and without workers.
 */
int emb_gzin_next(struct emb_gzin *g, const unsigned char **p, size_t *n, struct emb_err *err);

/* After EMB_GZIN_TOO_BIG: the file offset where that member starts. */
uint64_t emb_gzin_offset(const struct emb_gzin *g);

/* Whether the file starts with one of our sized members (emb_out's gzip). */
bool emb_gzin_sized(const struct emb_gzin *g);

/* Stop the workers and free everything.  NULL-safe. */
void emb_gzin_close(struct emb_gzin *g);

#endif
