/*
 * pack_write: writing a PACK stream (formats/PACK.md): file header, batch records, end record.
 *
 * Writing a batch: the payload CRC is chained over the arrays where they lie, then the record
 * header and the arrays go to emb_out inside one record (emb_out_begin_record/end_record), so
 * gzip members hold whole batches and uncompressed output to a pipe leaves batch by batch.
 * On a big-endian host the arrays are swapped to little-endian for the write and back after.
 */
#include "emb_pack.h"

#include <libdeflate.h>
#include <string.h>

#include "emb_bytes.h"
#include "fmt_pack.h"

/* The payload layout of PACK.md, in order; returns false when the sizes overflow. */
bool fmt_pack_layout(const struct emb_batch *b, struct pack_arr a[NARRAYS], uint64_t *payload)
{
	size_t cells, vec, total = 0, bytes;

	if (!emb_mul_ok(b->n, b->maxlen, &cells) || !emb_mul_ok(b->tokens, b->dim, &vec))
		return false;
	a[0] = (struct pack_arr){ b->index, b->n, 8 };
	a[1] = (struct pack_arr){ b->lengths, b->n, 4 };
	a[2] = (struct pack_arr){ b->sorted, b->n, 4 };
	a[3] = (struct pack_arr){ b->unsorted, b->n, 4 };
	a[4] = (struct pack_arr){ b->batch_sizes, b->maxlen, 4 };
	a[5] = (struct pack_arr){ b->padded, cells, 4 };
	a[6] = (struct pack_arr){ b->data, b->tokens, 4 };
	a[7] = (struct pack_arr){ b->vectors, vec, 4 };
	for (int i = 0; i < NARRAYS; i++)
		if (!emb_mul_ok(a[i].n, a[i].elsize, &bytes) || !emb_add_ok(total, bytes, &total))
			return false;
	*payload = total;
	return true;
}

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
void fmt_pack_swap(void *p, size_t n, size_t elsize)
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

	memcpy(p, PACK_FILE_MAGIC, 8);
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
	struct pack_arr a[NARRAYS];
	uint64_t payload;
	uint32_t crc = 0;
	int rc;

	if (!fmt_pack_layout(b, a, &payload) || b->n > UINT32_MAX || b->maxlen > UINT32_MAX)
		return emb_err_set(err, EMB_ELIMIT, "batch %llu is too large",
				   (unsigned long long)b->number);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (int i = 0; i < NARRAYS; i++)
		fmt_pack_swap(a[i].p, a[i].n, a[i].elsize);
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
		fmt_pack_swap(a[i].p, a[i].n, a[i].elsize);
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
