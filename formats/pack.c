/*
 * pack: the PACK batch stream (formats/PACK.md) and the embpack pipeline.
 *
 * Writing a batch: the payload CRC is chained over the arrays where they lie, then the record
 * header and the arrays go to emb_out inside one record (emb_out_begin_record/end_record), so
 * gzip members hold whole batches and uncompressed output to a pipe leaves batch by batch.
 * Reading: each record is read whole (header, then payload in one buffer),
 * checked (CRCs, sizes, numbering, the invariants of a packed batch) and handed out as an
 * emb_batch whose arrays point into that buffer.  On a big-endian host arrays are swapped.
 * A gzip PACK file is decoded member by member by emb_gzin (see struct gzsrc).
 *
 * emb_pack_run(): lines -> ids (emb_batch_parse_ids, or emb_tok + vocabulary lookup) ->
 * emb_batcher -> per batch: vectors (emb_batch_embed), then PACK or npz.
 */
#include "emb_pack.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "emb_gzin.h"
#include "emb_npz.h"
#include "emb_stream.h"
#include "emb_bytes.h"

static const char file_magic[8] = { 'E', 'M', 'B', 'P', 'A', 'C', 'K', 0 };
#define BATCH_MAGIC "EPKB"
#define END_MAGIC "EPKE"
#define FLAG_BATCH_FIRST 1u
#define FLAG_VECTORS 2u
#define FLAG_ENFORCE_SORTED 4u
#define PAYLOAD_MAX ((uint64_t)1 << 40)
#define NARRAYS 8
#define PAYLOAD_CHUNK ((size_t)4 << 20)

struct arr {
	void *p;
	size_t n, elsize;
};

/* The payload layout of PACK.md, in order; returns false when the sizes overflow. */
static bool layout(const struct emb_batch *b, struct arr a[NARRAYS], uint64_t *payload)
{
	size_t cells, vec, total = 0, bytes;

	if (!emb_mul_ok(b->n, b->maxlen, &cells) || !emb_mul_ok(b->tokens, b->dim, &vec))
		return false;
	a[0] = (struct arr){ b->index, b->n, 8 };
	a[1] = (struct arr){ b->lengths, b->n, 4 };
	a[2] = (struct arr){ b->sorted, b->n, 4 };
	a[3] = (struct arr){ b->unsorted, b->n, 4 };
	a[4] = (struct arr){ b->batch_sizes, b->maxlen, 4 };
	a[5] = (struct arr){ b->padded, cells, 4 };
	a[6] = (struct arr){ b->data, b->tokens, 4 };
	a[7] = (struct arr){ b->vectors, vec, 4 };
	for (int i = 0; i < NARRAYS; i++)
		if (!emb_mul_ok(a[i].n, a[i].elsize, &bytes) || !emb_add_ok(total, bytes, &total))
			return false;
	*payload = total;
	return true;
}

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static void swap_array(void *p, size_t n, size_t elsize)
{
	if (elsize == 8)
		for (uint64_t *q = p; n--; q++)
			*q = __builtin_bswap64(*q);
	else
		for (uint32_t *q = p; n--; q++)
			*q = __builtin_bswap32(*q);
}
#endif

int emb_pack_write_header(struct emb_out *out, const struct emb_pack_header *h,
			  struct emb_err *err)
{
	unsigned char p[EMB_PACK_HEADER_SIZE] = { 0 };
	uint32_t flags = (h->batch_first ? FLAG_BATCH_FIRST : 0) | (h->dim ? FLAG_VECTORS : 0) |
			 (h->enforce_sorted ? FLAG_ENFORCE_SORTED : 0);

	memcpy(p, file_magic, 8);
	emb_put_le32(p + 8, 1);
	emb_put_le32(p + 12, flags);
	emb_put_le32(p + 16, (uint32_t)h->padding_idx);
	emb_put_le32(p + 20, h->dim);
	emb_put_le32(p + 28, (uint32_t)libdeflate_crc32(0, p, 28));
	return emb_out_write(out, p, sizeof p, err);
}

