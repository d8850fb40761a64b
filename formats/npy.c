/*
 * npy: a table's matrix as one NumPy .npy file (float32, C order, [rows, dim]), which
 * `numpy.load(p, mmap_mode="r")` maps in place.  A .npy holds one array and no tokens, so the
 * vocabulary lives beside it: NAME.npy (or NAME.npy.gz) goes with NAME.vocab.tsv ("token TAB
 * count" lines, tokvocab's format), written by the writer and required by the reader (a matrix
 * read from standard input has no "beside" and is refused).  Metadata and padding_idx are not
 * kept: use EMB or safetensors for a whole table.
 *
 * The .npy layout (numpy.lib.format, NEP 1): magic "\x93NUMPY", version (1.0: u16 header
 * length; 2.0 and 3.0: u32), a Python dict literal {'descr', 'fortran_order', 'shape'} padded
 * with spaces and ended by '\n' so the data starts at a multiple of 64, then the data.  We
 * write version 1.0; we read all three, '<f4' only, not Fortran order, exactly two dimensions.
 */
#include "emb_format.h"
#include "fmt_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_tsv.h"
#include "emb_bytes.h"

#define MAX_DICT ((size_t)1 << 20)

/* NAME.vocab.tsv for NAME.npy[.gz]; NULL (and *err) when PATH is not such a name. */
static char *vocab_path(const char *path, int code, struct emb_err *err)
{
	size_t n = strlen(path);
	char *p;

	if (n >= 3 && strcmp(path + n - 3, ".gz") == 0)
		n -= 3;
	if (n < 4 || memcmp(path + n - 4, ".npy", 4) != 0) {
		emb_err_set(err, code, "%s: a .npy matrix keeps its tokens beside it in "
			    "NAME.vocab.tsv, so it needs a file name ending in .npy", path);
		return NULL;
	}
	n -= 4;
	if (!(p = malloc(n + sizeof ".vocab.tsv"))) {
		emb_err_nomem(err, "naming a vocabulary file");
		return NULL;
	}
	memcpy(p, path, n);
	memcpy(p + n, ".vocab.tsv", sizeof ".vocab.tsv");
	return p;
}

/* ---- writing ---- */

/* NAME.vocab.tsv written in full into its temporary file; committed with the matrix. */
static int write_vocab(const struct emb_table *t, const char *path, struct emb_out **vout,
		       struct emb_err *err)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_out *out = NULL;
	size_t i;
	int rc;

	oo.level = 0;
	oo.flags = EMB_OUT_NO_GZ_NAME;
	*vout = NULL;
	if ((rc = emb_out_open(&out, path, &oo, err)) < 0)
		return rc;
	for (i = 0; i < t->rows; i++) {
		size_t len;
		const char *tok = emb_table_token(t, i, &len);
		if ((rc = emb_tsv_write_field(out, tok, len, '\t', '\t', err)) < 0 ||
		    (rc = emb_tsv_write_u64(out, emb_table_count(t, i), '\n', err)) < 0) {
			emb_out_abort(out);
			return rc;
		}
	}
	*vout = out;
	return 0;
}

static int npy_write(const struct emb_table *t, struct emb_out *out, const struct emb_write_opts *o,
		     struct emb_err *err)
{
	char hdr[192], dict[128];
	struct emb_out *vout = NULL;
	size_t n, total;
	char *vpath;
	int rc;

	(void)o;
	if (emb_out_is_stdout(out))
		return emb_err_set(err, EMB_EINVAL, "a .npy matrix keeps its tokens beside it in "
				   "NAME.vocab.tsv, so it cannot go to standard output");
	if (!(vpath = vocab_path(emb_out_name(out), EMB_EINVAL, err)))
		return err->code;
	n = (size_t)snprintf(dict, sizeof dict,
			     "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }",
			     t->rows, t->dim);
	total = (10 + n + 1 + 63) / 64 * 64;
	memcpy(hdr, "\x93NUMPY\x01\x00", 8);
	hdr[8] = (char)((total - 10) & 0xff);
	hdr[9] = (char)((total - 10) >> 8);
	memcpy(hdr + 10, dict, n);
	memset(hdr + 10 + n, ' ', total - 10 - n - 1);
	hdr[total - 1] = '\n';
	if ((rc = emb_out_write(out, hdr, total, err)) < 0)
		goto done;
	rc = fmt_write_f32le(out, t->data, t->rows * t->dim, err);
	/* the vocabulary is renamed into place by the caller's commit, after the matrix's data is
	 * closed and just before the matrix is renamed: a failed write replaces neither file */
	if (rc == 0 && (rc = write_vocab(t, vpath, &vout, err)) == 0)
		emb_out_attach(out, vout);
done:
	free(vpath);
	return rc;
}

/* ---- reading ---- */

struct dict {
	const char *p;
	size_t n, i;
};

static void dws(struct dict *d)
{
	while (d->i < d->n && (d->p[d->i] == ' ' || d->p[d->i] == '\n'))
		d->i++;
}

static bool dchar(struct dict *d, char c)
{
	dws(d);
	if (d->i < d->n && d->p[d->i] == c) {
		d->i++;
		return true;
	}
	return false;
}

