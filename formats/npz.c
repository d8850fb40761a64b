/*
 * npz: NumPy .npz archives written from scratch (see emb_npz.h for why and the limits).
 *
 * Each array becomes one stored zip entry NAME.npy: a local file header, the .npy v1.0 header
 * (magic, version 1.0, header length, a Python dict literal padded with spaces to a multiple of
 * 64 bytes and ended by '\n'), then the raw array in host byte order ('<' or '>' in descr says
 * which).  emb_npz_commit() appends the central directory and the end record.
 */
#include "emb_npz.h"

#include <assert.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_bytes.h"

#define ZIP_LOCAL_SIG 0x04034b50u
#define ZIP_CENTRAL_SIG 0x02014b50u
#define ZIP_END_SIG 0x06054b50u
#define ZIP_VERSION 20            /* 2.0: what stored entries need */
#define ZIP_DATE_1980 0x0021      /* 1980-01-01, the earliest DOS date: deterministic output */
#define NAME_MAX_LEN 64

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NPY_ORDER ">"
#else
#define NPY_ORDER "<"
#endif

struct entry {
	char name[NAME_MAX_LEN + 5];
	size_t name_len;
	uint32_t crc, size, offset;
};

struct emb_npz {
	struct emb_out *out;
	struct entry *e;
	size_t n, cap;
	int64_t *wide;
	size_t wide_cap;
};

int emb_npz_open(struct emb_npz **out, const char *path, const struct emb_out_opts *oo,
		 struct emb_err *err)
{
	struct emb_out_opts o = *oo;
	struct emb_npz *z;
	int rc;

	*out = NULL;
	o.flags = (o.flags & ~(unsigned)EMB_OUT_GZIP) | EMB_OUT_NO_GZ_NAME;
	o.level = 0;
	if (!(z = calloc(1, sizeof *z)))
		return emb_err_nomem(err, "opening an npz archive");
	if ((rc = emb_out_open(&z->out, path, &o, err)) < 0) {
		free(z);
		return rc;
	}
	*out = z;
	return 0;
}

void emb_npz_abort(struct emb_npz *z)
{
	if (!z)
		return;
	emb_out_abort(z->out);
	free(z->e);
	free(z->wide);
	free(z);
}

/* The .npy header for an array: magic, version, length, dict padded to 64 bytes. */
static size_t npy_header(char *dst, size_t cap, const char *descr, const size_t *shape, int ndim)
{
	char dict[160];
	size_t n, total;

	if (ndim == 1)
		n = (size_t)snprintf(dict, sizeof dict,
				     "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }",
				     descr, shape[0]);
	else
		n = (size_t)snprintf(dict, sizeof dict,
				     "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
				     descr, shape[0], shape[1]);
	total = (10 + n + 1 + 63) / 64 * 64;
	assert(total <= cap);
	memcpy(dst, "\x93NUMPY\x01\x00", 8);
	dst[8] = (char)((total - 10) & 0xff);
	dst[9] = (char)((total - 10) >> 8);
	memcpy(dst + 10, dict, n);
	memset(dst + 10 + n, ' ', total - 10 - n - 1);
	dst[total - 1] = '\n';
	return total;
}

int emb_npz_add(struct emb_npz *z, const char *name, enum emb_npy_type type, const size_t *shape,
		int ndim, const void *data, struct emb_err *err)
{
	unsigned char local[30];
	char hdr[256];
	const char *descr = type == EMB_NPY_F32 ? NPY_ORDER "f4" : NPY_ORDER "i8";
	size_t count = shape[0], elsize = type == EMB_NPY_F32 ? 4 : 8, bytes, hlen, total;
	uint64_t offset = emb_out_bytes(z->out);
	struct entry *e;
	uint32_t crc;
	int rc;

	assert(ndim == 1 || ndim == 2);
	assert(strlen(name) <= NAME_MAX_LEN);
	if ((ndim == 2 && !emb_mul_ok(count, shape[1], &count)) || !emb_mul_ok(count, elsize, &bytes))
		return emb_err_set(err, EMB_ELIMIT, "%s: array '%s' is too large",
				   emb_out_name(z->out), name);
	if (type == EMB_NPY_I64_FROM_I32) {
		const int32_t *s = data;
		if (count > z->wide_cap) {
			int64_t *w = realloc(z->wide, bytes ? bytes : 1);
			if (!w)
				return emb_err_nomem(err, "widening an array");
			z->wide = w;
			z->wide_cap = count;
		}
		for (size_t i = 0; i < count; i++)
			z->wide[i] = s[i];
		data = z->wide;
	}
	hlen = npy_header(hdr, sizeof hdr, descr, shape, ndim);
	total = hlen + bytes;
	if (total > UINT32_MAX || offset > UINT32_MAX)
		return emb_err_set(err, EMB_ELIMIT, "%s: array '%s' passes 4 GiB (zip64 is not written)",
				   emb_out_name(z->out), name);
	if (z->n == z->cap) {
		size_t c = z->cap ? z->cap * 2 : 8;
		struct entry *ne = realloc(z->e, c * sizeof *ne);
		if (!ne)
			return emb_err_nomem(err, "adding to an npz archive");
		z->e = ne;
		z->cap = c;
	}
	crc = (uint32_t)libdeflate_crc32(0, hdr, hlen);
	crc = (uint32_t)libdeflate_crc32(crc, data, bytes);
	e = &z->e[z->n++];
	e->name_len = (size_t)snprintf(e->name, sizeof e->name, "%s.npy", name);
	e->crc = crc;
	e->size = (uint32_t)total;
	e->offset = (uint32_t)offset;

	emb_put_le32(local, ZIP_LOCAL_SIG);
	local[4] = ZIP_VERSION; local[5] = 0;
	memset(local + 6, 0, 6);                    /* flags, method 0 (stored), time */
	local[12] = ZIP_DATE_1980 & 0xff; local[13] = ZIP_DATE_1980 >> 8;
	emb_put_le32(local + 14, crc);
	emb_put_le32(local + 18, e->size);          /* compressed = uncompressed */
	emb_put_le32(local + 22, e->size);
	local[26] = (unsigned char)e->name_len; local[27] = 0;
	local[28] = 0; local[29] = 0;               /* no extra field */
	if ((rc = emb_out_write(z->out, local, sizeof local, err)) < 0 ||
	    (rc = emb_out_write(z->out, e->name, e->name_len, err)) < 0 ||
	    (rc = emb_out_write(z->out, hdr, hlen, err)) < 0 ||
	    (rc = emb_out_write(z->out, data, bytes, err)) < 0)
		return rc;
	return 0;
}

