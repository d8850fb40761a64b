/*
 * pack_dump: a PACK file as text (embpack dump; the layout is in embpack(1)).
 */
#include "emb_pack.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text {
	struct emb_out *out;
	char buf[1 << 16];
	size_t len;
	int rc;
	struct emb_err *err;
};

static void text_flush(struct text *t)
{
	if (t->rc == 0 && t->len)
		t->rc = emb_out_write(t->out, t->buf, t->len, t->err);
	t->len = 0;
}

static void text_put(struct text *t, const char *s, size_t n)
{
	if (t->len + n > sizeof t->buf)
		text_flush(t);
	if (n > sizeof t->buf) {
		if (t->rc == 0)
			t->rc = emb_out_write(t->out, s, n, t->err);
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_printf(struct text *t, const char *fmt, ...)
{
	char s[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	text_put(t, s, n < 0 ? 0 : (size_t)n >= sizeof s ? sizeof s - 1 : (size_t)n);
}

static void dump_i32(struct text *t, const char *name, const int32_t *v, size_t n, size_t row)
{
	text_printf(t, "%s", name);
	for (size_t i = 0; i < n; i++)
		text_printf(t, row && i % row == 0 ? "\n  %ld" : " %ld", (long)v[i]);
	text_put(t, "\n", 1);
}

int emb_pack_dump(const char *path, struct emb_out *out, struct emb_err *err)
{
	struct emb_pack_reader *r = NULL;
	const struct emb_batch *b;
	const struct emb_pack_header *h;
	const struct emb_pack_totals *tot;
	struct text *t;
	int rc;

	if (!(t = malloc(sizeof *t)))
		return emb_err_nomem(err, "dumping");
	t->out = out;
	t->len = 0;
	t->rc = 0;
	t->err = err;
	if ((rc = emb_pack_reader_open(&r, path, err)) < 0)
		goto done;
	h = emb_pack_reader_header(r);
	text_printf(t, "PACK 1 batch_first %d enforce_sorted %d padding_idx %ld dim %u\n",
		    h->batch_first, h->enforce_sorted, (long)h->padding_idx, h->dim);
	while (t->rc == 0 && (rc = emb_pack_reader_next(r, &b, err)) == 0) {
		size_t rows = b->batch_first ? b->n : b->maxlen, cols = b->batch_first ? b->maxlen : b->n;
		text_printf(t, "batch %llu sequences %zu max_len %zu tokens %zu\n",
			    (unsigned long long)b->number, b->n, b->maxlen, b->tokens);
		text_printf(t, "index");
		for (size_t i = 0; i < b->n; i++)
			text_printf(t, " %lld", (long long)b->index[i]);
		text_put(t, "\n", 1);
		dump_i32(t, "lengths", b->lengths, b->n, 0);
		dump_i32(t, "sorted_indices", b->sorted, b->n, 0);
		dump_i32(t, "unsorted_indices", b->unsorted, b->n, 0);
		dump_i32(t, "batch_sizes", b->batch_sizes, b->maxlen, 0);
		text_printf(t, "padded %zu x %zu", rows, cols);
		dump_i32(t, "", b->padded, rows * cols, cols);
		dump_i32(t, "data", b->data, b->tokens, 0);
		if (b->dim) {
			text_printf(t, "vectors %zu x %zu", b->tokens, b->dim);
			for (size_t i = 0; i < b->tokens * b->dim; i++)
				text_printf(t, i % b->dim == 0 ? "\n  %.9g" : " %.9g",
					    (double)b->vectors[i]);
			text_put(t, "\n", 1);
		}
	}
	if (t->rc < 0) {
		rc = t->rc;
		goto done;
	}
	if (rc != EMB_EOF)
		goto done;
	tot = emb_pack_reader_totals(r);
	text_printf(t, "end batches %llu sequences %llu tokens %llu\n",
		    (unsigned long long)tot->batches, (unsigned long long)tot->sequences,
		    (unsigned long long)tot->tokens);
	text_flush(t);
	if ((rc = t->rc) < 0)
		goto done;
	rc = emb_pack_reader_close(r, err);
	r = NULL;
done:
	emb_pack_reader_abort(r);
	free(t);
	return rc;
}