static void record_header(unsigned char *p, const char *magic, uint32_t b, uint32_t t,
			  uint64_t u16, uint64_t u24, uint64_t u32, uint32_t crc)
{
	memset(p, 0, EMB_PACK_RECORD_SIZE);
	memcpy(p, magic, 4);
	emb_put_le32(p + 4, b);
	emb_put_le32(p + 8, t);
	emb_put_le64(p + 16, u16);
	emb_put_le64(p + 24, u24);
	emb_put_le64(p + 32, u32);
	emb_put_le32(p + 40, crc);
	emb_put_le32(p + 44, (uint32_t)libdeflate_crc32(0, p, 44));
}

int emb_pack_write_batch(struct emb_out *out, const struct emb_batch *b, struct emb_err *err)
{
	unsigned char h[EMB_PACK_RECORD_SIZE];
	struct arr a[NARRAYS];
	uint64_t payload;
	uint32_t crc = 0;
	int rc;

	if (!layout(b, a, &payload) || b->n > UINT32_MAX || b->maxlen > UINT32_MAX)
		return emb_err_set(err, EMB_ELIMIT, "batch %llu is too large",
				   (unsigned long long)b->number);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (int i = 0; i < NARRAYS; i++)
		swap_array(a[i].p, a[i].n, a[i].elsize);
#endif
	for (int i = 0; i < NARRAYS; i++)
		if (a[i].n) /* crc32(crc, NULL, 0) would restart the CRC, as zlib's does */
			crc = (uint32_t)libdeflate_crc32(crc, a[i].p, a[i].n * a[i].elsize);
	record_header(h, BATCH_MAGIC, (uint32_t)b->n, (uint32_t)b->maxlen, b->number, b->tokens,
		      payload, crc);
	rc = emb_out_begin_record(out, sizeof h + payload, err);
	if (rc == 0)
		rc = emb_out_write(out, h, sizeof h, err);
	for (int i = 0; i < NARRAYS && rc == 0; i++)
		rc = emb_out_write(out, a[i].p, a[i].n * a[i].elsize, err);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (int i = 0; i < NARRAYS; i++)
		swap_array(a[i].p, a[i].n, a[i].elsize);
#endif
	if (rc == 0)
		rc = emb_out_end_record(out, err);
	return rc;
}

int emb_pack_write_end(struct emb_out *out, const struct emb_pack_totals *t, struct emb_err *err)
{
	unsigned char h[EMB_PACK_RECORD_SIZE];

	record_header(h, END_MAGIC, 0, 0, t->batches, t->tokens, t->sequences, 0);
	return emb_out_write(out, h, sizeof h, err);
}

/* ---- reader ---- */

/*
 * Where decoded PACK bytes come from: the shared stream layer, or, for a gzip regular file,
 * emb_gzin (igzip, members decoded on several threads when embpack wrote them; ~3x zlib's
 * inflate on one).  A member that decodes to more than EMB_GZIN_MAX bytes (a whole PACK
 * gzipped by another tool) sends the reader back to the stream layer at the same offset.
 */
struct gzsrc {
	struct emb_gzin *z;
	const unsigned char *p;   /* the current member's decoded bytes */
	size_t pos, len;
	uint64_t consumed;        /* decoded bytes handed out */
};

struct emb_pack_reader {
	struct emb_stream *in;    /* NULL while gz is in use */
	struct gzsrc *gz;
	char *path;
	struct emb_pack_header h;
	unsigned char *buf;
	size_t cap;
	struct emb_batch b;
	uint64_t next;            /* number of the next batch */
	struct emb_pack_totals tot;
	uint64_t bytes;
	bool ended;
};

static const char *rname(const struct emb_pack_reader *r)
{
	return r->in ? emb_stream_name(r->in) : r->path;
}

static void gz_free(struct gzsrc *g)
{
	if (!g)
		return;
	emb_gzin_close(g->z);
	free(g);
}

/* A gzip regular file: set up r->gz (else leave it NULL for the stream layer). */
static int gz_open(struct emb_pack_reader *r, const char *path, struct emb_err *err)
{
	struct emb_gzin *z;
	int rc;

	if ((rc = emb_gzin_open(&z, path, 0, err)) < 0 || !z)
		return rc;
	if (!(r->gz = calloc(1, sizeof *r->gz))) {
		emb_gzin_close(z);
		return emb_err_nomem(err, "opening a PACK file");
	}
	r->gz->z = z;
	return 0;
}

