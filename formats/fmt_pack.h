/*
 * fmt_pack: what the PACK writer and reader share (formats/PACK.md): the magics, the flag
 * bits and the payload layout of a batch record.  Private to formats/pack_*.c.
 */
#ifndef EMB_FMT_PACK_H
#define EMB_FMT_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emb_batch.h"

#define PACK_FILE_MAGIC "EMBPACK" /* with its NUL: the 8 bytes that open a PACK file */
#define BATCH_MAGIC "EPKB"
#define END_MAGIC "EPKE"
#define FLAG_BATCH_FIRST 1u
#define FLAG_VECTORS 2u
#define FLAG_ENFORCE_SORTED 4u
#define PAYLOAD_MAX ((uint64_t)1 << 40)
#define NARRAYS 8

/* One array of a batch's payload: N elements of ELSIZE (4 or 8) bytes at P. */
struct pack_arr {
	void *p;
	size_t n, elsize;
};

/* The payload layout of PACK.md, in order; false when the sizes overflow. */
bool fmt_pack_layout(const struct emb_batch *b, struct pack_arr a[NARRAYS], uint64_t *payload);

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
/* Swap N elements of ELSIZE bytes at P between little-endian and host order. */
void fmt_pack_swap(void *p, size_t n, size_t elsize);
#endif

#endif
