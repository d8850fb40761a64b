/*
 * emb_buf: a block of bytes built in memory before it is written or sent whole (an EMB
 * section, a vocabulary on the wire between embtrain-mpi's processes).  It grows by doubling,
 * so appending costs amortised constant time; free(b.p) when done.  Not installed: shared by
 * lib/ and formats/ as emb_bytes.h is.
 */
#ifndef EMB_BUF_H
#define EMB_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emb_err.h"

struct emb_buf {
	unsigned char *p;
	size_t len, cap;
};

/* Room for N more bytes after len; EMB_ENOMEM "out of memory WHAT" when there is none. */
static inline int emb_buf_reserve(struct emb_buf *b, size_t n, const char *what,
				  struct emb_err *err)
{
	size_t cap = b->cap ? b->cap : 4096;
	unsigned char *np;

	if (b->cap - b->len >= n)
		return 0;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			return emb_err_nomem(err, what);
		cap *= 2;
	}
	if (!(np = realloc(b->p, cap)))
		return emb_err_nomem(err, what);
	b->p = np;
	b->cap = cap;
	return 0;
}

/* Append N bytes from P. */
static inline int emb_buf_put(struct emb_buf *b, const void *p, size_t n, const char *what,
			      struct emb_err *err)
{
	int rc = emb_buf_reserve(b, n, what, err);

	if (rc == 0 && n > 0) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
	}
	return rc;
}

#endif