/* Leave the fast path: the stream layer, skipped to the same decoded offset. */
static int gz_fallback(struct emb_pack_reader *r, struct emb_err *err)
{
	uint64_t skip = r->gz->consumed;
	unsigned char tmp[1 << 14];
	int rc;

	gz_free(r->gz);
	r->gz = NULL;
	if ((rc = emb_stream_open(&r->in, r->path, err)) < 0)
		return rc;
	while (skip > 0) {
		size_t k = skip < sizeof tmp ? (size_t)skip : sizeof tmp;
		if ((rc = emb_stream_read_full(r->in, tmp, k, err)) != 0)
			return rc < 0 ? rc : emb_err_set(err, EMB_ETRUNC, "%s: shorter on reread", r->path);
		skip -= k;
	}
	return 0;
}

/* emb_stream_read_full's contract (0, EMB_EOF before any byte, EMB_ETRUNC) over either source. */
static int src_read_full(struct emb_pack_reader *r, void *dst, size_t n, struct emb_err *err)
{
	unsigned char *d = dst;
	size_t got = 0;
	int rc;

	while (r->gz && got < n) {
		struct gzsrc *g = r->gz;
		size_t k;
		if (g->pos == g->len) {
			g->pos = g->len = 0;
			rc = emb_gzin_next(g->z, &g->p, &g->len, err);
			if (rc == EMB_GZIN_TOO_BIG && (rc = gz_fallback(r, err)) == 0)
				break;
			if (rc == EMB_EOF)
				return got ? emb_err_set(err, EMB_ETRUNC, "%s: truncated", r->path) : EMB_EOF;
			if (rc < 0)
				return rc;
			continue;
		}
		k = g->len - g->pos < n - got ? g->len - g->pos : n - got;
		memcpy(d + got, g->p + g->pos, k);
		g->pos += k;
		g->consumed += k;
		got += k;
	}
	if (got == n)
		return 0;
	rc = emb_stream_read_full(r->in, d + got, n - got, err);
	return rc == EMB_EOF && got ? EMB_ETRUNC : rc;
}

static int truncated(struct emb_pack_reader *r, struct emb_err *err)
{
	return emb_err_set_at(err, EMB_ETRUNC, rname(r), 0, "batch %llu truncated",
			      (unsigned long long)r->next);
}

int emb_pack_reader_open(struct emb_pack_reader **out, const char *path, struct emb_err *err)
{
	struct emb_pack_reader *r;
	unsigned char p[EMB_PACK_HEADER_SIZE];
	uint32_t flags, version;
	int rc;

	*out = NULL;
	if (!(r = calloc(1, sizeof *r)))
		return emb_err_nomem(err, "opening a PACK file");
	if (!(r->path = strdup(path))) {
		rc = emb_err_nomem(err, "opening a PACK file");
		goto fail;
	}
	if ((rc = gz_open(r, path, err)) < 0 ||
	    (!r->gz && (rc = emb_stream_open(&r->in, path, err)) < 0))
		goto fail;
	rc = src_read_full(r, p, sizeof p, err);
	if (rc == EMB_EOF || (rc == 0 && memcmp(p, file_magic, 8) != 0)) {
		rc = emb_err_set_at(err, EMB_EFORMAT, rname(r), 0, "not a PACK file");
		goto fail;
	}
	if (rc == EMB_ETRUNC) /* gzip decodes whole members: header and batch 0 go together */
		rc = truncated(r, err);
	if (rc < 0)
		goto fail;
	version = emb_le32(p + 8);
	flags = emb_le32(p + 12);
	r->h.batch_first = flags & FLAG_BATCH_FIRST;
	r->h.enforce_sorted = flags & FLAG_ENFORCE_SORTED;
	r->h.padding_idx = (int32_t)emb_le32(p + 16);
	r->h.dim = emb_le32(p + 20);
	if (emb_le32(p + 28) != (uint32_t)libdeflate_crc32(0, p, 28))
		rc = emb_err_set_at(err, EMB_EFORMAT, rname(r), 0, "bad file header CRC");
	else if (version != 1)
		rc = emb_err_set_at(err, EMB_EFORMAT, rname(r), 0,
				    "unsupported PACK version %u", version);
	else if ((flags & ~7u) || !(flags & FLAG_VECTORS) != !r->h.dim)
		rc = emb_err_set_at(err, EMB_EFORMAT, rname(r), 0,
				    "bad file header flags 0x%x (dim %u)", flags, r->h.dim);
	if (rc < 0)
		goto fail;
	r->bytes = sizeof p;
	*out = r;
	return 0;
fail:
	emb_pack_reader_abort(r);
	return rc;
}

