/*
 * EMB: embkit's own table format (byte layout in formats/EMB.md).  Little-endian; a 64-byte
 * header with its own CRC-32, then six sections (META TOKS OFFS CNTS HASH MATX), each a 16-byte
 * section header {tag, CRC-32 of the payload, payload length} placed so that the payload starts
 * at a multiple of 64 bytes.  Written gzip-compressed by default (the gzip stream is just the
 * same bytes); raw (--level 0) the matrix is 64-byte aligned, so a reader maps the file and
 * points the table at it, and the stored token offsets and hash index let emb_table_find()
 * look a word up without building anything: opening costs the same for any size.
 *
 * Reading through a stream (gzip, a pipe, or mapping not wanted) checks every CRC and never
 * allocates from a length it has not yet seen arrive.  A mapped open checks the header and
 * META CRCs and every offset against the file size; token and index entries are bounds-checked
 * on access; the matrix CRC is not verified (that would read the whole file).
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
#include "emb_bytes.h"
#include "emb_subword.h"
#include "embbin_impl.h"

/* ---- reading ---- */

static int bad(struct emb_stream *in, struct emb_err *err, int code, uint64_t at, const char *what)
{
	return emb_err_set_at(err, code, emb_stream_name(in), 0, "byte %llu: %s",
			      (unsigned long long)at, what);
}

static int parse_header(struct emb_stream *in, const unsigned char *h, struct hdr *hd,
			struct emb_err *err)
{
	uint32_t version;

	if (memcmp(h, emb_magic, 8) != 0)
		return bad(in, err, EMB_EFORMAT, 0, "not an EMB file (bad magic)");
	if (crc32_of(0, h, 60) != emb_le32(h + 60))
		return bad(in, err, EMB_EFORMAT, 60, "header CRC mismatch");
	version = emb_le32(h + 8);
	if (version != VERSION) {
		char m[64];
		snprintf(m, sizeof m, "unsupported EMB version %u", version);
		return bad(in, err, EMB_EFORMAT, 8, m);
	}
	hd->dtype = emb_le32(h + 12);
	hd->rows = emb_le64(h + 16);
	hd->dim = emb_le64(h + 24);
	hd->padding_idx = (int64_t)emb_le64(h + 32);
	hd->flags = emb_le32(h + 40);
	if (hd->dtype != DTYPE_F32 && hd->dtype != DTYPE_F16)
		return bad(in, err, EMB_EFORMAT, 12, "unknown element type");
	if (hd->dim == 0 || hd->dim > EMB_MAX_DIM)
		return bad(in, err, EMB_ELIMIT, 24, hd->dim ? "absurd dimension" : "dimension 0");
	if (hd->rows > EMB_MAX_ROWS || hd->rows * hd->dim > (uint64_t)1 << 60)
		return bad(in, err, EMB_ELIMIT, 16, "absurd row count");
	if (hd->padding_idx < -1 || (hd->padding_idx >= 0 && (uint64_t)hd->padding_idx >= hd->rows))
		return bad(in, err, EMB_EFORMAT, 32, "padding_idx out of range");
	hd->nsect = hd->flags & FLAG_SUBWORDS ? NSECT : S_MATX + 1;
	if (hd->flags & ~(FLAG_COUNTS | FLAG_SUBWORDS) || emb_le32(h + 44) != hd->nsect)
		return bad(in, err, EMB_EFORMAT, 40, "unknown flags or section count");
	return 0;
}

/* The payload length section S must have (UINT64_MAX: any, checked later). */
static uint64_t expected_len(const struct hdr *hd, int s)
{
	uint64_t esz = hd->dtype == DTYPE_F16 ? 2 : 4;

	switch (s) {
	case S_OFFS: return 8 * (hd->rows + 1);
	case S_CNTS: return hd->flags & FLAG_COUNTS ? 8 * hd->rows : 0;
	case S_MATX: return hd->rows * hd->dim * esz;
	case S_SUBW: return SUBW_LEN;
	case S_NGRM: return (uint64_t)hd->bucket * hd->dim * esz;
	default: return UINT64_MAX;
	}
}

