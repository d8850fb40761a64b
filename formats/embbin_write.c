/*
 * EMB writer: header, sections and matrix (float32 or float16) of a table, in the layout of
 * formats/EMB.md; see embbin.c for the reader and the format's outline.
 */
#include "emb_format.h"
#include "fmt_text.h"

#include <errno.h>
#include <libdeflate.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "emb_float.h"
#include "emb_buf.h"
#include "emb_bytes.h"
#include "emb_subword.h"
#include "embbin_impl.h"

/* ---- writing ---- */

static int wb_put(struct emb_buf *b, const void *p, size_t n, struct emb_err *err)
{
	return emb_buf_put(b, p, n, "building the EMB vocabulary", err);
}

static int wb_u32(struct emb_buf *b, uint32_t v, struct emb_err *err)
{
	unsigned char x[4];
	emb_put_le32(x, v);
	return wb_put(b, x, 4, err);
}

static int wb_u64(struct emb_buf *b, uint64_t v, struct emb_err *err)
{
	unsigned char x[8];
	emb_put_le64(x, v);
	return wb_put(b, x, 8, err);
}

/* Zero padding up to the next section's header, then that header. */
static int put_section_header(struct emb_out *out, uint64_t *pos, int s, uint32_t crc,
			      uint64_t len, struct emb_err *err)
{
	static const unsigned char zeros[ALIGN];
	unsigned char h[SECTION_LEN];
	uint64_t at = payload_at(*pos) - SECTION_LEN;
	int rc;

	if ((rc = emb_out_write(out, zeros, (size_t)(at - *pos), err)) < 0)
		return rc;
	memcpy(h, tags[s], 4);
	emb_put_le32(h + 4, crc);
	emb_put_le64(h + 8, len);
	if ((rc = emb_out_write(out, h, SECTION_LEN, err)) < 0)
		return rc;
	*pos = at + SECTION_LEN + len;
	return 0;
}

static int put_section(struct emb_out *out, uint64_t *pos, int s, const struct emb_buf *b,
		       struct emb_err *err)
{
	int rc = put_section_header(out, pos, s, crc32_of(0, b->p, b->len), b->len, err);
	return rc < 0 ? rc : emb_out_write(out, b->p, b->len, err);
}

/* Convert values [i, i+n) to float16 into dst; ELIMIT for a finite value out of range. */
static int to_f16(unsigned char *dst, const float *v, size_t n, struct emb_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint16_t h = emb_f32_to_f16(v[i]);
		if ((h & 0x7c00) == 0x7c00 && isfinite(v[i]))
			return emb_err_set(err, EMB_ELIMIT, "value %g does not fit float16", v[i]);
		dst[2 * i] = (unsigned char)h;
		dst[2 * i + 1] = (unsigned char)(h >> 8);
	}
	return 0;
}

/* Section S holding ROWS x DIM values of DATA (float32 or float16). */
static int put_matrix(const float *data, size_t rows, size_t dim, int s, struct emb_out *out,
		      uint64_t *pos, bool f16, struct emb_err *err)
{
	size_t n = rows * dim, i, step = CHUNK / 2;
	unsigned char *buf = NULL;
	uint32_t crc = 0;
	int rc = 0, pass;

#if __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	if (!f16) {
		if ((rc = put_section_header(out, pos, s, crc32_of(0, data, n * 4), n * 4, err)) < 0)
			return rc;
		return emb_out_write(out, data, n * 4, err);
	}
#endif
	if (!(buf = malloc(CHUNK)))
		return emb_err_nomem(err, "writing the matrix");
	/* pass 0 computes the CRC that precedes the payload, pass 1 writes it */
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		if (pass == 1 && (rc = put_section_header(out, pos, s, crc,
							  (uint64_t)n * (f16 ? 2 : 4), err)) < 0)
			break;
		for (i = 0; i < n && rc == 0; i += step) {
			size_t k = n - i < step ? n - i : step, bytes = k * (f16 ? 2 : 4), j;
			if (f16)
				rc = to_f16(buf, data + i, k, err);
			else
				for (j = 0; j < k; j++) {
					uint32_t u;
					memcpy(&u, data + i + j, 4);
					emb_put_le32(buf + 4 * j, u);
				}
			if (rc == 0 && pass == 0)
				crc = crc32_of(crc, buf, bytes);
			else if (rc == 0)
				rc = emb_out_write(out, buf, bytes, err);
		}
	}
	free(buf);
	return rc;
}

/* The SUBW and NGRM sections of a table with subwords. */
static int put_subwords(const struct emb_subword *sw, struct emb_out *out, uint64_t *pos,
			bool f16, struct emb_err *err)
{
	unsigned char p[SUBW_LEN];
	struct emb_buf b = { p, SUBW_LEN, SUBW_LEN };
	int rc;

	emb_put_le32(p, sw->minn);
	emb_put_le32(p + 4, sw->maxn);
	emb_put_le32(p + 8, sw->bucket);
	emb_put_le32(p + 12, SUBW_FASTTEXT);
	if ((rc = put_section(out, pos, S_SUBW, &b, err)) < 0)
		return rc;
	return put_matrix(sw->rows, sw->bucket, sw->dim, S_NGRM, out, pos, f16, err);
}

