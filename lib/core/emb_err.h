/*
 * emb_err: the one error record of embkit.
 *
 * Contract: lib/ and formats/ never print and never exit.  A function that fails returns a
 * negative EMB_E* code and fills the caller's struct emb_err exactly once, where the fault is
 * seen ("FILE:LINE: what is wrong" for data errors).  Callers pass it up unchanged; only cmd/
 * prints it.  A function that succeeds leaves *err untouched.  EMB_EOF (1) is not an error.
 */
#ifndef EMB_ERR_H
#define EMB_ERR_H

#include <stddef.h>

enum {
	EMB_OK = 0,
	EMB_EOF = 1,
	EMB_EIO = -1,     /* read/write/open failed (errno text in the message) */
	EMB_ENOMEM = -2,  /* allocation failed */
	EMB_EFORMAT = -3, /* the input is not what it should be */
	EMB_ETRUNC = -4,  /* the input ends early (truncated gzip, short binary row) */
	EMB_ELIMIT = -5,  /* a size or count beyond what we accept */
	EMB_EINVAL = -6,  /* a bad argument from the caller (cmd/ maps it to a usage error) */
	EMB_EINTR = -7,   /* stopped by a signal */
};

struct emb_err {
	int code;
	char msg[1024];
};

#define EMB_ERR_INIT { 0, { 0 } }

/* Fill err with code and a printf-style message; returns code so callers can `return emb_err_set(...)`. */
int emb_err_set(struct emb_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same, prefixed by "NAME:LINE: " (LINE 0: "NAME: " only). */
int emb_err_set_at(struct emb_err *err, int code, const char *name, unsigned long long line,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "out of memory while WHAT"; returns EMB_ENOMEM. */
int emb_err_nomem(struct emb_err *err, const char *what);

/*
 * Copy token bytes s[0..n) into dst (cap bytes, NUL-terminated) for a message: control and
 * non-printable ASCII bytes become \xHH, and a token longer than ~60 bytes is cut with "...".
 * Returns dst.
 */
char *emb_err_token(char *dst, size_t cap, const char *s, size_t n);

#endif