int emb_npz_commit(struct emb_npz *z, struct emb_err *err)
{
	uint64_t cd_start = emb_out_bytes(z->out), cd_size;
	unsigned char c[46], end[22];
	int rc;

	for (size_t i = 0; i < z->n; i++) {
		const struct entry *e = &z->e[i];
		memset(c, 0, sizeof c);
		emb_put_le32(c, ZIP_CENTRAL_SIG);
		c[4] = ZIP_VERSION;                 /* made by: MS-DOS, 2.0 */
		c[6] = ZIP_VERSION;                 /* needed */
		c[14] = ZIP_DATE_1980 & 0xff; c[15] = ZIP_DATE_1980 >> 8;
		emb_put_le32(c + 16, e->crc);
		emb_put_le32(c + 20, e->size);
		emb_put_le32(c + 24, e->size);
		c[28] = (unsigned char)e->name_len;
		emb_put_le32(c + 42, e->offset);
		if ((rc = emb_out_write(z->out, c, sizeof c, err)) < 0 ||
		    (rc = emb_out_write(z->out, e->name, e->name_len, err)) < 0)
			goto fail;
	}
	cd_size = emb_out_bytes(z->out) - cd_start;
	if (cd_start > UINT32_MAX || cd_size > UINT32_MAX) {
		rc = emb_err_set(err, EMB_ELIMIT, "%s: archive passes 4 GiB (zip64 is not written)",
				 emb_out_name(z->out));
		goto fail;
	}
	memset(end, 0, sizeof end);
	emb_put_le32(end, ZIP_END_SIG);
	end[8] = end[10] = (unsigned char)z->n;     /* entries on this disk / in all */
	end[9] = end[11] = (unsigned char)(z->n >> 8);
	emb_put_le32(end + 12, (uint32_t)cd_size);
	emb_put_le32(end + 16, (uint32_t)cd_start);
	if ((rc = emb_out_write(z->out, end, sizeof end, err)) < 0)
		goto fail;
	rc = emb_out_commit(z->out, err);
	z->out = NULL;
fail:
	emb_npz_abort(z);
	return rc;
}

int emb_npz_write_batch(const char *dir, const struct emb_batch *b, const struct emb_out_opts *oo,
			struct emb_err *err)
{
	struct emb_npz *z = NULL;
	size_t dlen = strlen(dir), plen = dlen + 40;
	size_t pshape[2] = { b->batch_first ? b->n : b->maxlen, b->batch_first ? b->maxlen : b->n };
	size_t nb = b->n, nt = b->maxlen, nk = b->tokens, vshape[2] = { b->tokens, b->dim };
	char *path;
	int rc;

	if (!(path = malloc(plen)))
		return emb_err_nomem(err, "naming an npz archive");
	snprintf(path, plen, "%s%sbatch-%06llu.npz", dir, dlen && dir[dlen - 1] == '/' ? "" : "/",
		 (unsigned long long)b->number);
	if ((rc = emb_npz_open(&z, path, oo, err)) < 0 ||
	    (rc = emb_npz_add(z, "padded", EMB_NPY_I64_FROM_I32, pshape, 2, b->padded, err)) < 0 ||
	    (rc = emb_npz_add(z, "lengths", EMB_NPY_I64_FROM_I32, &nb, 1, b->lengths, err)) < 0 ||
	    (rc = emb_npz_add(z, "index", EMB_NPY_I64, &nb, 1, b->index, err)) < 0 ||
	    (rc = emb_npz_add(z, "data", EMB_NPY_I64_FROM_I32, &nk, 1, b->data, err)) < 0 ||
	    (rc = emb_npz_add(z, "batch_sizes", EMB_NPY_I64_FROM_I32, &nt, 1, b->batch_sizes,
			      err)) < 0 ||
	    (rc = emb_npz_add(z, "sorted_indices", EMB_NPY_I64_FROM_I32, &nb, 1, b->sorted,
			      err)) < 0 ||
	    (rc = emb_npz_add(z, "unsorted_indices", EMB_NPY_I64_FROM_I32, &nb, 1, b->unsorted,
			      err)) < 0 ||
	    (b->dim && (rc = emb_npz_add(z, "vectors", EMB_NPY_F32, vshape, 2, b->vectors, err)) < 0))
		goto done;
	rc = emb_npz_commit(z, err);
	z = NULL;
done:
	emb_npz_abort(z);
	free(path);
	return rc;
}