static int build_vocab_sections(const struct emb_table *t, struct emb_buf *toks,
				struct emb_buf *offs, struct emb_buf *cnts, struct emb_buf *hash,
				struct emb_err *err)
{
	uint64_t nslots = 0, mask, i;
	bool counts = false;
	int rc = 0;

	for (i = 0; i < t->rows && !counts; i++)
		counts = emb_table_count(t, i) != 0;
	for (i = 0; i < t->rows && rc == 0; i++) {
		size_t len;
		const char *tok = emb_table_token(t, i, &len);
		if ((rc = fmt_check_token(tok, len, true, err)) == 0 &&
		    (rc = wb_u64(offs, toks->len, err)) == 0 && (rc = wb_put(toks, tok, len, err)) == 0)
			rc = wb_put(toks, "", 1, err);
		if (rc == 0 && counts)
			rc = wb_u64(cnts, emb_table_count(t, i), err);
	}
	if (rc < 0 || (rc = wb_u64(offs, toks->len, err)) < 0)
		return rc;
	if (t->rows < UINT32_MAX / 4)
		for (nslots = 16; nslots < 2 * (uint64_t)t->rows; nslots *= 2)
			;
	if ((rc = wb_u64(hash, nslots, err)) < 0)
		return rc;
	if (nslots == 0)
		return 0;
	if (!(hash->p = realloc(hash->p, 8 + 4 * nslots)))
		return emb_err_nomem(err, "building the EMB index");
	memset(hash->p + 8, 0, 4 * nslots);
	hash->len = hash->cap = 8 + 4 * nslots;
	mask = nslots - 1;
	for (i = 0; i < t->rows; i++) {
		size_t len;
		const char *tok = emb_table_token(t, i, &len);
		uint64_t h = emb_table_hash(tok, len);
		while (emb_le32(hash->p + 8 + 4 * (h & mask)))
			h++;
		emb_put_le32(hash->p + 8 + 4 * (h & mask), (uint32_t)(i + 1));
	}
	return 0;
}

int fmt_emb_write(const struct emb_table *t, struct emb_out *out, const struct emb_write_opts *o,
		     struct emb_err *err)
{
	struct emb_buf b[S_MATX];
	unsigned char h[HEADER_LEN];
	uint64_t pos = HEADER_LEN;
	size_t i;
	int rc = 0, s;

	memset(b, 0, sizeof b);
	if ((rc = wb_u32(&b[S_META], (uint32_t)emb_table_meta_count(t), err)) < 0)
		goto done;
	for (i = 0; i < emb_table_meta_count(t) && rc == 0; i++) {
		const char *k, *v;
		emb_table_meta_at(t, i, &k, &v);
		if ((rc = wb_u32(&b[S_META], (uint32_t)strlen(k), err)) == 0 &&
		    (rc = wb_put(&b[S_META], k, strlen(k), err)) == 0 &&
		    (rc = wb_u32(&b[S_META], (uint32_t)strlen(v), err)) == 0)
			rc = wb_put(&b[S_META], v, strlen(v), err);
	}
	if (rc < 0 || (rc = build_vocab_sections(t, &b[S_TOKS], &b[S_OFFS], &b[S_CNTS], &b[S_HASH],
						 err)) < 0)
		goto done;
	memset(h, 0, sizeof h);
	memcpy(h, emb_magic, 8);
	emb_put_le32(h + 8, VERSION);
	emb_put_le32(h + 12, o->f16 ? DTYPE_F16 : DTYPE_F32);
	emb_put_le64(h + 16, t->rows);
	emb_put_le64(h + 24, t->dim);
	emb_put_le64(h + 32, (uint64_t)(int64_t)t->padding_idx);
	emb_put_le32(h + 40, (b[S_CNTS].len ? FLAG_COUNTS : 0) | (t->subword ? FLAG_SUBWORDS : 0));
	emb_put_le32(h + 44, t->subword ? NSECT : S_MATX + 1);
	emb_put_le32(h + 60, crc32_of(0, h, 60));
	if ((rc = emb_out_write(out, h, HEADER_LEN, err)) < 0)
		goto done;
	for (s = 0; s < S_MATX && rc == 0; s++)
		rc = put_section(out, &pos, s, &b[s], err);
	if (rc == 0)
		rc = put_matrix(t->data, t->rows, t->dim, S_MATX, out, &pos, o->f16, err);
	if (rc == 0 && t->subword)
		rc = put_subwords(t->subword, out, &pos, o->f16, err);
done:
	for (s = 0; s < S_MATX; s++)
		free(b[s].p);
	return rc;
}