const struct emb_pack_header *emb_pack_reader_header(const struct emb_pack_reader *r)
{
	return &r->h;
}

uint64_t emb_pack_reader_bytes(const struct emb_pack_reader *r)
{
	return r->bytes;
}

/* Read N bytes of the current batch; a short read is "batch K truncated". */
static int read_part(struct emb_pack_reader *r, void *dst, size_t n, struct emb_err *err)
{
	int rc = src_read_full(r, dst, n, err);

	if (rc == EMB_EOF || rc == EMB_ETRUNC)
		return truncated(r, err);
	r->bytes += n;
	return rc;
}

static int bad(struct emb_pack_reader *r, struct emb_err *err, const char *what)
{
	return emb_err_set_at(err, EMB_EFORMAT, rname(r), 0, "batch %llu: %s",
			      (unsigned long long)r->next, what);
}

/* The invariants of a packed batch (see PACK.md "Reading and errors"). */
static int check_batch(struct emb_pack_reader *r, const struct emb_batch *b, struct emb_err *err)
{
	size_t n = b->n, T = b->maxlen, sum = 0, bsum = 0;
	bool longest = false;

	for (size_t i = 0; i < n; i++) {
		int32_t l = b->lengths[i], s = b->sorted[i];
		if (l < 1 || (size_t)l > T)
			return bad(r, err, "length out of range");
		sum += (size_t)l;
		longest |= (size_t)l == T;
		if (s < 0 || (size_t)s >= n || b->unsorted[s] != (int32_t)i)
			return bad(r, err, "sorted_indices and unsorted_indices are not inverse");
		if (i > 0 && b->lengths[s] > b->lengths[b->sorted[i - 1]])
			return bad(r, err, "sorted_indices is not longest first");
	}
	if (sum != b->tokens || !longest)
		return bad(r, err, "lengths do not match the record header");
	for (size_t t = 0; t < T; t++) {
		int32_t bs = b->batch_sizes[t];
		if (bs < 1 || (size_t)bs > (t ? (size_t)b->batch_sizes[t - 1] : n) ||
		    (t == 0 && (size_t)bs != n))
			return bad(r, err, "bad batch_sizes");
		bsum += (size_t)bs;
	}
	if (bsum != b->tokens)
		return bad(r, err, "batch_sizes do not add up to the tokens");
	return 0;
}

int emb_pack_reader_next(struct emb_pack_reader *r, const struct emb_batch **out,
			 struct emb_err *err)
{
	unsigned char h[EMB_PACK_RECORD_SIZE], extra;
	struct emb_batch *b = &r->b;
	struct arr a[NARRAYS];
	uint64_t payload, got_payload, off = 0;
	uint32_t crc = 0;
	int rc;