/* A quoted Python string (no escapes in what numpy writes); *s, *len point into the dict. */
static bool dstring(struct dict *d, const char **s, size_t *len)
{
	char q;

	dws(d);
	if (d->i >= d->n || (d->p[d->i] != '\'' && d->p[d->i] != '"'))
		return false;
	q = d->p[d->i++];
	*s = d->p + d->i;
	while (d->i < d->n && d->p[d->i] != q && d->p[d->i] != '\\')
		d->i++;
	if (d->i >= d->n || d->p[d->i] != q)
		return false;
	*len = (size_t)(d->p + d->i - *s);
	d->i++;
	return true;
}

static bool dword(struct dict *d, const char *w)
{
	size_t k = strlen(w);

	dws(d);
	if (d->n - d->i >= k && memcmp(d->p + d->i, w, k) == 0) {
		d->i += k;
		return true;
	}
	return false;
}

/* '(' n, n, ')' (a trailing comma allowed): the shape, at most 4 dimensions. */
static bool dshape(struct dict *d, uint64_t *shape, int *rank)
{
	*rank = 0;
	if (!dchar(d, '('))
		return false;
	for (;;) {
		uint64_t v = 0;
		size_t start;
		if (dchar(d, ')'))
			return true;
		if (*rank == 4)
			return false;
		dws(d);
		start = d->i;
		while (d->i < d->n && d->p[d->i] >= '0' && d->p[d->i] <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				return false;
			v = v * 10 + (uint64_t)(d->p[d->i++] - '0');
		}
		if (d->i == start)
			return false;
		shape[(*rank)++] = v;
		if (!dchar(d, ',')) {
			return dchar(d, ')');
		}
	}
}

static int npy_bad(struct emb_stream *in, struct emb_err *err, int code, const char *what)
{
	return emb_err_set_at(err, code, emb_stream_name(in), 0, "%s", what);
}

/* The header dict: descr '<f4', not Fortran order, two dimensions. */
static int parse_dict(struct emb_stream *in, const char *p, size_t n, uint64_t *rows,
		      uint64_t *dim, struct emb_err *err)
{
	struct dict d = { p, n, 0 };
	bool seen[3] = { false, false, false };
	uint64_t shape[4];
	int rank = 0;

	if (!dchar(&d, '{'))
		return npy_bad(in, err, EMB_EFORMAT, "bad .npy header: expected '{'");
	while (!dchar(&d, '}')) {
		const char *k, *v;
		size_t kl, vl;
		if (!dstring(&d, &k, &kl) || !dchar(&d, ':'))
			return npy_bad(in, err, EMB_EFORMAT, "bad .npy header: expected 'key':");
		if (kl == 5 && memcmp(k, "descr", 5) == 0 && !seen[0]) {
			seen[0] = true;
			if (!dstring(&d, &v, &vl))
				return npy_bad(in, err, EMB_EFORMAT, "bad .npy header: descr");
			if (vl != 3 || memcmp(v, "<f4", 3) != 0)
				return npy_bad(in, err, EMB_EFORMAT,
					       ".npy dtype must be little-endian float32 ('<f4')");
		} else if (kl == 13 && memcmp(k, "fortran_order", 13) == 0 && !seen[1]) {
			seen[1] = true;
			if (dword(&d, "True"))
				return npy_bad(in, err, EMB_EFORMAT, ".npy in Fortran order is not read");
			if (!dword(&d, "False"))
				return npy_bad(in, err, EMB_EFORMAT, "bad .npy header: fortran_order");
		} else if (kl == 5 && memcmp(k, "shape", 5) == 0 && !seen[2]) {
			seen[2] = true;
			if (!dshape(&d, shape, &rank))
				return npy_bad(in, err, EMB_EFORMAT, "bad .npy header: shape");
		} else {
			return npy_bad(in, err, EMB_EFORMAT, "bad .npy header: unknown or repeated key");
		}
		if (!dchar(&d, ',')) {
			if (!dchar(&d, '}'))
				return npy_bad(in, err, EMB_EFORMAT, "bad .npy header: expected ',' or '}'");
			break;
		}
	}
	dws(&d);
	if (d.i != d.n || !seen[0] || !seen[1] || !seen[2])
		return npy_bad(in, err, EMB_EFORMAT, "bad .npy header: descr, fortran_order and shape");
	if (rank != 2)
		return npy_bad(in, err, EMB_EFORMAT, ".npy table must have two dimensions (rows, dim)");
	if (shape[1] < 1 || shape[1] > EMB_MAX_DIM || shape[0] > EMB_MAX_ROWS)
		return npy_bad(in, err, EMB_ELIMIT, ".npy shape out of range");
	*rows = shape[0];
	*dim = shape[1];
	return 0;
}

