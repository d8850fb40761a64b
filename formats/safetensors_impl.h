/*
 * The safetensors header, private to formats/safetensors*.c: the tensor and metadata entries
 * that the strict JSON parser (safetensors_header.c) hands to the table reader (safetensors.c).
 */
#ifndef SAFETENSORS_IMPL_H
#define SAFETENSORS_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_err.h"
#include "emb_stream.h"

#define MAX_RANK 16

enum { DT_BOOL, DT_U8, DT_I8, DT_F8_E5M2, DT_F8_E4M3, DT_I16, DT_U16, DT_F16, DT_BF16, DT_I32,
       DT_U32, DT_F32, DT_F64, DT_I64, DT_U64, NDTYPES };
extern const unsigned char st_dt_size[NDTYPES]; /* bytes of an element of each dtype */

struct tensor {
	char *name;
	int dtype, rank;
	uint64_t shape[MAX_RANK];
	uint64_t begin, end;
};

struct meta {
	char *key, *value;
};

struct hdr {
	struct tensor *t;
	size_t nt, tcap;
	struct meta *m;
	size_t nm, mcap;
	bool has_meta;
};

/*
 * Parse the N-byte JSON header P (UTF-8, one object) into *h (zeroed by the caller), strictly:
 * duplicate names, unknown dtypes, negative or fractional numbers are EMB_EFORMAT naming the
 * byte in IN.  *h owns what it holds afterwards, on error too: st_hdr_release() frees it.
 */
int st_header_parse(struct hdr *h, const unsigned char *p, size_t n, struct emb_stream *in,
		    struct emb_err *err);
void st_hdr_release(struct hdr *h);

#endif