	*out = NULL;
	if (r->ended)
		return EMB_EOF;
	rc = src_read_full(r, h, sizeof h, err);
	if (rc == EMB_EOF) {
		if (r->next == 0)
			return emb_err_set_at(err, EMB_ETRUNC, rname(r), 0,
					      "truncated after the file header (no end record)");
		return emb_err_set_at(err, EMB_ETRUNC, rname(r), 0,
				      "truncated after batch %llu (no end record)",
				      (unsigned long long)r->next - 1);
	}
	if (rc == EMB_ETRUNC)
		return truncated(r, err);
	if (rc < 0)
		return rc;
	r->bytes += sizeof h;
	if (emb_le32(h + 44) != (uint32_t)libdeflate_crc32(0, h, 44))
		return bad(r, err, "bad record header CRC");
	if (memcmp(h, END_MAGIC, 4) == 0) {
		if (emb_le64(h + 16) != r->tot.batches || emb_le64(h + 24) != r->tot.tokens ||
		    emb_le64(h + 32) != r->tot.sequences)
			return bad(r, err, "end record totals do not match the batches read");
		rc = src_read_full(r, &extra, 1, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return emb_err_set_at(err, EMB_EFORMAT, rname(r), 0,
					      "data after the end record");
		r->ended = true;
		return EMB_EOF;
	}
	if (memcmp(h, BATCH_MAGIC, 4) != 0)
		return bad(r, err, "bad record magic");
	if (emb_le64(h + 16) != r->next)
		return bad(r, err, "out of sequence");
	b->number = r->next;
	b->n = emb_le32(h + 4);
	b->maxlen = emb_le32(h + 8);
	b->tokens = (size_t)emb_le64(h + 24);
	b->dim = r->h.dim;
	b->batch_first = r->h.batch_first;
	got_payload = emb_le64(h + 32);
	if (b->n == 0 || b->maxlen == 0 || emb_le64(h + 24) > SIZE_MAX || !layout(b, a, &payload) ||
	    payload != got_payload || payload > PAYLOAD_MAX)
		return bad(r, err, "bad sizes in the record header");
	/* the buffer grows only as the payload arrives: a lying header costs one chunk */
	for (size_t have = 0; have < payload;) {
		size_t k = payload - have < PAYLOAD_CHUNK ? (size_t)(payload - have) : PAYLOAD_CHUNK;
		if (have + k > r->cap) {
			size_t ncap = r->cap * 2 > have + k ? r->cap * 2 : have + k;
			unsigned char *nb = realloc(r->buf, ncap < payload ? ncap : (size_t)payload);
			if (!nb)
				return emb_err_nomem(err, "reading a PACK batch");
			r->buf = nb;
			r->cap = ncap < payload ? ncap : (size_t)payload;
		}
		if ((rc = read_part(r, r->buf + have, k, err)) < 0)
			return rc;
		have += k;
	}
	for (int i = 0; i < NARRAYS; i++) {
		size_t bytes = a[i].n * a[i].elsize;
		crc = (uint32_t)libdeflate_crc32(crc, r->buf + off, bytes);
		a[i].p = r->buf + off;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		swap_array(a[i].p, a[i].n, a[i].elsize);
#endif
		off += bytes;
	}
	if (crc != emb_le32(h + 40))
		return bad(r, err, "bad payload CRC");
	b->index = a[0].p;
	b->lengths = a[1].p;
	b->sorted = a[2].p;
	b->unsorted = a[3].p;
	b->batch_sizes = a[4].p;
	b->padded = a[5].p;
	b->data = a[6].p;
	b->vectors = b->dim ? a[7].p : NULL;
	if ((rc = check_batch(r, b, err)) < 0)
		return rc;
	r->next++;
	r->tot.batches++;
	r->tot.sequences += b->n;
	r->tot.tokens += b->tokens;
	r->tot.cells += emb_batch_cells(b);
	*out = b;
	return 0;
}

int emb_pack_reader_close(struct emb_pack_reader *r, struct emb_err *err)
{
	int rc;

	if (!r)
		return 0;
	rc = emb_stream_close(r->in, err);
	r->in = NULL;
	emb_pack_reader_abort(r);
	return rc;
}

void emb_pack_reader_abort(struct emb_pack_reader *r)
{
	if (!r)
		return;
	emb_stream_abort(r->in);
	gz_free(r->gz);
	free(r->path);
	free(r->buf);
	free(r);
}

int emb_pack_stats(const char *path, struct emb_pack_totals *tot, struct emb_err *err)
{
	struct emb_pack_reader *r = NULL;
	const struct emb_batch *b;
	int rc;

	if ((rc = emb_pack_reader_open(&r, path, err)) < 0)
		return rc;
	while ((rc = emb_pack_reader_next(r, &b, err)) == 0)
		;
	*tot = r->tot;
	if (rc == EMB_EOF)
		return emb_pack_reader_close(r, err);
	emb_pack_reader_abort(r);
	return rc;
}

/* ---- dump ---- */

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
	text_printf(t, "end batches %llu sequences %llu tokens %llu\n",
		    (unsigned long long)r->tot.batches, (unsigned long long)r->tot.sequences,
		    (unsigned long long)r->tot.tokens);
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

/* ---- the pipeline ---- */

struct run {
	const struct emb_pack_opts *o;
	struct emb_out *out;          /* PACK */
	struct emb_pack_totals tot;
	struct emb_out_opts npz_opts;
};

static int on_batch(void *ctx, struct emb_batch *b, struct emb_err *err)
{
	struct run *run = ctx;
	const struct emb_pack_opts *o = run->o;
	int rc;

	if (o->table &&
	    (rc = emb_batch_embed(b, o->table, o->max_norm, o->norm_type, o->pad_row, err)) < 0)
		return rc;
	if (o->to == EMB_PACK_TO_NPZ)
		rc = emb_npz_write_batch(o->output, b, &run->npz_opts, err);
	else
		rc = emb_pack_write_batch(run->out, b, err);
	if (rc < 0)
		return rc;
	run->tot.batches++;
	run->tot.sequences += b->n;
	run->tot.tokens += b->tokens;
	run->tot.cells += emb_batch_cells(b);
	return 0;
}

struct encode {
	const struct emb_pack_opts *o;
	int32_t *ids;
	size_t n, cap, total;
	long unk;
	uint64_t limit;
	const char *bad;          /* the token that stopped encoding */
	size_t bad_len;
	long bad_id;
};

static int on_token(void *ctx, const char *tok, size_t len)
{
	struct encode *e = ctx;
	long id = emb_vocab_find(e->o->vocab, tok, len);

	if (id < 0 && (id = e->unk) < 0) {
		if (e->o->unk == EMB_PACK_UNK_SKIP)
			return 0;
		e->bad = tok;
		e->bad_len = len;
		e->bad_id = -1;
		return 1;
	}
	if (e->limit && (uint64_t)id >= e->limit) {
		e->bad = tok;
		e->bad_len = len;
		e->bad_id = id;
		return 1;
	}
	e->total++;
	if (e->o->max_len && e->n >= e->o->max_len)
		return 0;
	if (e->n == e->cap) {
		size_t c = e->cap ? e->cap * 2 : 256;
		int32_t *p = realloc(e->ids, c * sizeof *p);
		if (!p)
			return 2;
		e->ids = p;
		e->cap = c;
	}
	e->ids[e->n++] = (int32_t)id;
	return 0;
}

/* Encode a text line with the vocabulary into e->ids. */
static int encode_line(struct emb_tokenizer *tk, struct encode *e, struct emb_stream *in,
		       const char *line, size_t len, struct emb_err *err)
{
	char tok[80];
	int rc;

	e->n = e->total = 0;
	if ((rc = emb_token_check_line(in, line, len, err)) < 0)
		return rc;
	rc = emb_tokenizer_line(tk, line, len, on_token, e, err);
	if (rc <= 0)
		return rc;
	if (rc == 2)
		return emb_err_nomem(err, "encoding a line");
	emb_err_token(tok, sizeof tok, e->bad, e->bad_len);
	if (e->bad_id >= 0)
		return emb_stream_fail(in, err, EMB_EFORMAT,
				       "token '%s' has id %ld, not below the %llu table rows", tok,
				       e->bad_id, (unsigned long long)e->limit);
	return emb_stream_fail(in, err, EMB_EFORMAT,
			       "unknown token '%s'%s", tok, e->o->unk == EMB_PACK_UNK_ERROR ? "" :
			       " (the vocabulary has no <unk>; --unk=skip drops it)");
}

static int make_dir(const char *dir, struct emb_err *err)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return emb_err_set(err, EMB_EIO, "%s: cannot create directory: %s", dir,
			   errno == EEXIST ? strerror(ENOTDIR) : strerror(errno));
}