static int read_header(struct emb_stream *in, uint64_t *rows, uint64_t *dim, struct emb_err *err)
{
	unsigned char pre[12];
	size_t hl, pl;
	char *dict;
	int rc;

	if ((rc = emb_stream_read_full(in, pre, 10, err)) != 0)
		return rc == EMB_EOF ? npy_bad(in, err, EMB_EFORMAT, "empty input")
		       : rc == EMB_ETRUNC ? npy_bad(in, err, EMB_ETRUNC, "input ends in the .npy header")
		       : rc;
	if (memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] < 1 || pre[6] > 3 || pre[7] != 0)
		return npy_bad(in, err, EMB_EFORMAT, "not a .npy file of version 1, 2 or 3");
	pl = 10;
	hl = (size_t)pre[8] | (size_t)pre[9] << 8;
	if (pre[6] > 1) {
		if ((rc = emb_stream_read_full(in, pre + 10, 2, err)) != 0)
			return rc < 0 && rc != EMB_ETRUNC
				       ? rc : npy_bad(in, err, EMB_ETRUNC, "input ends in the .npy header");
		hl = emb_le32(pre + 8);
		pl = 12;
	}
	if (hl == 0 || hl > MAX_DICT)
		return npy_bad(in, err, EMB_ELIMIT, ".npy header length out of range");
	if (!(dict = malloc(hl)))
		return emb_err_nomem(err, "reading a .npy header");
	if ((rc = emb_stream_read_full(in, dict, hl, err)) != 0)
		rc = rc < 0 && rc != EMB_ETRUNC ? rc
		     : npy_bad(in, err, EMB_ETRUNC, "input ends in the .npy header");
	else if (dict[hl - 1] != '\n' || (pl + hl) % 16)
		rc = npy_bad(in, err, EMB_EFORMAT, "bad .npy header: not padded and ended by a newline");
	else
		rc = parse_dict(in, dict, hl - 1, rows, dim, err);
	free(dict);
	return rc;
}

static int read_matrix(struct emb_table *t, struct emb_stream *in, uint64_t rows,
		       struct emb_err *err)
{
	uint64_t end_row = 0;
	unsigned char extra;
	size_t got;
	int rc = fmt_read_f32le_rows(t, in, rows, &end_row, err);

	if (rc == EMB_ETRUNC)
		return emb_err_set_at(err, EMB_ETRUNC, emb_stream_name(in), 0,
				      "input ends inside row %llu", (unsigned long long)end_row);
	if (rc < 0)
		return rc;
	if ((rc = emb_stream_read(in, &extra, 1, &got, err)) < 0)
		return rc;
	return rc == 0 ? npy_bad(in, err, EMB_EFORMAT, "bytes after the .npy matrix") : 0;
}

/* The tokens from NAME.vocab.tsv: one per row, the first KEEP taken. */
static int take_vocab(struct emb_table *t, struct emb_stream *in, size_t keep, struct emb_err *err)
{
	struct emb_vocab *v = NULL, *k = NULL;
	char *path = vocab_path(emb_stream_name(in), EMB_EFORMAT, err);
	size_t i;
	int rc;

	if (!path)
		return err->code;
	if ((rc = emb_vocab_load(&v, path, EMB_VOCAB_NO_COUNTS, err)) < 0)
		goto done;
	if (emb_vocab_size(v) != t->rows) {
		rc = emb_err_set(err, EMB_EFORMAT, "%s: %zu tokens for the %zu rows of %s", path,
				 emb_vocab_size(v), t->rows, emb_stream_name(in));
		goto done;
	}
	if ((rc = emb_vocab_new(&k, err)) < 0)
		goto done;
	for (i = 0; i < keep && rc == 0; i++) {
		size_t n;
		const char *tok = emb_vocab_token(v, i, &n);
		rc = emb_vocab_add(k, tok, n, emb_vocab_count(v, i), NULL, err);
	}
	if (rc < 0)
		goto done;
	emb_vocab_free(t->vocab);
	t->vocab = k;
	k = NULL;
done:
	emb_vocab_free(v);
	emb_vocab_free(k);
	free(path);
	return rc;
}

static int npy_read(struct emb_table **out, struct emb_stream *in, const struct emb_read_opts *o,
		    struct emb_err *err)
{
	struct emb_table *t = NULL;
	uint64_t rows = 0, dim = 0;
	size_t keep;
	int rc;

	*out = NULL;
	if ((rc = read_header(in, &rows, &dim, err)) < 0 ||
	    (rc = emb_table_new(&t, 0, (size_t)dim, err)) < 0 ||
	    (rc = read_matrix(t, in, rows, err)) < 0)
		goto done;
	keep = o->limit && o->limit < t->rows ? o->limit : t->rows;
	if ((rc = take_vocab(t, in, keep, err)) < 0 || (rc = emb_table_resize(t, keep, err)) < 0)
		goto done;
	if ((rc = fmt_check_finite(t, in, o, err)) < 0)
		goto done;
	*out = t;
	t = NULL;
done:
	emb_table_free(t);
	return rc;
}

static int npy_bid(const unsigned char *p, size_t n)
{
	return n >= 8 && memcmp(p, "\x93NUMPY", 6) == 0 ? 100 : 0;
}

const struct emb_format emb_format_npy = {
	.name = "npy",
	.bid = npy_bid,
	.read = npy_read,
	.write = npy_write,
	.has_header = false,
};
