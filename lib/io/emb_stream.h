/*
 * emb_stream: reading input, plain or gzip, from a path, standard input ("-") or memory.
 *
 * Gzip is chosen by the first two bytes (1f 8b), never by the name, and every member of a
 * multi-member file is inflated.  A stream that ends inside a gzip member, or whose deflate data
 * is corrupt, is an error (EMB_ETRUNC / EMB_EFORMAT) at the read that meets it, never a quiet
 * end of input.  Errors carry the stream's display name ("<stdin>" for "-") and, for line
 * readers, the line number.
 *
 * Ownership: emb_stream_open*() hand a new stream to *out; emb_stream_close() frees it and
 * reports any deferred error; emb_stream_abort() frees it on an error path and cannot fail.
 * Both accept NULL.  Pointers returned by getline/peek stay valid until the next call on the
 * stream.
 */
#ifndef EMB_STREAM_H
#define EMB_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"

struct emb_stream;

/* Longest line emb_stream_getline() accepts before failing with EMB_ELIMIT. */
#define EMB_STREAM_MAX_LINE ((size_t)1 << 30)

/* Open PATH ("-" = standard input).  0 or EMB_EIO ("cannot open 'x': No such file ..."). */
int emb_stream_open(struct emb_stream **out, const char *path, struct emb_err *err);

/* Read from memory (not copied; must outlive the stream).  NAME is used in messages. */
int emb_stream_open_mem(struct emb_stream **out, const char *name, const void *data, size_t len,
			struct emb_err *err);

/* Read from an open descriptor that the stream does not own (not closed by it). */
int emb_stream_open_fd(struct emb_stream **out, const char *name, int fd, struct emb_err *err);

/*
 * Next line, without its '\n' (a '\r' before it is kept: callers decide).  *line points into
 * the stream's buffer and is NUL-terminated at (*line)[*len].  Returns 0, EMB_EOF at end of
 * input (a last line without '\n' is still returned first), or a negative error.
 */
int emb_stream_getline(struct emb_stream *s, char **line, size_t *len, struct emb_err *err);

/* Make getline refuse lines longer than MAX bytes (EMB_ELIMIT, "line longer than MAX bytes"),
 * so a reader bounds the memory one line may take (default and cap: EMB_STREAM_MAX_LINE). */
void emb_stream_set_max_line(struct emb_stream *s, size_t max);

/*
 * Up to N decoded bytes into DST; *got is how many.  Returns 0 (with *got > 0), EMB_EOF
 * (*got == 0, end of input) or a negative error.  Mixes freely with getline.
 */
int emb_stream_read(struct emb_stream *s, void *dst, size_t n, size_t *got, struct emb_err *err);

/*
 * Exactly N bytes into DST, or EMB_ETRUNC ("unexpected end of input at byte OFFSET") if the
 * input ends first (EMB_EOF if it ends before the first byte).
 */
int emb_stream_read_full(struct emb_stream *s, void *dst, size_t n, struct emb_err *err);

/*
 * LEN bytes into a new buffer *OUT (free() it; never NULL on success, even for LEN 0).  The buffer
 * grows as bytes arrive (4 MB steps, doubling) instead of being allocated at LEN up front, so a
 * length field that lies in a damaged file costs only the bytes the input really holds.  Returns
 * 0, EMB_EOF (the input ended before the first byte), EMB_ETRUNC (it ended inside) or another
 * error; WHAT names the data in an out-of-memory message ("reading an EMB section").
 */
int emb_stream_read_alloc(struct emb_stream *s, uint64_t len, unsigned char **out, const char *what,
			  struct emb_err *err);

/*
 * Look at the next decoded bytes without consuming them: *p points at min(want, available
 * before EOF) bytes, *len says how many.  0 or a negative error.
 */
int emb_stream_peek(struct emb_stream *s, const unsigned char **p, size_t *len, size_t want,
		    struct emb_err *err);

/*
 * Borrow the buffered decoded bytes (refilling when empty): *p and *len cover what is available
 * now; the caller consumes k <= *len of them with emb_stream_skip(s, k).  EMB_EOF at end.
 * This is the zero-copy path for tokenizers and binary readers.
 */
int emb_stream_borrow(struct emb_stream *s, const unsigned char **p, size_t *len,
		      struct emb_err *err);
void emb_stream_skip(struct emb_stream *s, size_t k);

const char *emb_stream_name(const struct emb_stream *s);
/* Number of the line last returned by getline (1-based; 0 before the first). */
unsigned long long emb_stream_lineno(const struct emb_stream *s);
/* Decoded bytes consumed so far (the offset of the next byte). */
uint64_t emb_stream_offset(const struct emb_stream *s);
/* True when the input was gzip. */
bool emb_stream_is_gzip(const struct emb_stream *s);
/* The descriptor of a plain regular-file stream opened by path, else -1 (for mmap). */
int emb_stream_fd(const struct emb_stream *s);

/* Fill err with "NAME:LINE: fmt..." for the current line; returns code. */
int emb_stream_fail(const struct emb_stream *s, struct emb_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Free the stream; 0, or an error seen only now (close failure).  NULL-safe. */
int emb_stream_close(struct emb_stream *s, struct emb_err *err);
/* Free the stream on an error path.  NULL-safe, cannot fail. */
void emb_stream_abort(struct emb_stream *s);

#endif