int emb_pack_run(const struct emb_pack_opts *o, struct emb_pack_totals *tot, struct emb_err *err)
{
	struct run run = { o, NULL, { 0, 0, 0, 0 }, o->out };
	struct emb_batch_opts bo = o->batch;
	struct emb_stream *in = NULL;
	struct emb_batcher *bt = NULL;
	struct emb_tokenizer *tk = NULL;
	struct encode enc = { o, NULL, 0, 0, 0, -1, 0, NULL, 0, -1 };
	uint64_t limit = o->id_limit;
	unsigned long long lineno;
	char *line;
	size_t len;
	int rc;

	memset(tot, 0, sizeof *tot);
	if (o->table && (!limit || o->table->rows < limit))
		limit = o->table->rows;
	run.npz_opts.flags |= EMB_OUT_NO_SYNC; /* one file per batch: rename keeps each atomic */
	if ((rc = emb_stream_open(&in, o->input, err)) < 0)
		goto done;
	bo.name = emb_stream_name(in);
	if (o->vocab) {
		if (o->unk == EMB_PACK_UNK_DEFAULT)
			enc.unk = emb_vocab_find(o->vocab, "<unk>", 5);
		else if (o->unk == EMB_PACK_UNK_TOKEN &&
			 (enc.unk = emb_vocab_find(o->vocab, o->unk_token, strlen(o->unk_token))) < 0) {
			char tok[80];
			emb_err_token(tok, sizeof tok, o->unk_token, strlen(o->unk_token));
			rc = emb_err_set(err, EMB_EINVAL, "--unk token '%s' is not in the vocabulary", tok);
			goto done;
		}
		enc.limit = o->table ? o->table->rows : 0;
		if ((rc = emb_tokenizer_new(&tk, &o->tok, err)) < 0)
			goto done;
	}
	if (o->to == EMB_PACK_TO_NPZ) {
		if ((rc = make_dir(o->output, err)) < 0)
			goto done;
	} else {
		struct emb_pack_header h = { bo.batch_first, bo.enforce_sorted, bo.padding_idx,
					     o->table ? (uint32_t)o->table->dim : 0 };
		if ((rc = emb_out_open(&run.out, o->output, &o->out, err)) < 0 ||
		    (rc = emb_pack_write_header(run.out, &h, err)) < 0)
			goto done;
	}
	if ((rc = emb_batcher_new(&bt, &bo, on_batch, &run, err)) < 0)
		goto done;

	while ((rc = emb_stream_getline(in, &line, &len, err)) == 0) {
		lineno = emb_stream_lineno(in);
		if (o->vocab)
			rc = encode_line(tk, &enc, in, line, len, err);
		else
			rc = emb_batch_parse_ids(line, len, &enc.ids, &enc.cap, o->max_len, limit,
						 &enc.n, &enc.total, bo.name, lineno, err);
		if (rc < 0)
			goto done;
		if (o->min_len && enc.total < o->min_len)
			continue;
		if (enc.total == 0) {
			rc = emb_stream_fail(in, err, EMB_EFORMAT,
					     "empty sequence (lengths must be > 0; --min-len=1 skips it)");
			goto done;
		}
		if ((rc = emb_batcher_push(bt, enc.ids, enc.n, (int64_t)(lineno - 1), err)) < 0)
			goto done;
		if (o->progress && (lineno & 0xffff) == 0)
			o->progress(o->progress_ctx, lineno, &run.tot);
	}
	if (rc < 0 || (rc = emb_batcher_finish(bt, err)) < 0)
		goto done;
	if ((rc = emb_stream_close(in, err)) < 0) {
		in = NULL;
		goto done;
	}
	in = NULL;
	if (run.out) {
		if ((rc = emb_pack_write_end(run.out, &run.tot, err)) < 0)
			goto done;
		rc = emb_out_commit(run.out, err);
		run.out = NULL;
	}
done:
	*tot = run.tot;
	emb_out_abort(run.out);
	emb_stream_abort(in);
	emb_batcher_free(bt);
	emb_tokenizer_free(tk);
	free(enc.ids);
	return rc;
}