static int check_section(struct emb_stream *in, const unsigned char *sh, uint64_t at, int s,
			 const struct hdr *hd, uint64_t *len, struct emb_err *err)
{
	uint64_t want = expected_len(hd, s);
	char m[96];

	*len = emb_le64(sh + 8);
	if (memcmp(sh, tags[s], 4) != 0) {
		snprintf(m, sizeof m, "expected section %s", tags[s]);
		return bad(in, err, EMB_EFORMAT, at, m);
	}
	if ((want != UINT64_MAX && *len != want) || (s == S_META && *len > MAX_META) ||
	    (s == S_HASH && (*len < 8 || (*len - 8) % 4)) || *len > ((uint64_t)1 << 60)) {
		snprintf(m, sizeof m, "section %s has a bad length %llu", tags[s],
			 (unsigned long long)*len);
		return bad(in, err, EMB_EFORMAT, at + 8, m);
	}
	return 0;
}

/* The SUBW payload P (its CRC already checked) into HD. */
static int parse_subw(struct emb_stream *in, const unsigned char *p, uint64_t at, struct hdr *hd,
		      struct emb_err *err)
{
	hd->minn = emb_le32(p);
	hd->maxn = emb_le32(p + 4);
	hd->bucket = emb_le32(p + 8);
	if (emb_le32(p + 12) != SUBW_FASTTEXT)
		return bad(in, err, EMB_EFORMAT, at + 12, "unknown n-gram hashing");
	if (hd->maxn > EMB_SUBWORD_MAX_N || hd->bucket == 0)
		return bad(in, err, EMB_EFORMAT, at, "n-gram lengths or bucket count out of range");
	return 0;
}

static int check_hash_len(struct emb_stream *in, const unsigned char *p, uint64_t len,
			  uint64_t at, struct emb_err *err)
{
	uint64_t nslots = emb_le64(p);
	if ((nslots & (nslots - 1)) != 0 || len != 8 + 4 * nslots)
		return bad(in, err, EMB_EFORMAT, at, "bad HASH section");
	return 0;
}

static int parse_meta(struct emb_table *t, struct emb_stream *in, const unsigned char *p,
		      uint64_t len, uint64_t at, struct emb_err *err)
{
	uint64_t off = 4, i, n;
	int rc;

	if (len < 4)
		return bad(in, err, EMB_EFORMAT, at, "META section too short");
	n = emb_le32(p);
	for (i = 0; i < n; i++) {
		char *kv[2];
		int j;
		for (j = 0; j < 2; j++) {
			uint64_t k;
			if (len - off < 4 || (k = emb_le32(p + off)) > len - off - 4) {
				if (j)
					free(kv[0]);
				return bad(in, err, EMB_EFORMAT, at + off, "META entry overruns its section");
			}
			if (memchr(p + off + 4, 0, (size_t)k)) {
				if (j)
					free(kv[0]);
				return bad(in, err, EMB_EFORMAT, at + off, "META entry holds a NUL byte");
			}
			if (!(kv[j] = strndup((const char *)p + off + 4, (size_t)k))) {
				if (j)
					free(kv[0]);
				return emb_err_nomem(err, "reading metadata");
			}
			off += 4 + k;
		}
		rc = emb_table_meta_set(t, kv[0], kv[1], err);
		free(kv[0]);
		free(kv[1]);
		if (rc < 0)
			return rc;
	}
	if (off != len)
		return bad(in, err, EMB_EFORMAT, at + off, "META section longer than its entries");
	return 0;
}

/*
 * TOKS and OFFS agree: offsets rise from 0 to the length of TOKS, each token ends with the
 * section's NUL and holds none of its own (TOKS has exactly ROWS of them), and every token
 * follows the token rule.  One pass over OFFS and a memchr pass over TOKS: cheap next to
 * the matrix, and what makes a mapped table answer as the same file streamed.
 */
