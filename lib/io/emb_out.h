/*
 * emb_out: writing output atomically, plain or gzip.
 *
 * A named output is written to a temporary file beside it (mkstemp, same directory, so the
 * rename is atomic) and renamed over the target only by emb_out_commit(); emb_out_abort(), the
 * exit path and the signal handler (emb_out_cleanup_all) remove it.  A failed run therefore
 * never leaves a partial file and never damages an existing one; only SIGKILL or a crash
 * leaves the temporary file, whose name says whose it was and which a later output in the same
 * directory removes once that is safe (emb_tmp.h).  "-" is standard output; an existing target
 * that is not a regular file (/dev/full, a FIFO) is written in place.
 *
 * Gzip output is a series of independent gzip members of at most EMB_OUT_BLOCK input bytes,
 * compressed by ISA-L's igzip at level 1 and by libdeflate at levels 2-12 (both several times
 * zlib's speed); zcat and every gzip reader read it as one stream, and members let compression
 * run on several threads.  Where members end depends only on the bytes and the record calls,
 * never on the thread count.
 *
 * Ownership: emb_out_open() hands a new handle to *out; emb_out_commit() and emb_out_abort()
 * free it (both NULL-safe).  After a write error every later call returns the same error.
 */
#ifndef EMB_OUT_H
#define EMB_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"

struct emb_out;

#define EMB_OUT_BLOCK ((size_t)1 << 20)

/*
 * Every gzip member we write starts with these EMB_GZ_HEADER bytes: a plain RFC 1952 header
 * with one extra subfield, "EK", whose 4 bytes (little-endian, at offset 16) hold the whole
 * member's size in bytes, header and trailer included (as BGZF's "BC" does).  Every gzip
 * reader skips it; ours use it to cut a stream into members without inflating them.
 */
#define EMB_GZ_HEADER 20
extern const unsigned char emb_gz_header[EMB_GZ_HEADER];

enum {
	EMB_OUT_GZIP = 1 << 0,      /* gzip-compress (also implied by a name ending in .gz) */
	EMB_OUT_NO_GZ_NAME = 1 << 3,/* do not infer gzip from a .gz name */
	EMB_OUT_NO_SYNC = 1 << 4,   /* skip fsync at commit (scratch files) */
};

struct emb_out_opts {
	unsigned flags;
	int level;   /* gzip level 1..12 (1 igzip, 2..12 libdeflate); 0 = no compression */
	int threads; /* compression workers; 0 or 1 = compress in the caller's thread */
};

#define EMB_OUT_OPTS_INIT { 0, 1, 1 }

/* Open PATH for writing ("-" = stdout).  0, EMB_EIO ("cannot create ...") or EMB_ENOMEM. */
int emb_out_open(struct emb_out **out, const char *path, const struct emb_out_opts *opts,
		 struct emb_err *err);

/* Append N bytes.  0 or a negative error ("PATH: write error: No space left on device"). */
int emb_out_write(struct emb_out *o, const void *p, size_t n, struct emb_err *err);

/*
 * Room for N contiguous bytes: returns a pointer to write at most N bytes into, then
 * emb_out_advance(o, k) with the k actually written.  NULL on error (err filled).
 */
void *emb_out_reserve(struct emb_out *o, size_t n, struct emb_err *err);
void emb_out_advance(struct emb_out *o, size_t k);

/*
 * Records (PACK batches): emb_out_begin_record(o, n) says the next N bytes belong together.
 * Gzip output then ends the current member first if they would not fit in it, so a member
 * holds whole records (one larger than EMB_OUT_BLOCK spans members of its own) and a reader
 * can start decoding at any member.  emb_out_end_record() marks the end: plain output that is
 * not a regular file (a pipe) is handed out now, so the reader at the other end sees each
 * record when it is complete; gzip output to a pipe goes out member by member.
 */
int emb_out_begin_record(struct emb_out *o, size_t n, struct emb_err *err);
int emb_out_end_record(struct emb_out *o, struct emb_err *err);

/* Bytes handed to the handle so far (before compression). */
uint64_t emb_out_bytes(const struct emb_out *o);
const char *emb_out_name(const struct emb_out *o);
bool emb_out_is_stdout(const struct emb_out *o);

/* Flush, fsync, close and rename into place; frees o.  0 or a negative error (then nothing was
 * renamed and the temporary file is gone).  NULL-safe. */
int emb_out_commit(struct emb_out *o, struct emb_err *err);

/* Throw the output away (temporary file removed); frees o.  NULL-safe, cannot fail. */
void emb_out_abort(struct emb_out *o);

/*
 * Tie COMPANION's fate to O's (a .npy matrix and its NAME.vocab.tsv): O takes ownership;
 * emb_out_commit(O) first closes O's data, then commits COMPANION, then renames O, so neither
 * file replaces an old one unless both were written in full; emb_out_abort(O) aborts both.
 */
void emb_out_attach(struct emb_out *o, struct emb_out *companion);

/* Unlink every temporary file still open.  Async-signal-safe: for signal handlers and atexit. */
void emb_out_cleanup_all(void);

/* True when PATH names a gzip output (ends in ".gz"). */
bool emb_out_name_is_gz(const char *path);

#endif
