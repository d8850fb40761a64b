/*
 * EMB's byte layout shared by its writer (embbin_write.c) and reader (embbin.c); private to
 * formats/.  See formats/EMB.md.
 */
#ifndef EMBBIN_IMPL_H
#define EMBBIN_IMPL_H

#include <libdeflate.h>
#include <stdint.h>

#include "emb_format.h"

static const unsigned char emb_magic[8] = { 0x89, 'E', 'M', 'B', '\r', '\n', 0x1a, '\n' };

#define HEADER_LEN 64
#define SECTION_LEN 16
#define ALIGN 64
#define VERSION 1
#define DTYPE_F32 1
#define DTYPE_F16 2
#define FLAG_COUNTS 1u
#define FLAG_SUBWORDS 2u
#define SUBW_LEN 16
#define SUBW_FASTTEXT 1
#define MAX_META ((uint64_t)16 << 20)
#define CHUNK ((size_t)4 << 20)

/* SUBW and NGRM follow MATX only in a table with subwords (flag bit 1) */
enum { S_META, S_TOKS, S_OFFS, S_CNTS, S_HASH, S_MATX, S_SUBW, S_NGRM, NSECT };
static const char tags[NSECT][5] = { "META", "TOKS", "OFFS", "CNTS", "HASH", "MATX", "SUBW",
				     "NGRM" };

struct hdr {
	uint32_t dtype, flags;
	uint64_t rows, dim;
	int64_t padding_idx;
	uint32_t nsect;
	uint32_t minn, maxn, bucket;  /* from SUBW, once read */
};

static inline uint32_t crc32_of(uint32_t crc, const void *p, size_t n)
{
	return libdeflate_crc32(crc, p, n);
}

/* Offset of the payload of the section whose header may start at POS (a multiple of ALIGN). */
static inline uint64_t payload_at(uint64_t pos)
{
	return (pos + SECTION_LEN + ALIGN - 1) / ALIGN * ALIGN;
}

/* The EMB writer of emb_format_emb (embbin_write.c). */
int fmt_emb_write(const struct emb_table *t, struct emb_out *out, const struct emb_write_opts *o,
		  struct emb_err *err);

#endif