static int check_tokens(struct emb_stream *in, const struct emb_table_index *ix, size_t rows,
			uint64_t at_toks, uint64_t at_offs, size_t max_token, struct emb_err *err)
{
	struct emb_token_at ta = { emb_stream_name(in), 0, 0 };
	const char *p = ix->toks, *end = ix->toks + ix->toks_len;
	uint64_t a = emb_le64(ix->offs), nuls = 0;
	size_t i, max = max_token ? max_token : EMB_TOKEN_MAX_DEFAULT;
	bool slow;
	int rc;

	if (a != 0 || emb_le64(ix->offs + 8 * rows) != ix->toks_len)
		return bad(in, err, EMB_EFORMAT, a ? at_offs : at_offs + 8 * rows,
			   "OFFS does not span TOKS (first offset 0, last the length of TOKS)");
	for (i = 0; i < rows; i++, a = emb_le64(ix->offs + 8 * i)) {
		uint64_t b = emb_le64(ix->offs + 8 * (i + 1));
		if (b <= a || b > ix->toks_len || ix->toks[b - 1] != 0)
			return bad(in, err, EMB_EFORMAT, at_offs + 8 * (i + 1),
				   "token offsets out of order or bounds");
		ta.byte = at_toks + a;
		if ((b - a == 1 || b - a - 1 > max) &&
		    (rc = emb_token_check(ix->toks + a, (size_t)(b - a - 1), max, &ta, err)) < 0)
			return rc;
	}
	while ((p = memchr(p, 0, (size_t)(end - p)))) {
		p++;
		nuls++;
	}
	slow = nuls != rows || memchr(ix->toks, '\n', ix->toks_len) || memchr(ix->toks, '\r', ix->toks_len);
	for (i = 0; slow && i < rows; i++) { /* a byte no token may hold: name the token */
		a = emb_le64(ix->offs + 8 * i);
		ta.byte = at_toks + a;
		if ((rc = emb_token_check(ix->toks + a, (size_t)(emb_le64(ix->offs + 8 * (i + 1)) - a - 1),
					  max, &ta, err)) < 0)
			return rc;
	}
	return 0;
}

/* Fill t->vocab from the TOKS/OFFS/CNTS payloads (checked by check_tokens() first), each
 * token as o->utf8 says. */
static int fill_vocab(struct emb_table *t, struct emb_stream *in, const struct emb_table_index *ix,
		      uint64_t at_toks, uint64_t at_offs, const struct emb_read_opts *o,
		      struct emb_err *err)
{
	struct emb_token_at ta = { emb_stream_name(in), 0, 0 };
	char *fixed = NULL;
	size_t i, fixed_cap = 0;
	uint64_t bad_utf8 = 0;
	int rc;

	if ((rc = check_tokens(in, ix, t->rows, at_toks, at_offs, o->max_token, err)) < 0)
		return rc;
	for (i = 0; i < t->rows; i++) {
		uint64_t a = emb_le64(ix->offs + 8 * i), b = emb_le64(ix->offs + 8 * (i + 1));
		const char *tok;
		size_t len;
		char tb[256];
		ta.byte = at_toks + a;
		if ((rc = emb_token_utf8(ix->toks + a, (size_t)(b - a - 1), o->utf8, &fixed, &fixed_cap,
					 &tok, &len, &ta, err)) < 0)
			break;
		if (rc == 1) {
			bad_utf8++;
			if ((rc = emb_token_check(tok, len, o->max_token, &ta, err)) < 0)
				break;
		}
		rc = emb_vocab_add(t->vocab, tok, len, ix->counts ? emb_le64(ix->counts + 8 * i) : 0,
				   NULL, err);
		if (rc < 0)
			break;
		if (rc == EMB_EOF) {
			rc = emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
					    "duplicate token '%s' in row %zu",
					    emb_err_token(tb, sizeof tb, tok, len), i + 1);
			break;
		}
	}
	free(fixed);
	if (rc >= 0)
		emb_utf8_warn(o, emb_stream_name(in), bad_utf8);
	return rc < 0 ? rc : 0;
}

