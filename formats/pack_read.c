/*
 * pack_read: reading a PACK stream (formats/PACK.md) one validated batch at a time.
 *
 * Each record is read whole (header, then payload in one buffer that grows only as the bytes
 * arrive), checked (CRCs, sizes, numbering, the invariants of a packed batch) and handed out as
 * an emb_batch whose arrays point into that buffer.  On a big-endian host arrays are swapped.
 * Bytes come from emb_stream, which decodes our gzip members several at a time.
 */
#include "emb_pack.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "emb_stream.h"
#include "emb_bytes.h"
#include "fmt_pack.h"

#define PAYLOAD_CHUNK ((size_t)4 << 20)

struct emb_pack_reader {
	struct emb_stream *in;
	struct emb_pack_header h;
	unsigned char *buf;
	size_t cap;
	int64_t *seen;            /* a sorted copy of a batch's index */
	size_t seen_cap;
	struct emb_batch b;
	uint64_t next;            /* number of the next batch */
	struct emb_pack_totals tot;
	uint64_t bytes;
	bool ended;
};

static const char *rname(const struct emb_pack_reader *r)
{
	return emb_stream_name(r->in);
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
	if ((rc = emb_stream_open(&r->in, path, err)) < 0)
		goto fail;
	rc = emb_stream_read_full(r->in, p, sizeof p, err);
	if (rc == EMB_EOF || (rc == 0 && memcmp(p, PACK_FILE_MAGIC, 8) != 0)) {
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
	else if (emb_le32(p + 24) != 0)
		rc = emb_err_set_at(err, EMB_EFORMAT, rname(r), 0,
				    "bad file header: reserved field is not 0");
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

const struct emb_pack_totals *emb_pack_reader_totals(const struct emb_pack_reader *r)
{
	return &r->tot;
}

uint64_t emb_pack_reader_bytes(const struct emb_pack_reader *r)
{
	return r->bytes;
}

/* Read N bytes of the current batch; a short read is "batch K truncated". */
static int read_part(struct emb_pack_reader *r, void *dst, size_t n, struct emb_err *err)
{
	int rc = emb_stream_read_full(r->in, dst, n, err);

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

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Each input line is in a batch at most once: no index negative or repeated. */
static int check_index(struct emb_pack_reader *r, const struct emb_batch *b, struct emb_err *err)
{
	size_t n = b->n;

	if (n > r->seen_cap) {
		int64_t *p = realloc(r->seen, n * sizeof *p);
		if (!p)
			return emb_err_nomem(err, "reading a PACK batch");
		r->seen = p;
		r->seen_cap = n;
	}
	memcpy(r->seen, b->index, n * sizeof *r->seen);
	qsort(r->seen, n, sizeof *r->seen, cmp_i64);
	if (r->seen[0] < 0)
		return bad(r, err, "negative index");
	for (size_t i = 1; i < n; i++)
		if (r->seen[i] == r->seen[i - 1])
			return bad(r, err, "index repeats a line");
	return 0;
}

/*
 * padded must be data unpacked: sequence j at step t < lengths[j] holds the packed id of
 * that step, and the padding value after its end.
 */
static int check_padded(struct emb_pack_reader *r, const struct emb_batch *b, struct emb_err *err)
{
	size_t n = b->n, T = b->maxlen, off = 0;

	for (size_t t = 0; t < T; t++) {
		size_t live = (size_t)b->batch_sizes[t];
		for (size_t k = 0; k < n; k++) {
			size_t j = (size_t)b->sorted[k];
			int32_t p = b->padded[b->batch_first ? j * T + t : t * n + j];
			if (p != (k < live ? b->data[off + k] : r->h.padding_idx))
				return bad(r, err, k < live ? "padded and data disagree" :
					   "padded holds an id after the end of a sequence");
		}
		off += live;
	}
	return 0;
}

/* The invariants of a packed batch (see PACK.md "Reading and errors"). */
static int check_batch(struct emb_pack_reader *r, const struct emb_batch *b, struct emb_err *err)
{
	size_t n = b->n, T = b->maxlen, sum = 0, live = n;
	bool longest = false;
	int rc;

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
		if (r->h.enforce_sorted && s != (int32_t)i)
			return bad(r, err, "sorted_indices is not the identity (enforce_sorted)");
	}
	if (sum != b->tokens || !longest)
		return bad(r, err, "lengths do not match the record header");
	/* batch_sizes[t] counts the sequences longer than t: the sorted ones before LIVE */
	for (size_t t = 0; t < T; t++) {
		while (live > 0 && (size_t)b->lengths[b->sorted[live - 1]] <= t)
			live--;
		if ((size_t)b->batch_sizes[t] != live)
			return bad(r, err, "batch_sizes do not match the lengths");
	}
	if ((rc = check_index(r, b, err)) < 0)
		return rc;
	return check_padded(r, b, err);
}

int emb_pack_reader_next(struct emb_pack_reader *r, const struct emb_batch **out,
			 struct emb_err *err)
{
	unsigned char h[EMB_PACK_RECORD_SIZE], extra;
	struct emb_batch *b = &r->b;
	struct pack_arr a[NARRAYS];
	uint64_t payload, got_payload, off = 0;
	uint32_t crc = 0;
	int rc;

	*out = NULL;
	if (r->ended)
		return EMB_EOF;
	rc = emb_stream_read_full(r->in, h, sizeof h, err);
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
		if (emb_le32(h + 4) || emb_le32(h + 8) || emb_le32(h + 12) || emb_le32(h + 40))
			return bad(r, err, "end record: reserved fields are not 0");
		if (emb_le64(h + 16) != r->tot.batches || emb_le64(h + 24) != r->tot.tokens ||
		    emb_le64(h + 32) != r->tot.sequences)
			return bad(r, err, "end record totals do not match the batches read");
		rc = emb_stream_read_full(r->in, &extra, 1, err);
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
	if (emb_le32(h + 12) != 0)
		return bad(r, err, "reserved field is not 0");
	b->number = r->next;
	b->n = emb_le32(h + 4);
	b->maxlen = emb_le32(h + 8);
	b->tokens = (size_t)emb_le64(h + 24);
	b->dim = r->h.dim;
	b->batch_first = r->h.batch_first;
	got_payload = emb_le64(h + 32);
	if (b->n == 0 || b->maxlen == 0 || emb_le64(h + 24) > SIZE_MAX || !fmt_pack_layout(b, a, &payload) ||
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
		fmt_pack_swap(a[i].p, a[i].n, a[i].elsize);
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
	free(r->buf);
	free(r->seen);
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
