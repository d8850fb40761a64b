/*
 * emb_npz: writing NumPy .npz archives (numpy.load opens them with no other code).
 *
 * An .npz is a zip archive of .npy files.  We write it ourselves from the two specifications
 * (PKWARE APPNOTE 6.3 for zip: local headers, stored entries, central directory; NEP 1 / the
 * numpy.lib.format docstring for .npy v1.0), because what we need is small and fixed: entries
 * are stored (method 0, like numpy.savez), dated 1980-01-01 so output is deterministic, with
 * the CRC-32 computed before each local header so no data descriptor is needed.  Debian's
 * libzip would add a dependency for ~150 lines and cannot stream into emb_out.  Archives whose
 * entries or offsets pass 4 GiB would need zip64 and are refused (EMB_ELIMIT).
 *
 * Ownership: emb_npz_open() hands a writer to *out; emb_npz_commit() (atomic rename through
 * emb_out) or emb_npz_abort() free it.
 */
#ifndef EMB_NPZ_H
#define EMB_NPZ_H

#include <stddef.h>
#include <stdint.h>

#include "emb_batch.h"
#include "emb_err.h"
#include "emb_out.h"

enum emb_npy_type {
	EMB_NPY_I64,       /* int64 from int64_t */
	EMB_NPY_I64_FROM_I32, /* int64 widened from int32_t */
	EMB_NPY_F32,       /* float32 from float */
};

struct emb_npz;

/* Start the .npz archive PATH (written atomically through emb_out) into *out; add arrays, then
 * emb_npz_commit() (writes the zip directory, renames into place; frees Z, even on error) or
 * emb_npz_abort() (removes the temporary file, frees; NULL-safe). */
int emb_npz_open(struct emb_npz **out, const char *path, const struct emb_out_opts *oo,
		 struct emb_err *err);
/* Add NAME.npy: an array of NDIM (1 or 2) dimensions SHAPE, C order, from DATA. */
int emb_npz_add(struct emb_npz *z, const char *name, enum emb_npy_type type, const size_t *shape,
		int ndim, const void *data, struct emb_err *err);
int emb_npz_commit(struct emb_npz *z, struct emb_err *err);
void emb_npz_abort(struct emb_npz *z);

/*
 * Write batch B as DIR/batch-NNNNNN.npz (NNNNNN = b->number, at least 6 digits) holding
 * padded, lengths, index, data, batch_sizes, sorted_indices, unsorted_indices (int64) and,
 * with vectors, vectors (float32, N x dim).
 */
int emb_npz_write_batch(const char *dir, const struct emb_batch *b, const struct emb_out_opts *oo,
			struct emb_err *err);

#endif