static void matrix_from(float *dst, const unsigned char *src, size_t n, uint32_t dtype)
{
	size_t i;

	if (dtype == DTYPE_F16) {
		for (i = 0; i < n; i++)
			dst[i] = emb_f16_to_f32((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
		return;
	}
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (i = 0; i < n; i++) {
		uint32_t u = emb_le32(src + 4 * i);
		memcpy(dst + i, &u, 4);
	}
#else
	memcpy(dst, src, n * 4);
#endif
}

/* Read LEN payload bytes into a buffer grown as they arrive (a lying length allocates
 * nothing it does not receive). */
static int read_payload(struct emb_stream *in, uint64_t len, unsigned char **out,
			struct emb_err *err)
{
	int rc = emb_stream_read_alloc(in, len, out, "reading an EMB section", err);

	return rc == EMB_EOF ? bad(in, err, EMB_ETRUNC, emb_stream_offset(in),
				   "input ends inside a section") : rc;
}

/* Skip the zero padding before the header of the section at *pos; read that header. */
static int read_section_header(struct emb_stream *in, uint64_t pos, unsigned char *sh,
			       struct emb_err *err)
{
	unsigned char pad[ALIGN];
	size_t gap = (size_t)(payload_at(pos) - SECTION_LEN - pos), i;
	int rc;

	if ((gap && (rc = emb_stream_read_full(in, pad, gap, err)) != 0) ||
	    (rc = emb_stream_read_full(in, sh, SECTION_LEN, err)) != 0)
		return rc == EMB_EOF || rc == EMB_ETRUNC
			       ? bad(in, err, EMB_ETRUNC, emb_stream_offset(in), "input ends between sections")
			       : rc;
	for (i = 0; i < gap; i++)
		if (pad[i])
			return bad(in, err, EMB_EFORMAT, pos + i, "nonzero padding");
	return 0;
}

/* ROWS rows of the matrix section at AT into T, grown as they arrive. */
static int read_matrix(struct emb_table *t, uint64_t rows, int s, struct emb_stream *in,
		       const struct hdr *hd, uint32_t crc_want, uint64_t at, struct emb_err *err)
{
	size_t esz = hd->dtype == DTYPE_F16 ? 2 : 4, row_bytes = (size_t)hd->dim * esz;
	size_t per = CHUNK / row_bytes ? CHUNK / row_bytes : 1, done = 0;
	unsigned char *buf = hd->dtype == DTYPE_F16 ? malloc(per * row_bytes) : NULL;
	uint32_t crc = 0;
	int rc = 0;

	if (hd->dtype == DTYPE_F16 && !buf)
		return emb_err_nomem(err, "reading the matrix");
	while (done < rows) {
		size_t k = rows - done < per ? (size_t)(rows - done) : per;
		unsigned char *dst;
		if ((rc = emb_table_resize(t, done + k, err)) < 0)
			break;
		dst = buf ? buf : (unsigned char *)emb_table_row(t, done);
		if ((rc = emb_stream_read_full(in, dst, k * row_bytes, err)) != 0) {
			rc = rc == EMB_EOF || rc == EMB_ETRUNC
				     ? bad(in, err, EMB_ETRUNC, at, "input ends inside the matrix") : rc;
			break;
		}
		crc = crc32_of(crc, dst, k * row_bytes);
		if (buf || __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
			matrix_from(emb_table_row(t, done), dst, k * hd->dim, hd->dtype);
		done += k;
	}
	free(buf);
	if (rc == 0 && crc != crc_want) {
		char m[64];
		snprintf(m, sizeof m, "%s section CRC mismatch", tags[s]);
		rc = bad(in, err, EMB_EFORMAT, at, m);
	}
	return rc;
}

/* Streamed: the SUBW and NGRM sections after the matrix at *POS, into t->subword. */
static int read_subwords(struct emb_table *t, struct emb_stream *in, struct hdr *hd,
			 const struct emb_read_opts *o, uint64_t *pos, struct emb_err *err)
{
	unsigned char sh[SECTION_LEN], p[SUBW_LEN];
	struct emb_subword *sw = NULL;
	uint64_t at, n;
	int rc;

	if ((rc = read_section_header(in, *pos, sh, err)) < 0 ||
	    (rc = check_section(in, sh, (at = payload_at(*pos)) - SECTION_LEN, S_SUBW, hd, &n,
				err)) < 0)
		return rc;
	if ((rc = emb_stream_read_full(in, p, SUBW_LEN, err)) != 0)
		return rc == EMB_EOF || rc == EMB_ETRUNC
			       ? bad(in, err, EMB_ETRUNC, emb_stream_offset(in), "input ends inside a section")
			       : rc;
	if (crc32_of(0, p, SUBW_LEN) != emb_le32(sh + 4))
		return bad(in, err, EMB_EFORMAT, at, "SUBW section CRC mismatch");
	*pos = at + SUBW_LEN;
	if ((rc = parse_subw(in, p, at, hd, err)) < 0 || (rc = read_section_header(in, *pos, sh, err)) < 0 ||
	    (rc = check_section(in, sh, (at = payload_at(*pos)) - SECTION_LEN, S_NGRM, hd, &n,
				err)) < 0 ||
	    (rc = emb_subword_new(&sw, hd->minn, hd->maxn, 0, (size_t)hd->dim, err)) < 0)
		return rc;
	*pos = at + n;
	if ((rc = read_matrix(sw->own, hd->bucket, S_NGRM, in, hd, emb_le32(sh + 4), at, err)) < 0 ||
	    (rc = fmt_check_finite(sw->own, in, o, err)) < 0) {
		emb_subword_free(sw);
		return rc;
	}
	sw->bucket = hd->bucket;
	sw->rows = sw->own->data;
	t->subword = sw;
	return 0;
}

static int read_streamed(struct emb_table *t, struct emb_stream *in, struct hdr *hd,
			 const struct emb_read_opts *o, struct emb_err *err)
{
	unsigned char *pay[S_MATX] = { 0 };
	uint64_t len[S_MATX] = { 0 }, at[S_MATX + 1] = { 0 };
	uint64_t pos = HEADER_LEN;
	unsigned char sh[SECTION_LEN], extra;
	struct emb_table_index ix;
	size_t got;
	int rc = 0, s;

	for (s = 0; s <= S_MATX; s++) {
		uint64_t n;
		if ((rc = read_section_header(in, pos, sh, err)) < 0)
			goto done;
		at[s] = payload_at(pos);
		if ((rc = check_section(in, sh, at[s] - SECTION_LEN, s, hd, &n, err)) < 0)
			goto done;
		pos = at[s] + n;
		if (s == S_MATX)
			break;
		len[s] = n;
		if ((rc = read_payload(in, n, &pay[s], err)) < 0)
			goto done;
		if (crc32_of(0, pay[s], n) != emb_le32(sh + 4)) {
			char m[64];
			snprintf(m, sizeof m, "%s section CRC mismatch", tags[s]);
			rc = bad(in, err, EMB_EFORMAT, at[s], m);
			goto done;
		}
	}
	if ((rc = parse_meta(t, in, pay[S_META], len[S_META], at[S_META], err)) < 0 ||
	    (rc = check_hash_len(in, pay[S_HASH], len[S_HASH], at[S_HASH], err)) < 0)
		goto done;
	if ((rc = read_matrix(t, hd->rows, S_MATX, in, hd, emb_le32(sh + 4), at[S_MATX], err)) < 0 ||
	    (hd->nsect == NSECT && (rc = read_subwords(t, in, hd, o, &pos, err)) < 0))
		goto done;
	if ((rc = emb_stream_read(in, &extra, 1, &got, err)) < 0)
		goto done;
	if (rc == 0) {
		rc = bad(in, err, EMB_EFORMAT, pos, "trailing bytes after the matrix");
		goto done;
	}
	memset(&ix, 0, sizeof ix);
	ix.toks = (const char *)pay[S_TOKS];
	ix.toks_len = (size_t)len[S_TOKS];
	ix.offs = pay[S_OFFS];
	ix.counts = len[S_CNTS] ? pay[S_CNTS] : NULL;
	t->rows = (size_t)hd->rows;
	if ((rc = fill_vocab(t, in, &ix, at[S_TOKS], at[S_OFFS], o, err)) < 0 ||
	    (rc = fmt_check_finite(t, in, o, err)) < 0)
		goto done;
	t->padding_idx = (long)hd->padding_idx;
done:
	for (s = 0; s < S_MATX; s++)
		free(pay[s]);
	return rc;
}

/* Raw EMB from a regular file: point the table into a read-only mapping. */
static int read_mapped(struct emb_table *t, struct emb_stream *in, int fd, struct hdr *hd,
		       const struct emb_read_opts *o, struct emb_err *err)
{
	struct emb_table_index ix;
	uint64_t pos = HEADER_LEN, at[NSECT], len[NSECT], size;
	unsigned char *m;
	struct stat st;
	int rc = 0, s;

	if (fstat(fd, &st) < 0)
		return emb_err_set(err, EMB_EIO, "%s: %s", emb_stream_name(in), strerror(errno));
	size = (uint64_t)st.st_size;
	if (size > SIZE_MAX)
		return bad(in, err, EMB_ELIMIT, 0, "file too large to map");
	m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return emb_err_set(err, EMB_EIO, "%s: mmap: %s", emb_stream_name(in), strerror(errno));
	emb_table_adopt_mapping(t, m, (size_t)size);
	for (s = 0; s < (int)hd->nsect; s++) {
		at[s] = payload_at(pos);
		if (at[s] > size)
			return bad(in, err, EMB_ETRUNC, pos, "file ends between sections");
		if ((rc = check_section(in, m + at[s] - SECTION_LEN, at[s] - SECTION_LEN, s, hd, &len[s],
					err)) < 0)
			return rc;
		if (len[s] > size - at[s])
			return bad(in, err, EMB_ETRUNC, at[s], "file ends inside a section");
		pos = at[s] + len[s];
		/* NGRM's length follows from SUBW: check and parse it now (it is 16 bytes) */
		if (s == S_SUBW && crc32_of(0, m + at[s], SUBW_LEN) != emb_le32(m + at[s] - 12))
			return bad(in, err, EMB_EFORMAT, at[s], "SUBW section CRC mismatch");
		if (s == S_SUBW && (rc = parse_subw(in, m + at[s], at[s], hd, err)) < 0)
			return rc;
	}
	if (pos != size)
		return bad(in, err, EMB_EFORMAT, pos, "trailing bytes after the matrix");
	if (crc32_of(0, m + at[S_META], (size_t)len[S_META]) != emb_le32(m + at[S_META] - 12))
		return bad(in, err, EMB_EFORMAT, at[S_META], "META section CRC mismatch");
	if ((rc = parse_meta(t, in, m + at[S_META], len[S_META], at[S_META], err)) < 0 ||
	    (rc = check_hash_len(in, m + at[S_HASH], len[S_HASH], at[S_HASH], err)) < 0)
		return rc;
	ix.toks = (const char *)m + at[S_TOKS];
	ix.toks_len = (size_t)len[S_TOKS];
	ix.offs = m + at[S_OFFS];
	ix.counts = len[S_CNTS] ? m + at[S_CNTS] : NULL;
	ix.slots = m + at[S_HASH] + 8;
	ix.nslots = emb_le64(m + at[S_HASH]);
	t->rows = (size_t)hd->rows;
	t->data = (float *)(void *)(m + at[S_MATX]);
	t->padding_idx = (long)hd->padding_idx;
	if (hd->nsect == NSECT &&
	    (rc = emb_subword_borrow(&t->subword, hd->minn, hd->maxn, hd->bucket, (size_t)hd->dim,
				     (const float *)(const void *)(m + at[S_NGRM]), err)) < 0)
		return rc;
	/* a lazy table answers with the stored bytes: only when they are to be kept as they are */
	if (o->lazy_vocab && o->utf8 == EMB_UTF8_KEEP) {
		if ((rc = check_tokens(in, &ix, t->rows, at[S_TOKS], at[S_OFFS], o->max_token, err)) < 0)
			return rc;
		emb_vocab_free(t->vocab);
		t->vocab = NULL;
		emb_table_adopt_index(t, &ix);
		return 0;
	}
	return fill_vocab(t, in, &ix, at[S_TOKS], at[S_OFFS], o, err);
}

static int emb_read(struct emb_table **out, struct emb_stream *in, const struct emb_read_opts *o,
		    struct emb_err *err)
{
	unsigned char h[HEADER_LEN];
	struct emb_table *t = NULL;
	struct hdr hd;
	int rc, fd = emb_stream_fd(in);

	*out = NULL;
	if ((rc = emb_stream_read_full(in, h, HEADER_LEN, err)) != 0)
		return rc == EMB_EOF ? emb_err_set_at(err, EMB_EFORMAT, emb_stream_name(in), 0,
						      "empty input") : rc;
	if ((rc = parse_header(in, h, &hd, err)) < 0 ||
	    (rc = emb_table_new(&t, 0, (size_t)hd.dim, err)) < 0)
		return rc;
	if (o->want_mmap && fd >= 0 && hd.dtype == DTYPE_F32 && !o->limit &&
	    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
		rc = read_mapped(t, in, fd, &hd, o, err);
	else
		rc = read_streamed(t, in, &hd, o, err);
	if (rc == 0 && o->limit)
		rc = emb_table_truncate(t, o->limit, err);
	if (rc < 0) {
		emb_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static int emb_bid(const unsigned char *p, size_t n)
{
	return n >= 8 && memcmp(p, emb_magic, 8) == 0 ? 100 : 0;
}

const struct emb_format emb_format_emb = {
	.name = "emb",
	.bid = emb_bid,
	.read = emb_read,
	.write = fmt_emb_write,
	.has_header = false,
};
