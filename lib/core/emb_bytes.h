/*
 * emb_bytes: the byte-level helpers that lib/ and formats/ share: overflow-checked size
 * arithmetic and little-endian loads and stores (every embkit file format is little-endian).
 * Not installed: it is the documented contract between the library and its format readers,
 * which include it instead of lib's private internal.h.  Including it also bans the unsafe
 * C library calls (banned.h).
 */
#ifndef EMB_BYTES_H
#define EMB_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "banned.h"

/* *r = a * b; false on overflow. */
static inline bool emb_mul_ok(size_t a, size_t b, size_t *r)
{
	return !__builtin_mul_overflow(a, b, r);
}

static inline bool emb_add_ok(size_t a, size_t b, size_t *r)
{
	return !__builtin_add_overflow(a, b, r);
}

static inline uint32_t emb_le32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline uint64_t emb_le64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void emb_put_le32(void *p, uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	memcpy(p, &v, 4);
}

static inline void emb_put_le64(void *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

/* Length of the valid UTF-8 prefix of s[0..n); == n when all of it is valid. */
size_t emb_utf8_valid_prefix(const unsigned char *s, size_t n);

#endif
